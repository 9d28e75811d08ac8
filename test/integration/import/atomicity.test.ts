import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/tmp';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { openDatabase, runCheck } from '../../../electron/engine/db/connection';
import { generateMailchimpExport } from '../../../bench/genMailchimp';

const root = join(import.meta.dirname, '..', '..', '..');

/** Runs the import child and kill -9s it when `when(line)` says so; resolves with the lines seen. */
function importAndKill(
  dbPath: string,
  file: string,
  when: (line: string) => boolean,
): Promise<{ killed: boolean; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'run-ts.mjs'), join(root, 'test', 'helpers', 'importChild.ts'), dbPath, file, 'Big'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines: string[] = [];
    let killed = false;
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (!killed && when(l)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ killed, lines }));
  });
}

function listCount(dbPath: string): number | undefined {
  const db = openDatabase(dbPath, { forceCheck: true });
  try {
    expect(runCheck(db, 'integrity_check')).toEqual([]);
    const r = db
      .prepare(
        `SELECT count(s.id) AS n FROM lists l LEFT JOIN subscribers s ON s.list_id = l.id WHERE l.name = 'Big'`,
      )
      .get() as { n: number } | undefined;
    const hasList = db.prepare(`SELECT 1 FROM lists WHERE name = 'Big'`).get();
    return hasList ? r!.n : undefined;
  } finally {
    db.close();
  }
}

describe('import atomicity', () => {
  it('a cancel half-way leaves the list exactly as it was and no reject report behind', async () => {
    const { engine, dir } = testEngine();
    const base = join(dir, 'base.csv');
    writeFileSync(base, 'Email,First Name\nkeep@example.com,Keep\n');
    await importFile(engine, { file: base, list: 'L' });
    const big = join(dir, 'big.csv');
    await generateMailchimpExport(big, 30_000, { badShare: 0.02 });
    const ac = new AbortController();
    let batches = 0;
    const err = await importFile(
      engine,
      { file: big, list: 'L', rejectReport: join(dir, 'r.csv') },
      { signal: ac.signal, worker: true, batchSize: 1000, afterBatch: () => ++batches === 5 && ac.abort() },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled', safe: 'Nothing was imported; the list is unchanged.' });
    const list = engine.repos.lists.byName('L')!;
    expect(engine.repos.lists.countsByStatus(list.id).subscribed).toBe(1);
    expect(existsSync(join(dir, 'r.csv'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    // The same engine imports fine afterwards (the staging area was dropped).
    const r = await importFile(engine, { file: big, list: 'L' });
    expect(r.imported).toBeGreaterThan(29_000);
  });

  it('reports progress with rows, bytes and the total', async () => {
    const { engine, dir } = testEngine();
    const big = join(dir, 'big.csv');
    const gen = await generateMailchimpExport(big, 20_000, { badShare: 0 });
    const seen: { phase: string; rows: number; bytes: number; totalBytes: number }[] = [];
    await importFile(
      engine,
      { file: big, list: 'P' },
      { worker: true, batchSize: 1000, onProgress: (p) => seen.push(p) },
    );
    expect(seen.filter((p) => p.phase === 'reading').length).toBeGreaterThan(5);
    const reading = seen.filter((p) => p.phase === 'reading');
    for (let i = 1; i < reading.length; i++)
      expect(reading[i]!.rows).toBeGreaterThanOrEqual(reading[i - 1]!.rows);
    expect(seen.at(-1)).toMatchObject({
      phase: 'done',
      rows: 20_000,
      bytes: gen.bytes,
      totalBytes: gen.bytes,
    });
    expect(seen.some((p) => p.phase === 'merging')).toBe(true);
  });

  it('kill -9 at any moment — while reading, or during the final merge — leaves the list all or nothing', async () => {
    const dir = tempDir();
    const big = join(dir, 'big.csv');
    await generateMailchimpExport(big, 20_000, { badShare: 0.01, seed: 7 });
    // A reference import to know what "all" is.
    const refDb = join(dir, 'ref.sqlite');
    const ref = await importAndKill(refDb, big, () => false);
    expect(ref.lines.at(-1)).toBe('done');
    const all = listCount(refDb)!;
    expect(all).toBeGreaterThan(19_500);

    const moments: [string, (l: string) => boolean][] = [
      ['after the first batch', (l) => l === 'batch 1'],
      ['half-way through reading', (l) => l === 'batch 40'],
      ['as the merge starts', (l) => l === 'merging'],
    ];
    for (const [name, when] of moments) {
      const dbPath = join(dir, `kill-${name.replace(/\W+/g, '-')}.sqlite`);
      // The database already holds another list, which must survive untouched.
      const e = openDatabase(dbPath);
      e.exec(`INSERT INTO lists (name, created_at, updated_at) VALUES ('Other', 'x', 'x')`);
      e.close();
      const run = await importAndKill(dbPath, big, when);
      expect(run.killed, name).toBe(true);
      const n = listCount(dbPath);
      // Nothing, or everything: never a partial list.
      expect([undefined, all], `${name}: ${n}`).toContain(n);
      // And the database works: the same import run again completes.
      const again = await importAndKill(dbPath, big, () => false);
      expect(again.lines.at(-1)).toBe('done');
      expect(listCount(dbPath)).toBe(all);
    }
  }, 180_000);
});
