/**
 * The hot queries of a 1,000,000-subscriber list must use their indexes, never scan the table
 * (Signal's helpers.node.ts asserts query plans the same way). The plans are read on :memory:.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../../../electron/engine/db/connection';
import { SubscribersRepo } from '../../../electron/engine/db/repos/subscribers';

function plan(db: Database.Database, sql: string, args: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
}

describe('query plans of hot queries', () => {
  const db = new Database(':memory:');
  migrate(db);
  db.exec('ANALYZE');
  const repo = new SubscribersRepo(db);

  it('counts by status from the (list_id, status) index', () => {
    const p = plan(
      db,
      'SELECT status, count(*) AS n FROM subscribers WHERE list_id = ? GROUP BY status',
      [1],
    );
    expect(p).toMatch(/USING COVERING INDEX subscribers_status/);
    expect(p).not.toMatch(/SCAN subscribers(?! USING)/);
  });

  it('finds one address by the unique (list_id, email_norm) index', () => {
    expect(plan(db, 'SELECT * FROM subscribers WHERE list_id = ? AND email_norm = ?', [1, 'a@b.c'])).toMatch(
      /USING INDEX subscribers_email \(list_id=\? AND email_norm=\?\)/,
    );
  });

  it('searches by email prefix and name prefix with two index range scans', () => {
    const { sql, args } = repo.buildQuery({ listId: 1, search: 'ann' }, 'SELECT *');
    const p = plan(db, `${sql} ORDER BY email_norm LIMIT 100`, args);
    expect(p).toMatch(/subscribers_email \(list_id=\? AND email_norm>\? AND email_norm<\?\)/);
    expect(p).toMatch(/subscribers_name \(list_id=\? AND name_norm>\? AND name_norm<\?\)/);
  });

  it('pages a list in address order from the index', () => {
    const { sql, args } = repo.buildQuery({ listId: 1, after: 'm' }, 'SELECT *');
    const p = plan(db, `${sql} ORDER BY email_norm LIMIT 100`, args);
    expect(p).toMatch(/USING INDEX subscribers_email \(list_id=\? AND email_norm>\?\)/);
    expect(p).not.toMatch(/TEMP B-TREE/);
  });

  it('filters a page by status without a table scan', () => {
    const { sql, args } = repo.buildQuery({ listId: 1, status: 'unsubscribed' }, 'SELECT *');
    expect(plan(db, `${sql} ORDER BY email_norm LIMIT 100`, args)).toMatch(
      /USING INDEX subscribers_(status|email)/,
    );
  });
});
