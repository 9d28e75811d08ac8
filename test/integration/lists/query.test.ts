import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { querySubscribers } from '../../../electron/engine/mirror/lists';

describe('querySubscribers', () => {
  it('pages in address order, filters by status, searches address and name prefixes, counts only when asked', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'l.csv');
    const rows = ['Email,First Name,Last Name,Status'];
    for (let i = 0; i < 250; i++)
      rows.push(
        `u${String(i).padStart(3, '0')}@example.com,Zoë${i},Smith,${i % 5 === 0 ? 'unsubscribed' : 'subscribed'}`,
      );
    rows.push('ann@example.com,Ann,Lee,subscribed', 'bob@example.com,Annabel,Stone,subscribed');
    writeFileSync(f, rows.join('\n') + '\n');
    await importFile(engine, { file: f, list: 'L' });

    const first = querySubscribers(engine, { list: 'L', limit: 100, offset: 0 });
    expect(first.total).toBe(252);
    expect(first.rows[0]!.email).toBe('ann@example.com');
    const next = querySubscribers(engine, { list: 'L', limit: 100, offset: 100, count: false });
    expect(next.total).toBeNull();
    expect(next.rows).toHaveLength(100);
    // Keyset paging gives the same page as the offset.
    const keyset = querySubscribers(engine, {
      list: 'L',
      limit: 100,
      after: first.rows[99]!.email.toLowerCase(),
    });
    expect(keyset.rows.map((r) => r.id)).toEqual(next.rows.map((r) => r.id));

    expect(querySubscribers(engine, { list: 'L', status: 'unsubscribed' }).total).toBe(50);
    // "ann" matches ann@… by address and Annabel by name; Unicode names are searched lower-cased.
    expect(querySubscribers(engine, { list: 'L', search: 'ANN' }).rows.map((r) => r.email)).toEqual([
      'ann@example.com',
      'bob@example.com',
    ]);
    expect(querySubscribers(engine, { list: 'L', search: 'zoë1' }).total).toBe(111);
  });
});
