/**
 * A sync of an ESP that pages in parallel runs its listing calls (lists, member pages, campaigns) in a
 * worker thread, beside the engine thread that writes the pages: the same mirror as on one thread,
 * the same errors (class, code and words, never the key), and a cancel that leaves nothing running.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { EspWorkerClient } from '../../../electron/engine/mirror/esp/espWorkerClient';
import { EspError } from '../../../electron/engine/mirror/esp/http';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { tempDir } from '../../helpers/tmp';
import { espEngine } from './helpers';

let fake: FakeMailchimp;
const engines: Engine[] = [];

/** An engine as the app opens one: the system clock, no connector options of its own. */
async function appEngine(): Promise<Engine> {
  const dir = tempDir('understudy-esp-worker-');
  const secrets = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), 'test passphrase', {
    scrypt: { N: 2 ** 10, r: 8, p: 1 },
  });
  await secrets.unlock();
  const engine = Engine.open({ dbPath: join(dir, 'mirror.db'), secrets });
  engines.push(engine);
  return engine;
}

const connect = (engine: Engine) =>
  addConnection(engine, {
    kind: 'mailchimp',
    name: 'MC',
    apiKey: fake.key,
    baseUrl: fake.baseUrl,
    statusUrl: null,
  });

const members = (engine: Engine) =>
  (engine.db.prepare(`SELECT count(*) AS n FROM subscribers`).get() as { n: number }).n;

const mirrorOf = (engine: Engine) =>
  engine.db
    .prepare(
      `SELECT email_norm, first_name, last_name, status, merge_fields, tags, esp_id, optin_time
         FROM subscribers ORDER BY email_norm`,
    )
    .all();

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', 3500);
  fake.upsertMember('L1', 'gone@example.com', { status: 'unsubscribed' });
  fake.campaigns.set('C1', {
    id: 'C1',
    status: 'schedule',
    send_time: '2026-12-01T09:00:00+00:00',
    list_id: 'L1',
    subject_line: 'December news',
    title: 'Dec',
    from_name: 'Acme',
    reply_to: 'news@acme.example',
    html: '<p>Hello *|FNAME|*</p>',
    plain_text: 'Hello *|FNAME|*',
  });
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  await fake.stop();
});

describe('sync through the ESP worker thread', () => {
  it('writes the same mirror as a sync on the engine thread alone, campaigns included', async () => {
    const viaWorker = await appEngine();
    await connect(viaWorker);
    const before = EspWorkerClient.started;
    const [a] = await syncEsp(viaWorker);
    expect(EspWorkerClient.started).toBe(before + 1);

    const { engine: oneThread } = await espEngine(); // connector options of its own: no worker
    engines.push(oneThread);
    await connect(oneThread);
    const [b] = await syncEsp(oneThread);
    expect(EspWorkerClient.started).toBe(before + 1);

    expect(a!.members).toEqual(b!.members);
    expect(a!.members.added).toBe(3501);
    expect(a!.campaigns.total).toBe(1);
    expect(mirrorOf(viaWorker)).toEqual(mirrorOf(oneThread));
    const campaign = (e: Engine) =>
      e.db.prepare(`SELECT esp_campaign_id, subject, scheduled_at FROM campaigns`).all();
    expect(campaign(viaWorker)).toEqual(campaign(oneThread));
    // An incremental sync after it, through a new worker, finds nothing new.
    const [again] = await syncEsp(viaWorker);
    expect(again!.mode).toBe('incremental');
    expect(again!.members.added).toBe(0);
  });

  it("an ESP's refusal comes back as the same error, in words, without the key", async () => {
    const engine = await appEngine();
    await connect(engine);
    fake.revoked = true;
    const e = await syncEsp(engine).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EspError);
    expect(e).toMatchObject({ code: 'esp_auth', kind: 'user' });
    expect((e as EspError).message).toContain('Mailchimp');
    expect(JSON.stringify({ ...(e as object), message: (e as Error).message })).not.toContain(fake.key);
  });

  it('a cancelled sync keeps whole pages, and leaves no request running', async () => {
    fake.seedMembers('L1', 12_000, 3500);
    const engine = await appEngine();
    await connect(engine);
    fake.server.latencyMs = 20;
    const ac = new AbortController();
    const e = await syncEsp(engine, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'members' && p.pages > 0) ac.abort();
      },
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'cancelled' });
    const kept = members(engine);
    expect(kept % 1000).toBe(0);
    expect(kept).toBeLessThan(15_501);
    await expect.poll(() => fake.server.inFlight).toBe(0);
    fake.server.latencyMs = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(members(engine)).toBe(15_501);
  });
});
