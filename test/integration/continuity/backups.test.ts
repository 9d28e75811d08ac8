/**
 * Backups against real SQLite files: a backup taken while another process writes in a loop restores
 * to a consistent database; rotation keeps 24 hourly and 7 daily; restore refuses what it must.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import {
  backupIfDue,
  listsDirOf,
  restoreBackup,
  takeBackup,
  inspectBackup,
  BACKUP_SETTINGS_KEY,
} from '../../../electron/engine/continuity/backups';
import { LATEST_VERSION } from '../../../electron/engine/db/migrations';
import { tempDir } from '../../helpers/tmp';

const T0 = Date.parse('2026-11-23T06:00:00.000Z');

function seed(engine: Engine, n: number): { listId: number; campaignId: number } {
  const now = engine.now();
  const list = engine.repos.lists.create({ name: 'Customers', now });
  const insert = engine.db.prepare(
    `INSERT INTO subscribers (list_id, email, email_norm, status, source, created_at, updated_at)
     VALUES (?, ?, ?, 'subscribed', 'seed', ?, ?)`,
  );
  engine.db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(list.id, `p${i}@example.com`, `p${i}@example.com`, now, now);
  })();
  const c = engine.db
    .prepare(
      `INSERT INTO campaigns (list_id, subject, from_email, status, created_at, updated_at)
       VALUES (?, 'Hello', 'shop@example.com', 'sending', ?, ?)`,
    )
    .run(list.id, now, now);
  return { listId: list.id, campaignId: Number(c.lastInsertRowid) };
}

/** A second process that, in each transaction, adds a subscriber, its delivery and an event. */
function startWriter(dbPath: string, listId: number, campaignId: number) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    const now = new Date().toISOString();
    const sub = db.prepare("INSERT INTO subscribers (list_id, email, email_norm, status, source, created_at, updated_at) VALUES (?, ?, ?, 'subscribed', 'writer', ?, ?)");
    const del = db.prepare("INSERT INTO deliveries (campaign_id, subscriber_id, email, state, message_id, sent_at, updated_at) VALUES (?, ?, ?, 'sent', ?, ?, ?)");
    const ev = db.prepare("INSERT INTO events (at, type, message, data) VALUES (?, 'writer.tick', 'tick', json_object('s', ?))");
    const tx = db.transaction((i) => {
      const e = 'w' + i + '@example.com';
      const s = sub.run(${listId}, e, e, now, now).lastInsertRowid;
      del.run(${campaignId}, s, e, '<' + i + '@t>', now, now);
      ev.run(now, Number(s));
    });
    let i = 0;
    let stop = false;
    process.on('SIGTERM', () => { stop = true; });
    (function loop() {
      for (let k = 0; k < 20 && !stop; k++) tx(i++);
      if (stop) { db.close(); process.stdout.write('done ' + i + '\\n'); process.exit(0); }
      setImmediate(loop);
    })();
  `;
  const child = spawn(process.execPath, ['-e', script, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((resolve) => child.on('exit', () => resolve(out)));
  return { stop: () => (child.kill('SIGTERM'), exited) };
}

function count(db: Database.Database, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('backups', () => {
  it('a backup taken under write load from another process restores to a consistent database', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'understudy.sqlite');
    let engine = Engine.open({ dbPath });
    const { listId, campaignId } = seed(engine, 20_000);
    const writer = startWriter(dbPath, listId, campaignId);
    const writerRows = () =>
      count(engine.db, `SELECT count(*) AS n FROM subscribers WHERE source = 'writer'`);
    await until(() => writerRows() >= 200, 'the writer to start');

    const backup = await takeBackup(engine, { kind: 'manual' });
    const afterBackup = writerRows();
    await until(() => writerRows() > afterBackup + 100, 'the writer to keep writing after the backup');
    const written = await writer.stop();
    expect(written).toMatch(/^done \d+/);

    expect(backup.integrity).toBe('ok');
    expect(existsSync(backup.path)).toBe(true);
    expect(readdirSync(listsDirOf(backup.path))).toEqual(['Customers.csv']);

    const restored = await restoreBackup(engine, backup.path);
    engine = restored.engine;
    const db = engine.db;
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const subs = count(db, `SELECT count(*) AS n FROM subscribers WHERE source = 'writer'`);
    const dels = count(db, `SELECT count(*) AS n FROM deliveries`);
    const ticks = count(db, `SELECT count(*) AS n FROM events WHERE type = 'writer.tick'`);
    // One consistent snapshot: every writer transaction is in it whole, or not at all.
    expect(subs).toBeGreaterThan(0);
    expect(dels).toBe(subs);
    expect(ticks).toBe(subs);
    // ... and it is the state at the backup, not the state after it.
    expect(subs).toBeLessThan(Number(written.split(' ')[1]));
    expect(count(db, `SELECT count(*) AS n FROM subscribers WHERE source = 'seed'`)).toBe(20_000);
    // The pre-restore backup is kept and known to the restored database.
    expect(existsSync(restored.preRestore.path)).toBe(true);
    expect(
      engine.repos.backups
        .list()
        .map((b) => b.kind)
        .sort(),
    ).toEqual(['manual', 'pre-restore']);
    const pre = new Database(restored.preRestore.path, { readonly: true });
    expect(count(pre, `SELECT count(*) AS n FROM subscribers WHERE source = 'writer'`)).toBe(
      Number(written.split(' ')[1]),
    );
    pre.close();
    // The CSV export beside the backup has every subscriber of the list at the time of the backup.
    const csv = readFileSync(join(listsDirOf(backup.path), 'Customers.csv'), 'utf8');
    expect(csv.trim().split('\r\n').length - 1).toBeGreaterThanOrEqual(20_000);
    await engine.close();
  });

  it('rotates scheduled backups: 24 hourly and 7 daily', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const engine = Engine.open({ dbPath: join(dir, 'u.sqlite'), clock });
    engine.repos.settings.set(BACKUP_SETTINGS_KEY, { exportLists: false }, engine.now());
    let taken = 0;
    for (let h = 0; h < 24 * 9; h++) {
      const b = await backupIfDue(engine);
      if (b) taken++;
      expect(await backupIfDue(engine)).toBeUndefined(); // not due twice in the same hour
      clock.advance(3_600_000);
    }
    expect(taken).toBe(24 * 9);
    const kept = engine.repos.backups.list();
    expect(kept.filter((b) => b.kind === 'hourly')).toHaveLength(24);
    expect(kept.filter((b) => b.kind === 'daily')).toHaveLength(7);
    for (const b of kept) expect(existsSync(b.path)).toBe(true);
    const gone = engine.repos.backups.list(true).filter((b) => b.deletedAt);
    expect(gone.length).toBe(24 * 9 - 31);
    for (const b of gone) expect(existsSync(b.path)).toBe(false);
    await engine.close();
  });

  it('refuses a backup from a newer schema and a damaged file, leaving the database untouched', async () => {
    const dir = tempDir();
    const engine = Engine.open({ dbPath: join(dir, 'u.sqlite') });
    seed(engine, 10);
    const b = await takeBackup(engine, { out: join(dir, 'b.sqlite') });
    const raw = new Database(b.path);
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    await expect(restoreBackup(engine, b.path)).rejects.toMatchObject({ code: 'db_too_new' });
    expect(() => inspectBackup(join(dir, 'nope.sqlite'))).toThrow(/no backup/);
    await expect(takeBackup(engine, { out: b.path })).rejects.toMatchObject({ code: 'output_protected' });
    // Still open, still the same data.
    expect(count(engine.db, 'SELECT count(*) AS n FROM subscribers')).toBe(10);
    await engine.close();
  });
});
