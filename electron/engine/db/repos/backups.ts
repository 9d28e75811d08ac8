/** The backups table: every backup taken, its verification, and which ones rotation removed. */
import type { Db } from '../connection';

export type BackupKind = 'manual' | 'hourly' | 'daily' | 'pre-restore' | 'pre-migration';

export interface BackupRow {
  id: number;
  path: string;
  kind: BackupKind;
  createdAt: string;
  sizeBytes: number;
  schemaVersion: number;
  integrity: string;
  deletedAt: string | null;
}

interface RawBackup {
  id: number;
  path: string;
  kind: BackupKind;
  created_at: string;
  size_bytes: number;
  schema_version: number;
  integrity: string;
  deleted_at: string | null;
}

const toBackup = (r: RawBackup): BackupRow => ({
  id: r.id,
  path: r.path,
  kind: r.kind,
  createdAt: r.created_at,
  sizeBytes: r.size_bytes,
  schemaVersion: r.schema_version,
  integrity: r.integrity,
  deletedAt: r.deleted_at,
});

export class BackupsRepo {
  constructor(private readonly db: Db) {}

  add(b: Omit<BackupRow, 'id' | 'deletedAt'>): BackupRow {
    const info = this.db
      .prepare(
        `INSERT INTO backups (path, kind, created_at, size_bytes, schema_version, integrity)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(b.path, b.kind, b.createdAt, b.sizeBytes, b.schemaVersion, b.integrity);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  byId(id: number): BackupRow | undefined {
    const r = this.db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as RawBackup | undefined;
    return r && toBackup(r);
  }

  /** Backups still on disk, newest first. */
  list(includeDeleted = false): BackupRow[] {
    const where = includeDeleted ? '' : 'WHERE deleted_at IS NULL';
    return (
      this.db.prepare(`SELECT * FROM backups ${where} ORDER BY created_at DESC, id DESC`).all() as RawBackup[]
    ).map(toBackup);
  }

  latest(kind: BackupKind): BackupRow | undefined {
    const r = this.db
      .prepare(
        'SELECT * FROM backups WHERE kind = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1',
      )
      .get(kind) as RawBackup | undefined;
    return r && toBackup(r);
  }

  /** The newest `keep` backups of a kind are kept; the rest are returned for removal. */
  beyond(kind: BackupKind, keep: number): BackupRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM backups WHERE kind = ? AND deleted_at IS NULL
           ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?`,
        )
        .all(kind, keep) as RawBackup[]
    ).map(toBackup);
  }

  markDeleted(id: number, now: string): void {
    this.db.prepare('UPDATE backups SET deleted_at = ? WHERE id = ?').run(now, id);
  }
}
