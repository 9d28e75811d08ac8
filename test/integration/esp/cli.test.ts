/**
 * The `esp` and `sync` commands end to end (in-process CLI, real database and secret files, the fake
 * Mailchimp and a fake status page on loopback).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { FakeStatusPage } from '../../fakes/statuspage';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';

/** The CLI in-process (test/helpers/cli); every env given here already carries process.env. */
const run = cli;

let fake: FakeMailchimp;
let page: FakeStatusPage;
let db: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  page = await new FakeStatusPage().start();
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', 30);
  fake.campaigns.set('C1', {
    id: 'C1',
    status: 'schedule',
    send_time: '2026-12-01T09:00:00+00:00',
    list_id: 'L1',
    subject_line: 'Hi',
    title: 'Hi',
    from_name: 'Acme',
    reply_to: 'news@acme.example',
    html: '<p>x</p>',
    plain_text: 'x',
  });
  const dir = tempDir('understudy-esp-cli-');
  db = join(dir, 'm.db');
  env = { ...process.env, UNDERSTUDY_PASSPHRASE: 'correct horse', MC_KEY: fake.key };
});

afterEach(async () => {
  await fake.stop();
  await page.stop();
});

describe('understudy esp / sync', () => {
  it('adds a connection from an env var, syncs, reports health, unschedules, and never stores the key in plain text', async () => {
    const add = await run(
      [
        'esp',
        'add',
        'mailchimp',
        '--name',
        'MC',
        '--key-env',
        'MC_KEY',
        '--base-url',
        fake.baseUrl,
        '--status-url',
        page.url,
        '--db',
        db,
        '--json',
      ],
      env,
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'MC', type: 'mailchimp', account: 'Acme Bakery' });
    expect(readFileSync(db).includes(Buffer.from(fake.key))).toBe(false);

    const sync = await run(['sync', '--db', db, '--json'], env);
    expect(sync.code).toBe(0);
    const s = JSON.parse(sync.stdout) as {
      syncs: { members: { added: number; byStatus: Record<string, number> }; campaigns: { total: number } }[];
    };
    expect(s.syncs[0]!.members.added).toBe(30);
    expect(s.syncs[0]!.members.byStatus.subscribed).toBe(30);
    expect(s.syncs[0]!.campaigns.total).toBe(1);

    const human = await run(['sync', '--db', db], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/incremental sync/);
    // The ESP's scheduled time in the zone it was scheduled in (and this computer's).
    expect(human.stdout).toMatch(/"Hi" sends 1 Dec 2026, 10:00 \(Europe\/Paris\)/);

    page.indicator = 'major';
    page.description = 'Partial outage of the API';
    const health = await run(['esp', 'health', '--db', db, '--json'], env);
    expect(health.code).toBe(0);
    const h = JSON.parse(health.stdout) as {
      health: { health: { overall: string; api: { state: string } } }[];
    };
    expect(h.health[0]!.health).toMatchObject({ overall: 'degraded', api: { state: 'ok' } });
    expect(page.lastHeaders.authorization).toBeUndefined();

    const list = await run(['esp', 'list', '--db', db], env);
    expect(list.stdout).toMatch(/MC \(mailchimp\): degraded, 1 lists/);

    const un = await run(['esp', 'unschedule', '1', '--db', db, '--json'], env);
    expect(un.code).toBe(0);
    expect(fake.campaigns.get('C1')!.status).toBe('save');
    // Now Mailchimp refuses (nothing scheduled): exit 1 and a plain warning.
    const again = await run(['esp', 'unschedule', '1', '--db', db], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/may still send/);
  });

  it('refuses a missing key variable and a wrong key without storing anything, and never echoes the key', async () => {
    const missing = await run(
      ['esp', 'add', 'mailchimp', '--name', 'MC', '--key-env', 'NOPE', '--db', db],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NOPE is empty or not set/);
    const wrongKey = 'ffffffffffffffffffffffffffffffff-us6';
    const bad = await run(
      ['esp', 'add', 'mailchimp', '--name', 'MC', '--key-env', 'BAD', '--base-url', fake.baseUrl, '--db', db],
      { ...env, BAD: wrongKey },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Mailchimp refused the API key: API Key Invalid/);
    expect(bad.stderr + bad.stdout).not.toContain(wrongKey);
    const list = await run(['esp', 'list', '--db', db, '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual({ connections: [] });
  });
});
