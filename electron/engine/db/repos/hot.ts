/**
 * A repository's hot statements, by name: the SQL its methods run on every pass of a loop or every
 * page of a screen. `statements()` prepares exactly the text the methods prepare, so the query-plan
 * tests (test/unit/db/queryPlans.test.ts, test/unit/continuity/queryPlans.test.ts) read the plan of
 * the repository's own statement (`Statement.source`), never a copy of its SQL.
 */
import type { Db } from '../connection';

export type Statement = ReturnType<Db['prepare']>;
export type HotStatements<K extends string> = Record<K, Statement>;

/** Prepares every SQL text of `sql` under the same name. */
export function prepareAll<K extends string>(db: Db, sql: Record<K, string>): HotStatements<K> {
  return Object.fromEntries(
    Object.entries(sql).map(([k, s]) => [k, db.prepare(s as string)]),
  ) as HotStatements<K>;
}
