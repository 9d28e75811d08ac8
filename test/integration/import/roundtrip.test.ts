import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { exportList } from '../../../electron/engine/mirror/csv/exporter';
import type { SubscriberRow } from '../../../electron/engine/db/repos/subscribers';
import { csvCell } from '../../../electron/engine/mirror/csv/rejects';
import { CsvTokenizer } from '../../../electron/engine/mirror/csv/tokenizer';

/** Everything that describes a person (not the local bookkeeping: ids, source, created/updated). */
function essence(s: SubscriberRow) {
  const { id: _id, listId: _l, source: _s, createdAt: _c, updatedAt: _u, ...rest } = s;
  return { ...rest, tags: [...rest.tags].sort() };
}

describe('export → import round trip', () => {
  it('is lossless for every status, merge field, tag, timestamp, ESP id and extra field', async () => {
    const { engine, dir } = testEngine();
    const src = join(dir, 'src.csv');
    writeFileSync(
      src,
      [
        '"Email Address","First Name","Last Name","Address",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LAST_CHANGED,LEID,EUID,NOTES,TAGS',
        'ana@example.com,Ana,"García, Jr.","1 Main St, ""Springfield""",4,2024-01-03 10:11:12,203.0.113.7,2024-01-03 10:12:00,198.51.100.2,2025-02-01 08:00:00,123,abc,"multi',
        'line note","""VIP"",""Black Friday, 2026"""',
        '王@example.com,小明,王,,,,,,,,,,,',
        'zoe@exämple.com,Zoë,,,,,,,,,,,, ',
      ].join('\r\n') + '\r\n',
    );
    await importFile(engine, { file: src, list: 'Main' });
    const st = join(dir, 'st.csv');
    writeFileSync(
      st,
      'Email,Status,Reason,Changed\nu@example.com,unsubscribed,NORMAL,2024-05-01T09:00:00Z\nc@example.com,cleaned,,\nb@example.com,bounced,,\nx@example.com,complained,,\np@example.com,pending,,\nr@example.com,archived,,\n',
    );
    await importFile(engine, {
      file: st,
      list: 'Main',
      map: { Reason: 'status_reason', Changed: 'status_changed_at' },
    });
    const list = engine.repos.lists.byName('Main')!;
    const before = [...engine.repos.subscribers.iterate(list.id)].map(essence);
    expect(before).toHaveLength(9);

    const out = join(dir, 'export.csv');
    const ex = await exportList(engine, 'Main', out);
    expect(ex.rows).toBe(9);
    const r = await importFile(engine, { file: out, list: 'Copy' });
    expect(r).toMatchObject({ format: 'understudy', imported: 9, rejected: 0 });
    const copy = engine.repos.lists.byName('Copy')!;
    const after = [...engine.repos.subscribers.iterate(copy.id)].map(essence);
    expect(after).toEqual(before);
    // Re-importing the export into the original list changes nothing.
    const again = await importFile(engine, { file: out, list: 'Main' });
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 9 });
  });

  it('neutralises spreadsheet formulas in the export and still round-trips every value (generated cases)', async () => {
    // A small seeded generator (no dependency): values built from the characters that matter —
    // formula starters, the escape quote itself, CSV syntax, whitespace, non-ASCII.
    let seed = 20261206;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ALPHA = [
      '=',
      '+',
      '-',
      '@',
      '\t',
      '\r',
      '\n',
      "'",
      "''",
      '"',
      ',',
      ';',
      ' ',
      'a',
      'Z',
      'é',
      '王',
      '😀',
      '1',
    ];
    const gen = (max: number) => {
      let v = '';
      const n = rnd(max + 1);
      for (let i = 0; i < n; i++) v += ALPHA[rnd(ALPHA.length)];
      return v;
    };
    const { engine, dir } = testEngine();
    const lines = ['Email,First,Last,Note,Code,Reason'];
    const locals = ['=cmd', '+1', '-x', "'q", "'=q", 'plain'];
    for (let i = 0; i < 300; i++) {
      const local = `${locals[i % locals.length]}${i}`;
      const name = () => gen(6).trim(); // names are trimmed on import: generate them trimmed
      lines.push(
        [`${local}@example.com`, name(), name(), gen(8), gen(8), name()]
          .map((v) => `"${v.replace(/"/g, '""')}"`)
          .join(','),
      );
    }
    // The hand-picked ones: a name that really starts with '= and one that really starts with ''.
    lines.push(
      ['named@example.com', "'=SUM(A1)", "''", '=HYPERLINK("x")', "'+1", "'"].map(csvCell).join(','),
    );
    const src = join(dir, 'gen.csv');
    writeFileSync(src, lines.join('\r\n') + '\r\n');
    const r0 = await importFile(engine, {
      file: src,
      list: 'Gen',
      format: 'csv',
      map: {
        First: 'first_name',
        Last: 'last_name',
        Note: 'merge:NOTE',
        Code: 'extra:code',
        Reason: 'status_reason',
      },
    });
    expect(r0).toMatchObject({ imported: 301, rejected: 0 });
    const list = engine.repos.lists.byName('Gen')!;
    const before = [...engine.repos.subscribers.iterate(list.id)].map(essence);
    expect(before.find((s) => s.emailNorm === 'named@example.com')).toMatchObject({
      firstName: "'=SUM(A1)",
      lastName: "''",
      mergeFields: { NOTE: '=HYPERLINK("x")' },
    });

    const out = join(dir, 'gen-export.csv');
    await exportList(engine, 'Gen', out);
    // No cell of the export starts as a formula: a spreadsheet shows every one as text.
    const cells: string[] = [];
    const tok = new CsvTokenizer(
      ',',
      (rec) => cells.push(...rec.fields),
      () => {
        throw new Error('the export does not parse');
      },
    );
    tok.push(readFileSync(out, 'utf8').replace(/^\uFEFF/, ''));
    tok.end();
    expect(cells.length).toBeGreaterThan(300 * 10);
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(cells).toContain("''=SUM(A1)");

    const r = await importFile(engine, { file: out, list: 'Copy' });
    expect(r).toMatchObject({ format: 'understudy', imported: 301, rejected: 0 });
    const after = [...engine.repos.subscribers.iterate(engine.repos.lists.byName('Copy')!.id)].map(essence);
    expect(after).toEqual(before);
  });

  it('refuses to export a list that does not exist, naming the ones that do', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'a.csv');
    writeFileSync(f, 'Email\na@example.com\n');
    await importFile(engine, { file: f, list: 'Customers' });
    await expect(exportList(engine, 'Custmers', join(dir, 'o.csv'))).rejects.toMatchObject({
      code: 'list_not_found',
      next: expect.stringContaining('"Customers"'),
    });
  });
});
