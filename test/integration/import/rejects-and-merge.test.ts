import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';

describe('import validation and rejects', () => {
  it('writes every row it does not take to the reject report with line, reason and raw text', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'messy.csv');
    const report = join(dir, 'rejects.csv');
    writeFileSync(
      f,
      [
        'Email,First Name,Status',
        'ok@example.com,Ok,subscribed', // 2
        'not-an-email,Bad,subscribed', // 3
        ',,', // 4 blank row
        'two@@example.com,X,', // 5
        'ok2@example.com,Ok2,maybe', // 6 unknown status
        'ok3@example.com,"Multi', // 7 quote never closes: the rest of the file is one broken record
      ].join('\n') + '\n',
    );
    const r = await importFile(engine, { file: f, list: 'L', rejectReport: report });
    expect(r).toMatchObject({ rows: 6, imported: 1, rejected: 5, rejectReport: report });
    const rows = Papa.parse<{ line: string; reason: string; raw: string }>(readFileSync(report, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows.map((x) => [Number(x.line), x.reason.replace(/:.*/, '')])).toEqual([
      [3, 'not an email address'],
      [4, 'blank row'],
      [5, 'invalid characters before @ in "two@@example.com"'.replace(/:.*/, '')],
      [6, 'unknown status "maybe"'],
      [7, 'a quoted field never closes before the end of the file'],
    ]);
    expect(rows[0]!.raw).toBe('not-an-email,Bad,subscribed');
    expect(rows[4]!.raw).toBe('ok3@example.com,"Multi');
  });

  it('neutralises spreadsheet formulas in the reject report (the raw text is kept after a quote)', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'f.csv');
    writeFileSync(f, "Email,Name\n=cmd|' /C calc'!A0,x\n@SUM(1),y\nok@example.com,z\n");
    const report = join(dir, 'r.csv');
    const r = await importFile(engine, { file: f, list: 'F', rejectReport: report });
    expect(r.rejected).toBe(2);
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    expect(lines[1]).toMatch(/^2,.*,"'=cmd\|' \/C calc'!A0,x"$/);
    expect(lines[2]).toMatch(/^3,.*,"'@SUM\(1\),y"$/);
  });

  it('rejects rows with more non-empty columns than the header but accepts trailing empty ones', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'cols.csv');
    writeFileSync(f, 'Email,Name\na@example.com,A,,\nb@example.com,B,surprise\n');
    const r = await importFile(engine, { file: f, list: 'L', rejectReport: join(dir, 'r.csv') });
    expect(r).toMatchObject({ imported: 1, rejected: 1 });
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toMatch(
      /3,has 3 columns but the header has 2,"?b@example.com,B,surprise/,
    );
  });

  it('writes no report when nothing is rejected, and puts one in the data folder by default', async () => {
    const { engine, dir } = testEngine();
    const clean = join(dir, 'clean.csv');
    writeFileSync(clean, 'Email\na@example.com\n');
    expect((await importFile(engine, { file: clean, list: 'L' })).rejectReport).toBeNull();
    const messy = join(dir, 'messy.csv');
    writeFileSync(messy, 'Email\nnope\n');
    const r = await importFile(engine, { file: messy, list: 'L' });
    expect(r.rejectReport).toContain(join(dir, 'rejects'));
    expect(readFileSync(r.rejectReport!, 'utf8')).toContain('nope');
  });

  it('normalizes addresses: case, whitespace, internationalized domains', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'norm.csv');
    writeFileSync(f, 'Email\n  Mixed.Case@Example.COM  \nuser@bücher.de\n');
    await importFile(engine, { file: f, list: 'L' });
    const list = engine.repos.lists.byName('L')!;
    expect(engine.repos.subscribers.byEmail(list.id, 'mixed.case@example.com')!.email).toBe(
      'Mixed.Case@Example.COM',
    );
    expect(engine.repos.subscribers.byEmail(list.id, 'user@xn--bcher-kva.de')!.email).toBe('user@bücher.de');
  });
});

describe('import merge rules', () => {
  it('merges duplicates inside the file: fields updated, stricter status kept, counted once', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'dups.csv');
    writeFileSync(
      f,
      'Email,First Name,Status,City,Tags\n' +
        'a@example.com,Ann,unsubscribed,Oslo,x\n' +
        'A@EXAMPLE.com,Annie,subscribed,Bergen,y\n' +
        'b@example.com,Bo,subscribed,,\n',
    );
    const r = await importFile(engine, { file: f, list: 'L', map: { City: 'merge:CITY' } });
    expect(r).toMatchObject({ rows: 3, imported: 2, duplicates: 1, rejected: 0 });
    const a = engine.repos.subscribers.byEmail(engine.repos.lists.byName('L')!.id, 'a@example.com')!;
    expect(a).toMatchObject({ firstName: 'Annie', status: 'unsubscribed', mergeFields: { CITY: 'Bergen' } });
    expect(a.tags.sort()).toEqual(['x', 'y']);
  });

  it('never turns an unsubscribed, cleaned, bounced or complained person back into a subscriber', async () => {
    const { engine, dir } = testEngine();
    const first = join(dir, 'first.csv');
    writeFileSync(
      first,
      'Email,Status\nu@example.com,unsubscribed\nc@example.com,cleaned\nb@example.com,bounced\nx@example.com,complained\np@example.com,pending\n',
    );
    await importFile(engine, { file: first, list: 'L' });
    const again = join(dir, 'again.csv');
    writeFileSync(
      again,
      'Email,First Name,Status\nu@example.com,U,subscribed\nc@example.com,C,subscribed\nb@example.com,B,subscribed\nx@example.com,X,subscribed\np@example.com,P,subscribed\n',
    );
    const r = await importFile(engine, { file: again, list: 'L' });
    expect(r).toMatchObject({ imported: 0, updated: 5, unchanged: 0 });
    const list = engine.repos.lists.byName('L')!;
    expect(engine.repos.lists.countsByStatus(list.id)).toMatchObject({
      unsubscribed: 1,
      cleaned: 1,
      bounced: 1,
      complained: 1,
      subscribed: 1,
      pending: 0,
    });
    // The names were still updated; only the status stayed strict. Pending → subscribed is a confirmation.
    expect(engine.repos.subscribers.byEmail(list.id, 'u@example.com')!.firstName).toBe('U');
    expect(engine.repos.subscribers.byEmail(list.id, 'p@example.com')!.status).toBe('subscribed');
  });

  it('counts new, updated and unchanged rows against the list exactly, and empty cells erase nothing', async () => {
    const { engine, dir } = testEngine();
    const f1 = join(dir, '1.csv');
    writeFileSync(f1, 'Email,First Name,City\na@example.com,Ann,Oslo\nb@example.com,Bo,Rome\n');
    await importFile(engine, { file: f1, list: 'L', map: { City: 'merge:CITY' } });
    const f2 = join(dir, '2.csv');
    writeFileSync(
      f2,
      'Email,First Name,City\na@example.com,Ann,Oslo\nb@example.com,,Paris\nc@example.com,Cy,\n',
    );
    const r = await importFile(engine, { file: f2, list: 'L', map: { City: 'merge:CITY' } });
    expect(r).toMatchObject({ rows: 3, imported: 1, updated: 1, unchanged: 1 });
    const b = engine.repos.subscribers.byEmail(engine.repos.lists.byName('L')!.id, 'b@example.com')!;
    expect(b).toMatchObject({ firstName: 'Bo', mergeFields: { CITY: 'Paris' } });
  });

  it('records the import in the timeline', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'a.csv');
    writeFileSync(f, 'Email\na@example.com\n');
    await importFile(engine, { file: f, list: 'L' });
    const [e] = engine.repos.events.recent(1);
    expect(e).toMatchObject({ type: 'import.completed', listId: engine.repos.lists.byName('L')!.id });
    expect(e!.data).toMatchObject({ imported: 1, format: 'csv' });
  });
});
