/** Database-wide facts: schema version, sizes, integrity checks (for `understudy status`). */
import { statSync, existsSync } from 'node:fs';
import type { Db } from '../connection';
import { runCheck, schemaVersion } from '../connection';

export interface DbStatus {
  path: string;
  schemaVersion: number;
  sizeBytes: number;
  walBytes: number;
  pageSize: number;
  pageCount: number;
  freePages: number;
  journalMode: string;
  tables: Record<string, number>;
  lastCheckAt: string | null;
}

const COUNTED = [
  'lists',
  'subscribers',
  'suppressions',
  'campaigns',
  'deliveries',
  'providers',
  'incidents',
  'events',
  'backups',
];

export class MetaRepo {
  constructor(private readonly db: Db) {}

  /** This database's installation id (migration 5): the scope of the Message-IDs it sends. */
  installationId(): string {
    const id = this.get('installation_id');
    if (!id) throw new Error('This database has no installation id (migration 5 did not run).');
    return id;
  }

  get(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value;
  }

  set(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  status(): DbStatus {
    const path = this.db.name;
    const file = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    const tables: Record<string, number> = {};
    for (const t of COUNTED)
      tables[t] = (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      path,
      schemaVersion: schemaVersion(this.db),
      sizeBytes: path === ':memory:' ? 0 : file(path),
      walBytes: path === ':memory:' ? 0 : file(`${path}-wal`),
      pageSize: this.db.pragma('page_size', { simple: true }) as number,
      pageCount: this.db.pragma('page_count', { simple: true }) as number,
      freePages: this.db.pragma('freelist_count', { simple: true }) as number,
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      tables,
      lastCheckAt: this.get('last_check_at') ?? null,
    };
  }

  /** The full `integrity_check` (slow on big files: on demand only). Returns the problems found. */
  integrityCheck(): string[] {
    const problems = runCheck(this.db, 'integrity_check');
    if (problems.length === 0 && !this.db.readonly) this.set('last_check_at', new Date().toISOString());
    return problems;
  }
}
