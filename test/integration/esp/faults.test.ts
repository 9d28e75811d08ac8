/**
 * Fault tests against the fake Mailchimp: 429 storms (with and without Retry-After), 5xx, requests that
 * never answer, truncated JSON, a key revoked mid-sync, members changing while the sync pages through
 * them, and a push-back that fails halfway. In every case the mirror never holds half a page and never
 * loses an unsubscribe.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack, pushBack } from '../../../electron/engine/mirror/esp/pushback';
import { FakeMailchimp, md5 } from '../../fakes/mailchimp';
import { espEngine, type SleepLog } from './helpers';
import { connectMailchimp } from '../../helpers/connectMailchimp';

let fake: FakeMailchimp;
let engine: Engine;
let sleeps: SleepLog;
const N = 3500;

async function setup(timeoutMs?: number) {
  ({ engine, sleeps } = await espEngine(timeoutMs ? { timeoutMs } : {}));
  await connectMailchimp(engine, fake);
}

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', N);
});

afterEach(async () => {
  await engine?.close();
  await fake.stop();
});

const listId = () => engine.repos.lists.all().find((l) => l.espListId === 'L1')!.id;
const count = () => engine.repos.subscribers.count({ listId: listId() });
const isMembersPage = (r: { path: string }) => r.path === '/lists/L1/members';

/** The mirror holds exactly what the fake holds: same addresses, same statuses. */
function expectMirrorMatchesFake() {
  const local = new Map(
    [...engine.repos.subscribers.iterate(listId())].map((s) => [s.emailNorm, s.status] as const),
  );
  const remote = new Map(
    [...fake.lists.get('L1')!.members.values()].map((m) => [m.email_address, m.status] as const),
  );
  expect(local.size).toBe(remote.size);
  for (const [email, status] of remote) expect([email, local.get(email)]).toEqual([email, status]);
}

describe('ESP sync under faults', () => {
  it('rides out a 429 storm, honouring Retry-After when given and backing off when not', async () => {
    await setup();
    fake.server.fault({
      match: isMembersPage,
      times: 2,
      status: 429,
      headers: { 'retry-after': '2' },
      body: { title: 'Too Many Requests', detail: 'slow down', status: 429, type: 't', instance: 'i' },
    });
    fake.server.fault({
      match: isMembersPage,
      times: 3,
      status: 429,
      body: { title: 'Too Many Requests', detail: 'slow down', status: 429, type: 't', instance: 'i' },
    });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(N);
    expect(sleeps.waits.filter((w) => w === 2000).length).toBeGreaterThanOrEqual(1);
    expect(sleeps.waits.some((w) => w < 2000)).toBe(true);
    expectMirrorMatchesFake();
  });

  it('stops with a plain message when a 429 storm outlasts its retries, then resumes where it stopped', async () => {
    await setup();
    fake.server.fault({
      match: (r) => isMembersPage(r) && r.query.get('offset') === '1000',
      times: 50,
      status: 429,
      body: { title: 'Too Many Requests', detail: 'slow down', status: 429, type: 't', instance: 'i' },
    });
    const e = await syncEsp(engine).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'esp_rate_limited', retryable: true });
    expect((e as { safe: string }).safe).toMatch(/resumes where this one stopped/);
    expect(count()).toBe(1000);
    fake.server.faults.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expectMirrorMatchesFake();
  });

  it('never has more than 10 requests in flight (Mailchimp answers 429 beyond that)', async () => {
    await setup();
    fake.server.latencyMs = 20;
    await syncEsp(engine);
    expect(fake.server.peakInFlight).toBeLessThanOrEqual(10);
    expect(fake.server.exchanges.filter((x) => x.status === 429)).toEqual([]);
  });

  it('retries 5xx and truncated JSON, never applying a cut-off page', async () => {
    await setup();
    fake.server.fault({
      match: isMembersPage,
      times: 2,
      status: 500,
      body: { title: 'Internal Server Error', detail: 'oops', status: 500, type: 't', instance: 'i' },
    });
    fake.server.fault({ match: isMembersPage, times: 2, truncate: true });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(N);
    expectMirrorMatchesFake();
  });

  it('gives up on a request that never answers after its timeout, keeps every applied page, and resumes', async () => {
    await setup(300);
    fake.server.fault({
      match: (r) => isMembersPage(r) && r.query.get('offset') === '2000',
      times: 1000,
      hang: true,
    });
    const e = await syncEsp(engine).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'esp_timeout' });
    expect((e as Error).message).toMatch(/did not answer/);
    expect(count()).toBe(2000);
    fake.server.faults.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expectMirrorMatchesFake();
  });

  it('stops cleanly when the key is revoked mid-sync: whole pages only, a clear message, then resumes with the new key', async () => {
    await setup();
    let pages = 0;
    fake.server.beforeRequest = (r) => {
      if (isMembersPage(r) && ++pages === 2) fake.revoked = true;
    };
    const e = await syncEsp(engine).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'esp_auth' });
    expect((e as Error).message).toMatch(/refused the API key/);
    expect((e as Error).message).not.toContain(fake.key);
    expect(count() % 1000).toBe(0);
    fake.server.beforeRequest = undefined;
    fake.revoked = false;
    await syncEsp(engine);
    expectMirrorMatchesFake();
  });

  it('ends in step with Mailchimp when members change, join and unsubscribe while the sync pages', async () => {
    await setup();
    let step = 0;
    fake.server.beforeRequest = (r) => {
      if (!isMembersPage(r) || r.query.get('since_last_changed')) return;
      step++;
      if (step === 3) {
        // Changes in pages already fetched, pages not yet fetched, and brand-new members.
        fake.upsertMember('L1', `user${N - 1}@example.com`, { status: 'unsubscribed' });
        fake.upsertMember('L1', 'user10@example.com', { status: 'unsubscribed' });
        fake.upsertMember('L1', 'user1700@example.com', { status: 'cleaned' });
        for (let i = 0; i < 5; i++) fake.upsertMember('L1', `late${i}@example.com`, {});
      }
    };
    await syncEsp(engine);
    expectMirrorMatchesFake();
  });

  it('keeps local unsubscribes through a failed sync and a full resync', async () => {
    await setup();
    await syncEsp(engine);
    const emails = ['user1@example.com', 'user2500@example.com'];
    for (const e of emails) {
      const row = engine.repos.subscribers.byEmail(listId(), e)!;
      engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'link', engine.now());
      enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' });
      fake.upsertMember('L1', e, { merge_fields: { FNAME: 'Changed', LNAME: '', CITY: '', PLAN: '' } });
    }
    // Writes fail throughout (the push-back cannot land); a member page fails mid-sync.
    fake.server.fault({ match: (r) => r.method === 'PATCH', times: 100_000, status: 503 });
    fake.server.fault({
      match: (r) => isMembersPage(r) && r.query.get('offset') === '1000',
      times: 1000,
      status: 503,
    });
    await expect(syncEsp(engine, { full: true })).rejects.toMatchObject({ code: 'esp_unavailable' });
    fake.server.faults.splice(1);
    await syncEsp(engine, { full: true });
    for (const e of emails)
      expect(engine.repos.subscribers.byEmail(listId(), e)!.status).toBe('unsubscribed');
  });

  it('resumes a push-back that failed halfway without pushing anything twice', async () => {
    await setup();
    await syncEsp(engine);
    const emails = ['user1@example.com', 'user2@example.com', 'user3@example.com'];
    for (const e of emails) {
      const row = engine.repos.subscribers.byEmail(listId(), e)!;
      engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'link', engine.now());
      enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' });
    }
    fake.server.fault({ match: (r) => r.method === 'PATCH', after: 1, times: 1000, status: 503 });
    const [first] = await pushBack(engine);
    expect(first).toMatchObject({ pushed: 1, pending: 2 });
    expect(first!.error).toMatch(/not answering/);
    fake.server.faults.length = 0;
    const [second] = await pushBack(engine);
    expect(second).toMatchObject({ pushed: 2, pending: 0 });
    expect(fake.patches.map((p) => p.hash).sort()).toEqual(emails.map(md5).sort());
    for (const e of emails) expect(fake.lists.get('L1')!.members.get(md5(e))!.status).toBe('unsubscribed');
    const items = engine.repos.espPushback.all(engine.repos.lists.byId(listId())!.providerId!);
    expect(items.every((i) => i.state === 'done')).toBe(true);
  });
});
