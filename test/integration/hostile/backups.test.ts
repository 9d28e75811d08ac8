/**
 * Hostile restores and backup settings (issue 14 §4): a wrong or missing passphrase, a keys file
 * missing, damaged or from another installation, a tampered encrypted copy, and a second backup
 * folder that is the first one, the data folder or a file. Each case exits 1 with a clear line and
 * leaves the data folder (every file's hash) and the database (every table's row count) as they were.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { takeBackup } from '../../../electron/engine/continuity/backups';
import { keysFileOf } from '../../../electron/engine/files/backupSettings';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';

const RIGHT = 'test passphrase'; // engineWithSecrets' passphrase
const WRONG = { UNDERSTUDY_PASSPHRASE: 'not the passphrase at all' };
const NONE = { UNDERSTUDY_PASSPHRASE: '' };

interface Source {
  plain: string;
  encrypted: string;
  /** The keys file of an encrypted backup of another installation (same passphrase). */
  foreignKeys: string;
}

let src: Source;

async function installationBackups(): Promise<{ plain: string; encrypted: string }> {
  const dir = tempDir();
  const { engine, secrets } = await engineWithSecrets(dir);
  await unsubscribeSecret(engine, secrets);
  const plain = await takeBackup(engine, { kind: 'manual', exportLists: false, secrets });
  const encrypted = await takeBackup(engine, {
    kind: 'manual',
    out: join(dir, 'backups', 'understudy-encrypted-manual.sqlite'),
    encrypt: true,
    exportLists: false,
    secrets,
  });
  await engine.close();
  return { plain: plain.path, encrypted: encrypted.path };
}

beforeAll(async () => {
  const a = await installationBackups();
  const b = await installationBackups();
  src = { ...a, foreignKeys: keysFileOf(b.encrypted) };
});

interface Inst {
  /** The new computer's data folder, with its (empty) database. */
  dir: string;
  db: string;
  /** This case's own copies of the backups (a case may damage them). */
  plain: string;
  encrypted: string;
}

async function installation(): Promise<Inst> {
  const dir = tempDir('understudy-new-');
  const db = join(dir, 'understudy.sqlite');
  // Opened once by the CLI, as a machine that has run Understudy (its first start writes metadata).
  const first = await cli(['settings', 'set', 'company_name', 'Shop', '--db', db]);
  expect(first.code, first.stderr).toBe(0);
  expect((await cli(['status', '--check', '--db', db])).code).toBe(0);
  const copies = tempDir('understudy-copies-');
  const copy = (p: string) => {
    for (const f of [p, keysFileOf(p)]) copyFileSync(f, join(copies, basename(f)));
    return join(copies, basename(p));
  };
  return { dir, db, plain: copy(src.plain), encrypted: copy(src.encrypted) };
}

interface Case {
  name: string;
  args: (i: Inst) => string[];
  env?: NodeJS.ProcessEnv;
  prepare?: (i: Inst) => void;
  words: RegExp;
}

const restore = (file: string) => ['restore', file, '--yes'];
const UNTOUCHED = /Nothing was restored/;

const cases: Case[] = [
  {
    name: 'restore with the wrong passphrase',
    args: (i) => restore(i.plain),
    env: WRONG,
    words: /passphrase does not open the saved passwords in this backup[\s\S]*Nothing was restored/,
  },
  {
    name: 'restore an encrypted backup with the wrong passphrase',
    args: (i) => restore(i.encrypted),
    env: WRONG,
    words: /passphrase does not open the saved passwords in this backup/,
  },
  {
    name: 'restore an encrypted backup with no passphrase at all',
    args: (i) => restore(i.encrypted),
    env: NONE,
    words: /encrypted: its passphrase is needed[\s\S]*UNDERSTUDY_PASSPHRASE/,
  },
  {
    name: 'restore an encrypted backup whose keys file is missing',
    args: (i) => restore(i.encrypted),
    env: { UNDERSTUDY_PASSPHRASE: RIGHT },
    prepare: (i) => rmSync(keysFileOf(i.encrypted)),
    words: /keys file beside the encrypted backup is missing[\s\S]*second backup folder/,
  },
  {
    name: 'restore with a damaged keys file',
    args: (i) => restore(i.plain),
    env: { UNDERSTUDY_PASSPHRASE: RIGHT },
    prepare: (i) => writeFileSync(keysFileOf(i.plain), '{"format":"understudy-backup-keys",'),
    words: /keys file beside the backup .* is damaged/,
  },
  {
    name: 'restore an encrypted backup with the keys file of another installation',
    args: (i) => restore(i.encrypted),
    env: { UNDERSTUDY_PASSPHRASE: RIGHT },
    prepare: (i) => copyFileSync(src.foreignKeys, keysFileOf(i.encrypted)),
    words: /cannot be decrypted: it is damaged or not from this setup/,
  },
  {
    name: 'restore an encrypted backup whose bytes were changed',
    args: (i) => restore(i.encrypted),
    env: { UNDERSTUDY_PASSPHRASE: RIGHT },
    prepare: (i) => {
      const buf = readFileSync(i.encrypted);
      buf[buf.length - 10]! ^= 0xff;
      writeFileSync(i.encrypted, buf);
    },
    words: /cannot be decrypted/,
  },
  {
    name: 'restore a keys file as if it were a backup',
    args: (i) => restore(keysFileOf(i.plain)),
    env: { UNDERSTUDY_PASSPHRASE: RIGHT },
    words: /is not a usable Understudy backup/,
  },
  {
    name: 'second backup folder = the backups folder',
    args: (i) => ['policy', '--backup-mirror', join(i.dir, 'backups')],
    words: /must be another place than the backups folder[\s\S]*No setting was changed/,
  },
  {
    name: 'second backup folder inside the backups folder',
    args: (i) => ['policy', '--backup-mirror', join(i.dir, 'backups', 'copies')],
    words: /must be another place than the backups folder/,
  },
  {
    name: 'second backup folder = the data folder',
    args: (i) => ['policy', '--backup-mirror', i.dir],
    words: /must be another place than the data folder/,
  },
  {
    name: 'second backup folder is a file',
    args: (i) => ['policy', '--backup-mirror', i.plain],
    words: /is a file, not a folder/,
  },
  {
    name: 'backup encryption neither on nor off',
    args: () => ['policy', '--backup-encrypt', 'yes please'],
    words: /--backup-encrypt takes on or off[\s\S]*No setting was changed/,
  },
];

describe('hostile restores and backup settings (CLI)', () => {
  it.each(cases)('$name', async (c) => {
    const i = await installation();
    c.prepare?.(i);
    mkdirSync(join(i.dir, 'backups'), { recursive: true });
    const before = snapshot(i.dir, i.db);
    const r = await cli([...c.args(i), '--db', i.db], c.env ?? {});
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(c.words);
    if (/^restore/.test(c.args(i)[0]!)) expect(r.stderr).toMatch(UNTOUCHED);
    expectCleanMessage(r.stderr, 1000);
    expectUnchanged(before, snapshot(i.dir, i.db));
  });
});
