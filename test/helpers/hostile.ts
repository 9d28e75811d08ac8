/**
 * The hostile-input suite's harness. Every case names what it feeds in, what must come back (exit
 * code or HTTP status, and words of the message), and proves nothing changed: the hash of every
 * file in the data folder, and the row count of every table in the database, before and after.
 *
 * Cases live in `test/integration/hostile/*.test.ts`, one table per area (CLI, HTTP, SMTP replies,
 * imports, …); each file calls `hostileCases(title, cases, setup)`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';

/** sha256 of every regular file below `dir` (relative path → hash); `-wal`/`-shm`, the `-seal`
 * fingerprint (derived from the database, see db/connection.ts) and locks left out. */
export function hashTree(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (skip(rel) || /-(wal|shm|journal|seal)$/.test(name) || name.endsWith('.lock')) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Row count of every table (SQLite's own and FTS shadow tables left out), read-only. */
export function tableCounts(dbPath: string): Record<string, number> {
  if (!existsSync(dbPath)) return {};
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    const counts: Record<string, number> = {};
    for (const t of tables) {
      counts[t] = db
        .prepare(`SELECT count(*) FROM "${t.replace(/"/g, '""')}"`)
        .pluck()
        .get() as number;
    }
    return counts;
  } finally {
    db.close();
  }
}

export interface Snapshot {
  files: Record<string, string>;
  counts: Record<string, number>;
}

/**
 * What "unchanged" compares: the files of the data folder and the database's row counts.
 * `ignoreFiles` leaves out paths a case may legitimately create (for example a log); the database
 * file itself is compared by row counts, not bytes (SQLite may checkpoint the WAL into it).
 */
export function snapshot(
  dir: string,
  dbPath: string,
  ignoreFiles: (rel: string) => boolean = () => false,
): Snapshot {
  const dbRel = relative(dir, dbPath);
  return {
    files: hashTree(dir, (rel) => rel === dbRel || ignoreFiles(rel)),
    counts: tableCounts(dbPath),
  };
}

export function expectUnchanged(before: Snapshot, after: Snapshot): void {
  expect(after.counts, 'row counts of every table').toEqual(before.counts);
  expect(after.files, 'hash of every file in the data folder').toEqual(before.files);
}

/** The shape of a person-facing error line: no stack trace, no raw control characters, bounded. */
export function expectCleanMessage(text: string, maxChars = 600): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/); // a stack trace
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x9b]/); // raw control/escape characters
  expect(text.length).toBeLessThanOrEqual(maxChars);
}
