/**
 * Finding people (issue 15, "Finding people"): any word of the name, a last name alone, a domain, an
 * address prefix, with a status filter, paging and every sort; and the words index kept in step with
 * every write path (import merge, ESP sync, status changes, deletes), checked against the rows.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { querySubscribers } from '../../../electron/engine/mirror/lists';
import type { Engine } from '../../../electron/engine/engine';
import type { Subscriber } from '../../../electron/engine/api/lists';
import { memberFields } from '../../helpers/members';

const FIRST = ['Mary Ann', 'John', 'Zoë', 'Chloé', 'Ann-Marie', 'Bob'];
const LAST = ['Smith', 'García', "O'Brien", 'Smithson', 'Nguyễn', 'Lee'];

/** 6,600 people: 2,200 Smiths (above the plan threshold, so the index-walk plan runs too). */
async function seed(engine: Engine, dir: string, list = 'L', n = 6600): Promise<void> {
  const rows = ['Email,First Name,Last Name,Status'];
  for (let i = 0; i < n; i++) {
    const domain = i % 3 === 0 ? 'example.com' : i % 3 === 1 ? 'shop.example.org' : 'mail.net';
    const status = i % 7 === 0 ? 'unsubscribed' : 'subscribed';
    rows.push(
      `p${String(i).padStart(4, '0')}.x@${domain},${FIRST[i % 6]},${LAST[Math.floor(i / 6) % 6]},${status}`,
    );
  }
  rows.push('john.smith@other.io,Jo,Black,subscribed', 'annie@other.io,,,subscribed');
  const f = join(dir, `${list}.csv`);
  writeFileSync(f, rows.join('\n') + '\n');
  await importFile(engine, { file: f, list });
}

/** Every row of the list, to compute what a search must return without the index. */
function all(engine: Engine, list = 'L'): Subscriber[] {
  const out: Subscriber[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = querySubscribers(engine, { list, limit: 1000, offset, count: false }).rows;
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const wordsOf = (s: Subscriber) =>
  fold(`${s.firstName} ${s.lastName} ${s.email.split('@')[0]}`).match(/[\p{L}\p{N}]+/gu) ?? [];
/** What "every word typed starts a word of the name or address" means, computed on the rows. */
const wordMatch = (q: string) => (s: Subscriber) =>
  (fold(q).match(/[\p{L}\p{N}]+/gu) ?? []).every((w) => wordsOf(s).some((x) => x.startsWith(w)));

function search(engine: Engine, q: Record<string, unknown>) {
  return querySubscribers(engine, { list: 'L', limit: 1000, ...q } as never);
}

describe('search', () => {
  it('finds any word of the name, a last name alone, a domain and an address prefix', async () => {
    const { engine, dir } = testEngine();
    await seed(engine, dir);
    const rows = all(engine);

    // A last name alone: every Smith (and Smithson: a word that starts with it), not only first names.
    const smith = search(engine, { search: 'Smith' });
    const expected = rows.filter(wordMatch('smith'));
    expect(expected.length).toBeGreaterThan(2000);
    expect(smith.total).toBe(expected.length);
    expect(smith.rows.map((r) => r.email)).toEqual(expected.slice(0, 1000).map((r) => r.email));
    expect(smith.rows.some((r) => r.lastName === 'Smithson')).toBe(true);

    // Any word of the name: "Ann" is the second word of "Mary Ann" and the first of "Ann-Marie".
    const ann = search(engine, { search: 'ann' });
    expect(ann.total).toBe(rows.filter(wordMatch('ann')).length);
    expect(ann.rows.some((r) => r.firstName === 'Mary Ann')).toBe(true);
    expect(ann.rows.some((r) => r.firstName === 'Ann-Marie')).toBe(true);
    expect(ann.rows.some((r) => r.email === 'annie@other.io')).toBe(true);

    // Two words, in any order, without accents: "garcia zoe" finds Zoë García.
    const zg = search(engine, { search: 'garcia zoe' });
    expect(zg.total).toBeGreaterThan(0);
    expect(zg.rows.every((r) => r.firstName === 'Zoë' && r.lastName === 'García')).toBe(true);
    expect(zg.total).toBe(rows.filter((r) => r.firstName === 'Zoë' && r.lastName === 'García').length);

    // A domain, and the start of one; a subdomain is another domain.
    const dom = search(engine, { search: '@example.com' });
    expect(dom.total).toBe(2200);
    expect(dom.rows.every((r) => r.email.endsWith('@example.com'))).toBe(true);
    expect(search(engine, { search: '@shop' }).total).toBe(2200);
    expect(search(engine, { search: '@other.io' }).rows.map((r) => r.email)).toEqual([
      'annie@other.io',
      'john.smith@other.io',
    ]);
    expect(search(engine, { search: '@example.org' }).total).toBe(0);

    // An address prefix, with the dot and the @ people type.
    const johnSm = search(engine, { search: 'john.sm' }).rows;
    expect(johnSm[0]!.email).toBe('john.smith@other.io');
    // …and, word by word, every John Smith / Smithson.
    expect(johnSm.slice(1).every((r) => r.firstName === 'John' && r.lastName.startsWith('Smith'))).toBe(true);
    expect(search(engine, { search: 'P0012.X@' }).rows.map((r) => r.email)).toEqual(['p0012.x@example.com']);
    expect(search(engine, { search: 'p001' }).total).toBe(10);
  });

  it('combines with the status filter, pages and sorts the same way in both plans', async () => {
    const { engine, dir } = testEngine();
    await seed(engine, dir);
    const rows = all(engine);
    for (const [q, pred] of [
      ['smith', wordMatch('smith')], // > 2,000 matches: the sort index is walked
      ['brien zo', wordMatch('brien zo')], // few: read by id and sorted
      ["o'brien", wordMatch("o'brien")],
      ['@mail.net', (s: Subscriber) => s.email.endsWith('@mail.net')],
    ] as const) {
      const unsub = rows.filter((r) => r.status === 'unsubscribed' && pred(r));
      expect(unsub.length, q).toBeGreaterThan(4);
      const page = search(engine, { search: q, status: 'unsubscribed', limit: 3, offset: 2 });
      expect(page.total, q).toBe(unsub.length);
      expect(
        page.rows.map((r) => r.email),
        q,
      ).toEqual(unsub.slice(2, 5).map((r) => r.email));

      const matching = rows.filter(pred);
      const nameNorm = (r: Subscriber) => `${r.firstName} ${r.lastName}`.trim().toLowerCase();
      const byName = [...matching].sort((a, b) =>
        nameNorm(a) === nameNorm(b) ? b.id - a.id : nameNorm(a) < nameNorm(b) ? 1 : -1,
      );
      const sorted = search(engine, { search: q, sort: 'name', desc: true, limit: 5, count: false });
      expect(
        sorted.rows.map((r) => `${r.firstName} ${r.lastName}`),
        q,
      ).toEqual(byName.slice(0, 5).map((r) => `${r.firstName} ${r.lastName}`));
      const byStatus = search(engine, { search: q, sort: 'status', limit: 1000 }).rows.map((r) => r.status);
      expect(byStatus, q).toEqual([...byStatus].sort());
    }
  });

  it('sorts a whole list by every column, both ways', async () => {
    const { engine, dir } = testEngine();
    await seed(engine, dir, 'L', 300);
    const ids = (sort: string, desc: boolean) =>
      search(engine, { sort, desc, limit: 1000 }).rows.map((r) => r.email);
    const rows = all(engine);
    expect(ids('email', false)).toEqual(rows.map((r) => r.email));
    expect(ids('email', true)).toEqual([...rows].reverse().map((r) => r.email));
    const status = search(engine, { sort: 'status', limit: 1000 }).rows;
    expect(status[0]!.status).toBe('subscribed');
    expect(status.at(-1)!.status).toBe('unsubscribed');
    expect(search(engine, { sort: 'status', desc: true, limit: 1 }).rows[0]!.status).toBe('unsubscribed');
    expect(ids('date', false)).toHaveLength(302);
  });

  it('keeps the words index in step with the import merge, the ESP sync, status changes and deletes', async () => {
    const { engine, dir } = testEngine();
    await seed(engine, dir, 'L', 60);
    await seed(engine, dir, 'Other', 30);
    const count = (q: string, list = 'L') => querySubscribers(engine, { list, search: q }).total ?? -1;
    const smiths = count('smith');
    expect(count('smith', 'Other')).toBe(all(engine, 'Other').filter(wordMatch('smith')).length);

    // Import merge: a changed last name is found under the new name and no longer under the old one.
    const f = join(dir, 'rename.csv');
    writeFileSync(
      f,
      'Email,First Name,Last Name\np0000.x@example.com,,Kowalczyk\nnew.person@zed.io,Quincy,Smith\n',
    );
    await importFile(engine, { file: f, list: 'L' });
    expect(count('kowalczyk')).toBe(1);
    expect(count('smith')).toBe(smiths - 1 + 1);
    expect(count('quincy')).toBe(1);

    // ESP sync: an updated member and a new one.
    const sync = engine.repos.espSync;
    const listId = engine.repos.lists.byName('L')!.id;
    const member = engine.repos.subscribers.byEmail(listId, 'p0001.x@shop.example.org')!;
    const fields = memberFields('renamed@shop.example.org', {
      firstName: 'Ottilie',
      lastName: 'Fairweather',
      nameNorm: 'ottilie fairweather',
      espId: 'm1',
    });
    sync.updateMember(member.id, fields, '2026-12-01T00:00:00.000Z');
    sync.insertMember(
      listId,
      { ...fields, email: 'x@y.io', emailNorm: 'x@y.io', lastName: 'Fairweather', espId: 'm2' },
      'test',
      null,
      '2026-12-01T00:00:00.000Z',
    );
    expect(count('fairweather')).toBe(2);
    expect(count('renamed')).toBe(1);
    expect(count('p0001')).toBe(0);

    // A status change is a filter on the row: found under its new status at once.
    engine.repos.subscribers.setStatus(member.id, 'unsubscribed', 'test', '2026-12-01T00:00:00.000Z');
    expect(querySubscribers(engine, { list: 'L', search: 'ottilie', status: 'unsubscribed' }).total).toBe(1);

    // A deleted list leaves nothing behind in the index; the other list is untouched.
    const otherSmiths = count('smith', 'Other');
    engine.repos.lists.remove(listId);
    const left = engine.db.prepare(
      `SELECT count(*) AS n FROM subscriber_search WHERE subscriber_search MATCH ?`,
    );
    expect((left.get(`list : "${listId}"`) as { n: number }).n).toBe(0);
    expect(count('smith', 'Other')).toBe(otherSmiths);

    // And every list's index agrees with its rows, word for word.
    const rows = all(engine, 'Other');
    for (const q of ['smith', 'ann', 'zoe', 'p00', 'brien', 'nguyen'])
      expect(count(q, 'Other'), q).toBe(rows.filter(wordMatch(q)).length);
  });

  it('reads any text typed without an error: quotes, stars, dashes and FTS syntax are plain text', async () => {
    const { engine, dir } = testEngine();
    await seed(engine, dir, 'L', 60);
    for (const q of [
      '"',
      '"smith',
      'smith*',
      '*',
      '-smith',
      'smith -john',
      'NEAR(a b)',
      'a OR b',
      'NOT',
      'list : 1',
      'words:smith',
      '^smith',
      '(',
      ')',
      "'",
      '\\',
      '%',
      '_',
      '@',
      '@"',
      'AND',
      '\u0000',
      'x'.repeat(254),
    ]) {
      const r = querySubscribers(engine, { list: 'L', search: q });
      expect(r.total, q).toBe(r.rows.length);
    }
    expect(querySubscribers(engine, { list: 'L', search: '"smith"' }).total).toBe(count(engine, 'smith'));
    expect(querySubscribers(engine, { list: 'L', search: 'smith*' }).total).toBe(count(engine, 'smith'));
    expect(querySubscribers(engine, { list: 'L', search: 'list : 1' }).total).toBe(0);
  });
});

function count(engine: Engine, q: string): number | null {
  return querySubscribers(engine, { list: 'L', search: q }).total;
}
