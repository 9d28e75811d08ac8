/** The continuity commands' contract: output, confirmation, exit codes (0 ok, 1 user error). */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { Engine } from '../../../electron/engine/engine';
import { addCampaign, addList } from '../../helpers/continuity';

describe('continuity CLI', () => {
  it('backup, backups, restore: confirmation required without a terminal, --yes for scripts', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const e = Engine.open({ dbPath: db });
    addList(e, 'Customers', ['ann@example.org', 'bob@example.org']);
    await e.close();
    const out = join(dir, 'manual.sqlite');
    const b = await cli(['backup', '--out', out, '--db', db, '--json']);
    expect(b.code).toBe(0);
    expect(b.json()).toMatchObject({ path: out, integrity: 'ok', lists: 1 });
    const list = await cli(['backups', '--db', db, '--json']);
    expect((list.json() as { backups: { path: string }[] }).backups.map((x) => x.path)).toEqual([out]);

    const w = new Database(db);
    w.prepare(`DELETE FROM subscribers WHERE email = 'bob@example.org'`).run();
    w.close();
    const refused = await cli(['restore', out, '--db', db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs a confirmation.*Nothing was restored.*--yes/);
    const ok = await cli(['restore', out, '--db', db, '--yes']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Restored [\s\S]*undo: `understudy restore /);
    const r = new Database(db, { readonly: true });
    expect(r.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 2 });
    r.close();
    const missing = await cli(['restore', join(dir, 'nope.sqlite'), '--db', db, '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no backup/);
  });

  it('schedule set explains a DST gap; policy validates; incidents and report say what to do', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const e = Engine.open({ dbPath: db });
    const id = addCampaign(e, { listId: addList(e, 'Customers', ['ann@example.org']) });
    await e.close();
    const s = await cli([
      'schedule',
      'set',
      String(id),
      '2027-03-28T02:30',
      '--zone',
      'Europe/Berlin',
      '--db',
      db,
    ]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/03:30/);
    expect(s.stdout).toMatch(/does not exist/);
    const l = await cli(['schedule', 'list', '--db', db]);
    expect(l.stdout).toMatch(/scheduled/);
    const bad = await cli(['policy', '--outage', 'sometimes', '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/outage policy setting is not valid/);
    const none = await cli(['incidents', '--db', db]);
    expect(none.stdout).toMatch(/No incidents/);
    const note = await cli(['incidents', 'note', '7', 'hello', '--db', db]);
    expect(note.code).toBe(1);
    expect(note.stderr).toMatch(/no incident 7.*understudy incidents/);
    const rep = await cli(['report', '7', '--db', db]);
    expect(rep.code).toBe(1);
  });

  it('a subcommand uses the --db it is given, wherever it stands, never the app database', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const appDb = join(dir, 'app', 'understudy.sqlite');
    const e = Engine.open({ dbPath: db });
    e.repos.incidents.open(null, 'ESP down', e.now());
    await e.close();
    const env = { UNDERSTUDY_DB: appDb };
    for (const args of [
      ['incidents', 'note', '1', 'hello', '--db', db],
      ['incidents', '--db', db, 'note', '1', 'again'],
      ['incidents', 'show', '1', '--db', db, '--json'],
    ]) {
      const r = await cli(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(existsSync(appDb), args.join(' ')).toBe(false);
    }
    const shown = await cli(['incidents', 'show', '1', '--db', db, '--json'], env);
    const notes = (shown.json() as { timeline: { message: string }[] }).timeline.map((t) => t.message);
    expect(notes).toEqual(expect.arrayContaining(['hello', 'again']));
  });
});
