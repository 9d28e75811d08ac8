/**
 * The query plan of a repository's own prepared statement: `EXPLAIN QUERY PLAN` over its
 * `Statement.source`, bound with `args`, as one line ("SEARCH c USING INDEX … | USE TEMP B-TREE …").
 * Repositories expose their hot statements with `statements()` (electron/engine/db/repos/hot.ts).
 */
import type { Db } from '../../electron/engine/db/connection';
import type { Statement } from '../../electron/engine/db/repos/hot';

export function planOf(db: Db, statement: Statement, ...args: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...args) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
}
