import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';

const root = join(import.meta.dirname, '..', '..', '..');

describe('understudy CLI: lists, import, export, subscribers, status', () => {
  it('import --json prints the documented summary; lists/subscribers/export/status work on it', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const f = join(dir, 'mc.csv');
    writeFileSync(
      f,
      '"Email Address","First Name","Last Name",MEMBER_RATING,OPTIN_TIME\nann@example.com,Ann,Lee,2,2024-01-01 00:00:00\nbob@example.com,Bob,Stone,1,\nbroken,X,Y,1,\n',
    );
    const imp = await cli([
      'import',
      f,
      '--list',
      'Customers',
      '--db',
      db,
      '--json',
      '--reject-report',
      join(dir, 'rej.csv'),
    ]);
    expect(imp.code).toBe(0);
    expect(imp.json()).toMatchObject({
      list: 'Customers',
      rows: 3,
      imported: 2,
      updated: 0,
      rejected: 1,
      byStatus: { subscribed: 2, unsubscribed: 0 },
      rejectReport: join(dir, 'rej.csv'),
    });
    expect(readFileSync(join(dir, 'rej.csv'), 'utf8')).toContain('broken,X,Y');

    const lists = await cli(['lists', '--db', db, '--json']);
    expect(lists.json()).toMatchObject({
      lists: [{ name: 'Customers', total: 2, byStatus: { subscribed: 2 } }],
    });
    expect((await cli(['lists', '--db', db])).stdout).toContain('Customers: 2 (subscribed 2)');

    const subs = await cli(['subscribers', '--list', 'customers', '--search', 'bo', '--db', db, '--json']);
    expect(subs.json()).toMatchObject({ total: 1, rows: [{ email: 'bob@example.com', firstName: 'Bob' }] });
    const byName = await cli([
      'subscribers',
      '--list',
      'Customers',
      '--search',
      'ann l',
      '--db',
      db,
      '--json',
    ]);
    expect(byName.json()).toMatchObject({ total: 1, rows: [{ email: 'ann@example.com' }] });

    const out = join(dir, 'out.csv');
    const exp = await cli(['export', '--list', 'Customers', '--out', out, '--db', db, '--json']);
    expect(exp.json()).toEqual({ list: 'Customers', out, rows: 2 });
    expect(readFileSync(out, 'utf8')).toContain('ann@example.com,subscribed,Ann,Lee');

    const status = await cli(['status', '--db', db, '--json', '--check']);
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ path: db, integrity: 'ok', tables: { lists: 1, subscribers: 2 } });
    expect((status.json() as { installationId: string }).installationId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('exits 1 with one clear line on a user error, and --json gives an error document', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const missing = await cli(['import', join(dir, 'nope.csv'), '--list', 'X', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/No file at .*nope\.csv\. Nothing was imported\. Check the path/);
    const noList = await cli(['subscribers', '--list', 'Ghosts', '--db', db, '--json']);
    expect(noList.code).toBe(1);
    expect(noList.json()).toMatchObject({ error: { kind: 'user', code: 'list_not_found' } });
    const badStatus = await cli(['subscribers', '--list', 'X', '--status', 'happy', '--db', db]);
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toMatch(/Unknown --status "happy"/);
    const usage = await cli(['import', '--db', db]);
    expect(usage.code).toBe(1);
  });

  it('refuses a damaged database with exit 1 and a pointer to restoring a backup', async () => {
    const dir = tempDir();
    const db = join(dir, 'bad.sqlite');
    writeFileSync(db, 'garbage '.repeat(1000));
    const r = await cli(['lists', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/damaged.*understudy restore/s);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('runs as a real command: `npm run -s understudy -- --help` and the bin script', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'understudy.mjs'), '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    for (const c of ['lists', 'import', 'export', 'subscribers', 'status']) expect(r.stdout).toContain(c);
    // A read command given a database in a folder that does not exist says so, and creates nothing.
    const parent = tempDir();
    const bad = spawnSync(
      process.execPath,
      [join(root, 'bin', 'understudy.mjs'), 'lists', '--db', join(parent, 'x', 'y.sqlite'), '--json'],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('db_missing');
    expect(existsSync(join(parent, 'x'))).toBe(false);
  });
});

describe('understudy import --encoding', () => {
  it('forces an encoding, and refuses an unknown one', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const f = join(dir, 'w.csv');
    writeFileSync(f, Buffer.from('Email,First Name\nn@example.com,No\xebl\n', 'latin1'));
    const ok = await cli(['import', f, '--list', 'L', '--encoding', 'cp1252', '--db', db, '--json']);
    expect(ok.json()).toMatchObject({ encoding: 'windows-1252', imported: 1 });
    const subs = await cli(['subscribers', '--list', 'L', '--db', db, '--json']);
    expect(subs.json()).toMatchObject({ rows: [{ firstName: 'Noël' }] });
    const bad = await cli(['import', f, '--list', 'L', '--encoding', 'ebcdic', '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Unknown --encoding "ebcdic"/);
  });
});
