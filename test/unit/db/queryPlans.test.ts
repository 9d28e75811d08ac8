/**
 * The hot queries of a 1,000,000-subscriber list must use their indexes, never scan the table
 * (Signal's helpers.node.ts asserts query plans the same way). The plans are read on :memory:, from
 * the repositories' own statements (`statements()`, `pageSql`, `countSql`), never from SQL copied here.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../../../electron/engine/db/connection';
import { SubscribersRepo } from '../../../electron/engine/db/repos/subscribers';
import { ListsRepo } from '../../../electron/engine/db/repos/lists';
import { planOf } from '../../helpers/queryPlan';

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
    const p = planOf(db, new ListsRepo(db).statements().countsByStatus, 1);
    expect(p).toMatch(/USING COVERING INDEX subscribers_status/);
    expect(p).not.toMatch(/SCAN subscribers(?! USING)/);
  });

  it('finds one address by the unique (list_id, email_norm) index', () => {
    expect(planOf(db, repo.statements().byEmail, 1, 'a@b.c')).toMatch(
      /USING INDEX subscribers_email \(list_id=\? AND email_norm=\?\)/,
    );
  });

  const pagePlan = (q: Parameters<SubscribersRepo['pageSql']>[0], which: 'page' | 'count' = 'page') => {
    const { sql, args } = which === 'page' ? repo.pageSql(q) : repo.countSql(q);
    return plan(db, sql, args);
  };

  it('reads the few matches of a word search by the ids the plan was chosen with', () => {
    // The words index was asked for them already (to choose the plan): the page does not ask again.
    const p = pagePlan({ listId: 1, search: 'smith' });
    expect(p).toMatch(/SEARCH subscribers USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(p).toMatch(/SCAN json_each VIRTUAL TABLE/);
    expect(p).not.toMatch(/subscriber_search/);
    expect(p).not.toMatch(/SCAN subscribers(?! USING)/);
  });

  it('reads many matches in the sort index order, probing the FTS5 matches (no sort of the matches)', () => {
    // 2,500 Smiths: above the threshold where walking the index beats sorting the matches.
    const ins = db.prepare(
      `INSERT INTO subscribers (list_id, email, email_norm, first_name, last_name, name_norm, status, source, created_at, updated_at)
       VALUES (1, ?, ?, 'Ann', 'Smith', 'ann smith', 'subscribed', 'test', 'x', 'x')`,
    );
    db.prepare(`INSERT INTO lists (id, name, created_at, updated_at) VALUES (1, 'L', 'x', 'x')`).run();
    for (let i = 0; i < 2500; i++) ins.run(`a${i}@b.c`, `a${i}@b.c`);
    for (const [sort, index] of [
      ['email', 'subscribers_email'],
      ['name', 'subscribers_name'],
      ['status', 'subscribers_status'],
      ['date', 'subscribers_updated'],
    ] as const) {
      const p = pagePlan({ listId: 1, search: 'smi', sort, desc: sort === 'name' });
      expect(p).toMatch(new RegExp(`SEARCH subscribers USING INDEX ${index} \\(list_id=\\?\\)`));
      expect(p).toMatch(/LIST SUBQUERY/);
      expect(p).not.toMatch(/TEMP B-TREE/);
    }
    // With an address prefix too (the text has a dot), both sources feed the same probe.
    expect(pagePlan({ listId: 1, search: 'ann.smi' })).toMatch(
      /subscribers_email \(list_id=\? AND email_norm>\? AND email_norm<\?\)/,
    );
    db.exec('DELETE FROM subscribers; DELETE FROM lists');
  });

  it('counts word matches in the FTS5 index alone, without reading the table', () => {
    const p = pagePlan({ listId: 1, search: 'smith' }, 'count');
    expect(p).toMatch(/SCAN subscriber_search VIRTUAL TABLE INDEX/);
    expect(p).not.toMatch(/subscribers(?!_search)/);
  });

  it('filters a domain while walking the address index (the address is in the index)', () => {
    const p = pagePlan({ listId: 1, search: '@example.com' });
    expect(p).toMatch(/SEARCH subscribers USING INDEX subscribers_email \(list_id=\?\)/);
    expect(p).not.toMatch(/TEMP B-TREE/);
    expect(pagePlan({ listId: 1, search: '@example.com' }, 'count')).toMatch(
      /USING COVERING INDEX subscribers_email \(list_id=\?\)/,
    );
  });

  it("sorts a whole list by any column from that column's index, both ways", () => {
    for (const [sort, index] of [
      ['email', 'subscribers_email'],
      ['name', 'subscribers_name'],
      ['status', 'subscribers_status'],
      ['date', 'subscribers_updated'],
    ] as const)
      for (const desc of [false, true]) {
        const p = pagePlan({ listId: 1, sort, desc, offset: 500 });
        expect(p, `${sort} ${desc}`).toMatch(new RegExp(`USING INDEX ${index} \\(list_id=\\?\\)`));
        expect(p, `${sort} ${desc}`).not.toMatch(/TEMP B-TREE/);
      }
  });

  it('pages a list in address order from the index', () => {
    const p = pagePlan({ listId: 1, after: 'm' });
    expect(p).toMatch(/USING INDEX subscribers_email \(list_id=\? AND email_norm>\?\)/);
    expect(p).not.toMatch(/TEMP B-TREE/);
  });

  it('filters a page by status without a table scan', () => {
    expect(pagePlan({ listId: 1, status: 'unsubscribed' })).toMatch(/USING INDEX subscribers_(status|email)/);
  });
});
