/**
 * Every write to a path a person names goes through files/safeWrite.ts: the four ways issue 11 found
 * to destroy the database or the secret file, an existing file only with --force (replaced
 * atomically), a symbolic link leading to the database, a failure half-way that leaves no trace, and
 * owner-only permissions on everything that holds subscriber data.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { tableCounts } from '../../helpers/hostile';
import { Engine } from '../../../electron/engine/engine';
import { prepareWrite, writeTarget } from '../../../electron/engine/files/safeWrite';

const root = join(import.meta.dirname, '..', '..', '..');

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const mode = (p: string) => statSync(p).mode & 0o777;

/** A data folder with a list (one rejected row), an incident, a backup and a secret file. */
async function installation(rows = 2) {
  const dir = tempDir();
  const db = join(dir, 'understudy.sqlite');
  const csv = join(dir, 'people.csv');
  const lines = ['Email Address,First Name'];
  for (let i = 0; i < rows; i++) lines.push(`person${i}@example.com,Person ${i}`);
  lines.push('not-an-address,Broken');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const imp = await cli(['import', csv, '--list', 'Customers', '--db', db]);
  expect(imp.code, imp.stderr).toBe(0);
  const e = Engine.open({ dbPath: db });
  e.repos.incidents.open(null, 'ESP down', e.now());
  await e.close();
  const secrets = join(dir, 'secrets.enc');
  writeFileSync(secrets, '{"format":"understudy-secrets","stand-in":"ciphertext"}', { mode: 0o600 });
  const backup = await cli(['backup', '--db', db, '--json']);
  expect(backup.code, backup.stderr).toBe(0);
  const backupPath = (backup.json() as { path: string }).path;
  return { dir, db, csv, secrets, backupPath };
}

describe('output paths never destroy the database or the secret file (issue 11, §1)', () => {
  it.each([
    ['export --out <the database>', (i: Inst) => ['export', '--list', 'Customers', '--out', i.db], 'db'],
    ['report ID --out <the database>', (i: Inst) => ['report', '1', '--out', i.db], 'db'],
    [
      'import … --reject-report <the database>',
      (i: Inst) => ['import', i.csv, '--list', 'Customers', '--reject-report', i.db],
      'db',
    ],
    [
      'export --out …/secrets.enc',
      (i: Inst) => ['export', '--list', 'Customers', '--out', i.secrets],
      'secrets',
    ],
    [
      'export --out <the database> --force',
      (i: Inst) => ['export', '--list', 'Customers', '--out', i.db, '--force'],
      'db',
    ],
    ['backup --out <the database> --force', (i: Inst) => ['backup', '--out', i.db, '--force'], 'db'],
    [
      'export --out <a backup> --force',
      (i: Inst) => ['export', '--list', 'Customers', '--out', i.backupPath, '--force'],
      'backup',
    ],
  ] as const)('%s exits 1 and leaves the file byte-identical', async (_name, args, which) => {
    const i = await installation();
    const file = which === 'db' ? i.db : which === 'secrets' ? i.secrets : i.backupPath;
    const before = sha(file);
    const counts = tableCounts(i.db);
    const r = await cli([...args(i), '--db', i.db]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/would destroy it\. Nothing was written; .* is untouched\. Choose a file name/);
    expect(sha(file)).toBe(before);
    expect(tableCounts(i.db)).toEqual(counts);
    expect(readdirSync(i.dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    // The database still opens and holds the list.
    const lists = await cli(['lists', '--db', i.db, '--json']);
    expect(lists.json()).toMatchObject({ lists: [{ name: 'Customers', total: 2 }] });
  });

  it('refuses a symbolic link that leads to the database, even with --force', async () => {
    const i = await installation();
    const link = join(i.dir, 'looks-harmless.csv');
    symlinkSync(i.db, link);
    const linkedDir = join(i.dir, 'elsewhere');
    symlinkSync(i.dir, linkedDir);
    const before = sha(i.db);
    for (const out of [
      link,
      join(linkedDir, 'understudy.sqlite'),
      join(linkedDir, 'understudy.sqlite-wal'),
    ]) {
      const r = await cli(['export', '--list', 'Customers', '--out', out, '--force', '--db', i.db]);
      expect(r.code, out).toBe(1);
      expect(r.stderr).toMatch(/it leads to .*understudy\.sqlite.* Understudy database/);
    }
    // A dangling link to where the write-ahead log will be is refused too.
    const dangling = join(i.dir, 'wal.csv');
    symlinkSync(`${i.db}-wal`, dangling);
    const r = await cli(['export', '--list', 'Customers', '--out', dangling, '--db', i.db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/write-ahead log/);
    expect(existsSync(`${i.db}-wal`)).toBe(false);
    expect(sha(i.db)).toBe(before);
  });

  it('refuses an existing file without --force; with --force replaces it atomically', async () => {
    const i = await installation();
    const out = join(i.dir, 'mine.csv');
    writeFileSync(out, 'my own notes\n');
    const refused = await cli(['export', '--list', 'Customers', '--out', out, '--db', i.db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/A file already exists at .*mine\.csv\. It was not overwritten.*--force/);
    expect(readFileSync(out, 'utf8')).toBe('my own notes\n');

    const forced = await cli(['export', '--list', 'Customers', '--out', out, '--force', '--db', i.db]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('person1@example.com');
    expect(mode(out)).toBe(0o600);
    expect(readdirSync(i.dir).filter((n) => n.includes('.partial'))).toEqual([]);

    // The same for a report and a reject report.
    const rep = join(i.dir, 'report.html');
    writeFileSync(rep, 'old');
    expect((await cli(['report', '1', '--out', rep, '--db', i.db])).code).toBe(1);
    expect(readFileSync(rep, 'utf8')).toBe('old');
    expect((await cli(['report', '1', '--out', rep, '--force', '--db', i.db])).code).toBe(0);
    expect(readFileSync(rep, 'utf8')).toContain('<html');
    const rej = join(i.dir, 'rejects.csv');
    writeFileSync(rej, 'old');
    const imp = ['import', i.csv, '--list', 'Other', '--reject-report', rej, '--db', i.db];
    const noForce = await cli(imp);
    expect(noForce.code).toBe(1);
    expect(readFileSync(rej, 'utf8')).toBe('old');
    expect((await cli(['lists', '--db', i.db, '--json'])).json()).toMatchObject({
      lists: [{ name: 'Customers' }],
    });
    expect((await cli([...imp, '--force'])).code).toBe(0);
    expect(readFileSync(rej, 'utf8')).toContain('not-an-address');
  });

  it('a file that appears at the target while writing is kept, and no temporary file is left', () => {
    const dir = tempDir();
    const out = join(dir, 'race.csv');
    const t = prepareWrite(out, { protect: [], what: 'the export' });
    writeFileSync(out, 'written by someone else meanwhile');
    expect(() => writeTarget(t, 'ours', 'the export')).toThrow(
      /A file (already exists|appeared) at .*race\.csv/,
    );
    expect(readFileSync(out, 'utf8')).toBe('written by someone else meanwhile');
    expect(readdirSync(dir)).toEqual(['race.csv']);
  });

  it('a write that fails half-way (file size limit) leaves the old file intact and no temporary file', async () => {
    const i = await installation(3000);
    const out = join(i.dir, 'big.csv');
    writeFileSync(out, 'the previous export\n');
    // RLIMIT_FSIZE: any write beyond 64 KiB fails with EFBIG (Node ignores SIGXFSZ), so the export
    // of 3000 rows fails part-way through, after its temporary file has been created and written.
    const r = spawnSync(
      'bash',
      [
        '-c',
        'ulimit -f 64; exec "$0" "$@"',
        process.execPath,
        join(root, 'bin', 'understudy.mjs'),
        'export',
        '--list',
        'Customers',
        '--out',
        out,
        '--force',
        '--db',
        i.db,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Could not write the export to .*big\.csv: the file grew larger/);
    expect(readFileSync(out, 'utf8')).toBe('the previous export\n');
    expect(readdirSync(i.dir).filter((n) => n.includes('.partial'))).toEqual([]);
  });
});

describe('files holding subscriber data or secrets are owner-only (issue 11, §3)', () => {
  it('database, -wal/-shm, exports, reports, reject reports, backups: 0600; folders: 0700', async () => {
    const base = tempDir();
    const dir = join(base, 'data'); // created by Understudy
    const db = join(dir, 'understudy.sqlite');
    const csv = join(base, 'people.csv');
    writeFileSync(csv, 'Email Address\nann@example.com\nbroken\n');
    expect((await cli(['import', csv, '--list', 'Customers', '--db', db])).code).toBe(0);
    expect(mode(dir)).toBe(0o700);
    expect(mode(db)).toBe(0o600);
    expect(mode(join(dir, 'rejects'))).toBe(0o700);
    const [rejects] = readdirSync(join(dir, 'rejects'));
    expect(mode(join(dir, 'rejects', rejects!))).toBe(0o600);

    const e = Engine.open({ dbPath: db });
    try {
      e.repos.incidents.open(null, 'ESP down', e.now());
      expect(mode(`${db}-wal`)).toBe(0o600);
      expect(mode(`${db}-shm`)).toBe(0o600);
    } finally {
      await e.close();
    }

    const exp = join(base, 'out', 'export.csv');
    expect((await cli(['export', '--list', 'Customers', '--out', exp, '--db', db])).code).toBe(0);
    expect(mode(exp)).toBe(0o600);
    expect(mode(join(base, 'out'))).toBe(0o700);
    const rep = join(base, 'report.html');
    expect((await cli(['report', '1', '--out', rep, '--db', db])).code).toBe(0);
    expect(mode(rep)).toBe(0o600);
    const rej = join(base, 'rej.csv');
    expect((await cli(['import', csv, '--list', 'Customers', '--reject-report', rej, '--db', db])).code).toBe(
      0,
    );
    expect(mode(rej)).toBe(0o600);

    const b = await cli(['backup', '--db', db, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const { path, listsDir } = b.json() as { path: string; listsDir: string };
    expect(mode(join(dir, 'backups'))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(listsDir)).toBe(0o700);
    expect(mode(join(listsDir, 'Customers.csv'))).toBe(0o600);

    const restored = await cli(['restore', path, '--yes', '--db', db, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(mode(db)).toBe(0o600);
    expect(mode((restored.json() as { preRestore: string }).preRestore)).toBe(0o600);
  });

  it('a database left readable by others (an older version, a copy) is tightened when opened', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    expect((await cli(['settings', 'set', 'company_name', 'Shop', '--db', db])).code).toBe(0);
    chmodSync(db, 0o644);
    expect((await cli(['lists', '--db', db])).code).toBe(0);
    expect(mode(db)).toBe(0o600);
  });

  it('does not change the permissions of a folder that already existed', async () => {
    const dir = tempDir();
    const shared = join(dir, 'Desktop');
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    const db = join(dir, 'understudy.sqlite');
    writeFileSync(join(dir, 'p.csv'), 'Email Address\nann@example.com\n');
    expect((await cli(['import', join(dir, 'p.csv'), '--list', 'L', '--db', db])).code).toBe(0);
    const out = join(shared, 'l.csv');
    expect((await cli(['export', '--list', 'L', '--out', out, '--db', db])).code).toBe(0);
    expect(mode(shared)).toBe(0o755);
    expect(mode(out)).toBe(0o600);
  });
});

type Inst = Awaited<ReturnType<typeof installation>>;
