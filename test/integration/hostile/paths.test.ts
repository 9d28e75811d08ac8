/**
 * Hostile output paths: every way a person (or a script) can point an output of the CLI at the
 * database, its side files, the secret file, a backup or something that is not a file. Each case
 * must exit 1 with a clear line, and leave the data folder (every file's hash) and the database
 * (every table's row count, and its bytes) exactly as they were. See files/safeWrite.ts.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { Engine } from '../../../electron/engine/engine';

interface Inst {
  dir: string;
  db: string;
  csv: string;
  secrets: string;
  backup: string;
  listsDir: string;
  /** A folder outside the data folder, for links (the harness hashes the data folder's files). */
  outside: string;
}

/** A data folder with a list, a rejected row's worth of CSV, an incident, a backup and a secret file. */
async function installation(): Promise<Inst> {
  const dir = tempDir();
  const db = join(dir, 'understudy.sqlite');
  const csv = join(dir, 'people.csv');
  writeFileSync(csv, 'Email Address,First Name\nann@example.com,Ann\nbob@example.com,Bob\nbroken,X\n');
  const imp = await cli(['import', csv, '--list', 'Customers', '--db', db]);
  expect(imp.code, imp.stderr).toBe(0);
  const e = Engine.open({ dbPath: db });
  e.repos.incidents.open(null, 'ESP down', e.now());
  await e.close();
  const secrets = join(dir, 'secrets.enc');
  writeFileSync(secrets, '{"format":"understudy-secrets","stand-in":"ciphertext"}', { mode: 0o600 });
  const b = await cli(['backup', '--db', db, '--json']);
  expect(b.code, b.stderr).toBe(0);
  const { path, listsDir } = b.json() as { path: string; listsDir: string };
  return { dir, db, csv, secrets, backup: path, listsDir, outside: tempDir() };
}

interface Case {
  name: string;
  args: (i: Inst) => string[];
  /** Files the case needs in place before the snapshot (links, a file of the person's own, …). */
  prepare?: (i: Inst) => void;
  words: RegExp;
  /** With --json: the error document's code. */
  code?: string;
}

const exportTo = (out: string, ...more: string[]) => ['export', '--list', 'Customers', '--out', out, ...more];
const PROTECTED = /would destroy it\. Nothing was written; .* is untouched\./;

const cases: Case[] = [
  { name: 'export --out the database', args: (i) => exportTo(i.db), words: PROTECTED },
  {
    name: 'export --out the database, --json',
    args: (i) => [...exportTo(i.db), '--json'],
    words: /"code": "output_protected"/,
    code: 'output_protected',
  },
  {
    name: 'export --out the database --force',
    args: (i) => exportTo(i.db, '--force'),
    words: /is the Understudy database: writing the export there would destroy it/,
  },
  {
    name: 'export --out the write-ahead log',
    args: (i) => exportTo(`${i.db}-wal`, '--force'),
    words: /write-ahead log: writing the export there would destroy it/,
  },
  {
    name: 'export --out the shared-memory file',
    args: (i) => exportTo(`${i.db}-shm`),
    words: /shared-memory file/,
  },
  { name: 'export --out the rollback journal', args: (i) => exportTo(`${i.db}-journal`), words: /journal/ },
  {
    name: 'export --out secrets.enc',
    args: (i) => exportTo(i.secrets, '--force'),
    words: /is the secret file \(your saved passwords\)/,
  },
  {
    name: "export --out the secret file's lock",
    args: (i) => exportTo(`${i.secrets}.lock`),
    words: /the secret file's lock/,
  },
  {
    name: "export --out the desktop app's safeStorage file",
    args: (i) => exportTo(join(i.dir, 'secrets.safe.json')),
    words: /the secret file/,
  },
  {
    name: 'export --out the pending-restore note',
    args: (i) => exportTo(`${i.db}.restore-pending.json`),
    words: /a restore waiting for the next start/,
  },
  {
    name: 'export --out the database by a path with ..',
    args: (i) => exportTo(join(i.dir, 'rejects', '..', 'understudy.sqlite')),
    words: /Understudy database/,
  },
  {
    name: 'export --out a path with terminal escapes that leads to the database',
    args: (i) => exportTo(`${i.dir}/\x1b[31mred\x07/../understudy.sqlite`),
    words: /Understudy database/,
  },
  {
    name: 'export --out a symbolic link to the database --force',
    prepare: (i) => symlinkSync(i.db, join(i.dir, 'harmless.csv')),
    args: (i) => exportTo(join(i.dir, 'harmless.csv'), '--force'),
    words: /harmless\.csv \(it leads to .*understudy\.sqlite\) is the Understudy database/,
  },
  {
    name: 'export --out the database through a linked folder',
    prepare: (i) => symlinkSync(i.dir, join(i.outside, 'shortcut')),
    args: (i) => exportTo(join(i.outside, 'shortcut', 'understudy.sqlite'), '--force'),
    words: /Understudy database/,
  },
  {
    name: 'export --out a dangling link to where the write-ahead log goes',
    prepare: (i) => symlinkSync(`${i.db}-wal`, join(i.outside, 'later.csv')),
    args: (i) => exportTo(join(i.outside, 'later.csv')),
    words: /write-ahead log/,
  },
  {
    name: 'export --out a hard link to the database --force',
    prepare: (i) => linkSync(i.db, join(i.dir, 'hard.csv')),
    args: (i) => exportTo(join(i.dir, 'hard.csv'), '--force'),
    words: /hard\.csv .*is the Understudy database/,
  },
  {
    name: 'export --out a backup --force',
    args: (i) => exportTo(i.backup, '--force'),
    words: /is a backup of your data: writing the export there would destroy it/,
  },
  {
    name: 'export --out a file already in the backups folder --force',
    prepare: (i) => writeFileSync(join(i.dir, 'backups', 'README.txt'), 'kept with the backups\n'),
    args: (i) => exportTo(join(i.dir, 'backups', 'README.txt'), '--force'),
    words: /is a file in the backups folder, where Understudy never replaces anything/,
  },
  {
    name: "export --out a backup's list export --force",
    args: (i) => exportTo(join(i.listsDir, 'Customers.csv'), '--force'),
    words: /is inside the list exports of a backup, which Understudy keeps for itself/,
  },
  {
    name: 'export --out the backups folder itself',
    args: (i) => exportTo(join(i.dir, 'backups')),
    words: /is the backups folder/,
  },
  { name: 'report --out the database', args: (i) => ['report', '1', '--out', i.db], words: PROTECTED },
  {
    name: 'report --out secrets.enc --force',
    args: (i) => ['report', '1', '--out', i.secrets, '--force'],
    words: /writing the report there would destroy it/,
  },
  {
    name: 'report --out a backup, --json',
    args: (i) => ['report', '1', '--out', i.backup, '--force', '--json'],
    words: /output_protected/,
    code: 'output_protected',
  },
  { name: 'runbook --out the database', args: (i) => ['runbook', '--out', i.db], words: PROTECTED },
  {
    name: 'runbook --out secrets.enc --force',
    args: (i) => ['runbook', '--out', i.secrets, '--force'],
    words: /writing the runbook there would destroy it/,
  },
  {
    name: 'runbook --out a backup, --json',
    args: (i) => ['runbook', '--out', i.backup, '--force', '--json'],
    words: /output_protected/,
    code: 'output_protected',
  },
  {
    name: 'import --reject-report the database',
    args: (i) => ['import', i.csv, '--list', 'Customers', '--reject-report', i.db],
    words: /writing the reject report there would destroy it/,
  },
  {
    name: 'import --reject-report secrets.enc --force',
    args: (i) => ['import', i.csv, '--list', 'Customers', '--reject-report', i.secrets, '--force'],
    words: /secret file/,
  },
  {
    name: 'import --reject-report the file being imported --force',
    args: (i) => ['import', i.csv, '--list', 'Customers', '--reject-report', i.csv, '--force'],
    words: /is the file being imported/,
  },
  {
    name: 'import --reject-report an existing file without --force',
    prepare: (i) => writeFileSync(join(i.dir, 'notes.csv'), 'mine\n'),
    args: (i) => ['import', i.csv, '--list', 'Customers', '--reject-report', join(i.dir, 'notes.csv')],
    words: /A file already exists at .*notes\.csv\. It was not overwritten.*--force/,
  },
  {
    name: 'backup --out the database --force',
    args: (i) => ['backup', '--out', i.db, '--force'],
    words: /writing the backup there would destroy it/,
  },
  {
    name: 'backup --out an existing backup --force',
    args: (i) => ['backup', '--out', i.backup, '--force'],
    words: /is a backup of your data/,
  },
  {
    name: 'backup --out secrets.enc',
    args: (i) => ['backup', '--out', i.secrets],
    words: /secret file/,
  },
  {
    name: 'export --out an existing file of the person, no --force',
    prepare: (i) => writeFileSync(join(i.dir, 'mine.csv'), 'my own notes\n'),
    args: (i) => exportTo(join(i.dir, 'mine.csv')),
    words: /A file already exists .* It was not overwritten; nothing was written\. .*--force/,
  },
  {
    name: 'export --out a folder',
    prepare: (i) => mkdirSync(join(i.dir, 'folder')),
    args: (i) => exportTo(join(i.dir, 'folder'), '--force'),
    words: /is a folder, not a file.*Give a file name inside it/,
  },
  {
    name: 'export --out a device (/dev/null) --force',
    args: () => exportTo('/dev/null', '--force'),
    words: /is not a regular file/,
  },
  {
    name: 'export --out below a file (people.csv/out.csv)',
    args: (i) => exportTo(join(i.csv, 'out.csv')),
    words: /Could not write the export .*a part of the path is a file, not a folder/,
  },
  {
    name: 'export --out a name too long for the disk',
    args: (i) => exportTo(join(i.dir, `${'x'.repeat(300)}.csv`)),
    words: /Could not write the export .*the name is too long/,
  },
];

describe('hostile output paths (CLI)', () => {
  it.each(cases)('$name', async (c) => {
    const i = await installation();
    c.prepare?.(i);
    const dbBytes = createHash('sha256').update(readFileSync(i.db)).digest('hex');
    const before = snapshot(i.dir, i.db);
    const r = await cli([...c.args(i), '--db', i.db]);
    expect(r.code, r.stderr).toBe(1);
    const message = c.code ? r.stdout : r.stderr;
    expect(message).toMatch(c.words);
    expectCleanMessage(message, 1000);
    if (c.code) expect(r.json()).toMatchObject({ error: { kind: 'user', code: c.code } });
    expectUnchanged(before, snapshot(i.dir, i.db));
    expect(createHash('sha256').update(readFileSync(i.db)).digest('hex'), 'database bytes').toBe(dbBytes);
  });
});
