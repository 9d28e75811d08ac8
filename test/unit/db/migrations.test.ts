import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations, LATEST_VERSION } from '../../../electron/engine/db/migrations';
import { migrate, openDatabase, runCheck, schemaVersion } from '../../../electron/engine/db/connection';
import { UnderstudyError } from '../../../electron/engine/errors';
import { tempDir } from '../../helpers/tmp';

describe('migrations', () => {
  it('have strictly increasing versions, the last being the latest', () => {
    migrations.forEach((m, i) => expect(m.version).toBeGreaterThan(i === 0 ? 0 : migrations[i - 1]!.version));
    expect(LATEST_VERSION).toBe(migrations[migrations.length - 1]!.version);
  });

  // Each step applied on :memory: on top of the previous ones, checked for a clean schema after it.
  for (const m of migrations) {
    it(`step ${m.version} (${m.name}) applies on :memory: and leaves a consistent schema`, () => {
      const db = new Database(':memory:');
      db.pragma('foreign_keys = ON');
      for (const prev of migrations.filter((p) => p.version <= m.version)) {
        if (typeof prev.up === 'string') db.exec(prev.up);
        else prev.up(db);
      }
      expect(runCheck(db, 'integrity_check')).toEqual([]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.close();
    });
  }

  it('brings a new database to the latest version and sets the pragmas', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, 'a.sqlite'));
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const strict = db
      .prepare(
        `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND strict = 0 AND name NOT LIKE 'sqlite_%'`,
      )
      .all();
    expect(strict).toEqual([]);
    db.close();
  });

  it('gives each database an installation id of its own, kept when it is opened again', () => {
    const dir = tempDir();
    const a = openDatabase(join(dir, 'a.sqlite'));
    const b = openDatabase(join(dir, 'b.sqlite'));
    const idOf = (db: Database.Database) =>
      (db.prepare(`SELECT value FROM meta WHERE key = 'installation_id'`).get() as { value: string }).value;
    const first = idOf(a);
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    expect(idOf(b)).not.toBe(first);
    a.close();
    b.close();
    const again = openDatabase(join(dir, 'a.sqlite'));
    expect(idOf(again)).toBe(first);
    again.close();
  });

  it('is idempotent: opening again runs nothing', () => {
    const dir = tempDir();
    const path = join(dir, 'a.sqlite');
    openDatabase(path).close();
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    db.close();
  });

  it('refuses a database written by a newer Understudy, without changing it', () => {
    const dir = tempDir();
    const path = join(dir, 'new.sqlite');
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    const before = readFileSync(path);
    let err: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnderstudyError);
    expect((err as UnderstudyError).code).toBe('db_too_new');
    expect((err as UnderstudyError).message).toMatch(/newer Understudy/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('rolls back a failing migration completely', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE lists (x)'); // collides with step 1
    expect(() => migrate(db)).toThrow(/rolled back|Upgrading/);
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'subscribers'`).get()).toEqual({
      n: 0,
    });
  });

  it('reports a damaged file with a pointer to restoring a backup, never a stack trace', () => {
    const dir = tempDir();
    const path = join(dir, 'bad.sqlite');
    const db = openDatabase(path);
    db.exec(`INSERT INTO lists (name, created_at, updated_at) VALUES ('x', 'a', 'a')`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(path);
    // Overwrite everything after the first page (the schema) with garbage.
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    writeFileSync(path, bytes);
    let err: unknown;
    try {
      openDatabase(path, { forceCheck: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnderstudyError);
    expect((err as UnderstudyError).code).toBe('db_damaged');
    expect((err as UnderstudyError).toLine()).toMatch(/understudy restore/);
  });

  it('reports a file that is not a database at all', () => {
    const dir = tempDir();
    const path = join(dir, 'text.sqlite');
    writeFileSync(path, 'this is not sqlite '.repeat(500));
    expect(() => openDatabase(path)).toThrow(/damaged or is not an Understudy database/);
  });
});
