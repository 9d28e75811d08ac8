/**
 * SendGrid → mirror end to end: the framework's sync engine, the SendGrid connector and the fake on
 * loopback, on a real SQLite file. Contacts arrive only through the export job (create, poll, download
 * the presigned gzipped files without the key); statuses come from the suppression lists. Faults: 429
 * storms (SendGrid sends no Retry-After), 5xx, truncated JSON, a failed download, a key revoked
 * mid-sync, changes while the export runs. Every API exchange is checked against the SendGrid
 * document that describes its path (sendgrid-*.json).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack, pushBack } from '../../../electron/engine/mirror/esp/pushback';
import { unscheduleAtEsp } from '../../../electron/engine/mirror/esp/unschedule';
import { SendGridConnector } from '../../../electron/engine/mirror/esp/sendgrid';
import { SENDGRID_SPECS, SendGridFake, sendgridSpecFor } from '../../fakes/sendgrid';
import { loadSpec, type SpecValidator } from '../../fakes/spec';
import { espEngine, type SleepLog } from './helpers';

let fake: SendGridFake;
let engine: Engine;
let sleeps: SleepLog;
let problems: string[];
let newsletter: string;
let vip: string;
const specs = new Map<string, SpecValidator>();

beforeEach(async () => {
  fake = await new SendGridFake().start();
  ({ engine, sleeps } = await espEngine());
  // The export poll interval is the connector's to choose; keep it tiny here.
  engine.services.connectorOverrides = {
    sleep: sleeps.sleep,
    backoffBaseMs: 1,
    backoffMaxMs: 4,
    timeoutMs: 10_000,
    config: { exportPollMs: 5 },
  };
  problems = [];
  specs.clear();
  for (const s of SENDGRID_SPECS) specs.set(s.file, loadSpec(s.file));
  fake.onExchange = (x) => {
    const file = sendgridSpecFor(x);
    if (!file) return; // the presigned export files are not part of the API
    const v = specs.get(file);
    if (!v) return;
    v.check(x);
    problems.push(...v.problems.splice(0));
  };
  newsletter = fake.addList('Newsletter');
  vip = fake.addList('VIP');
  fake.addContact('ann@example.com', {
    first_name: 'Ann',
    last_name: 'Lee',
    city: 'Lyon',
    custom_fields: { plan: 'gold', score: 9 },
    lists: [newsletter, vip],
  });
  fake.addContact('bob@example.com', { lists: [newsletter] });
  fake.addContact('cat@example.com', { lists: [newsletter] });
  fake.addContact('dan@example.com', { lists: [newsletter] });
  fake.addContact('eve@example.com', { lists: [newsletter] });
  fake.addContact('fay@example.com', { lists: [newsletter] });
  for (let i = 0; i < 2400; i++)
    fake.addContact(`user${i}@example.com`, { first_name: `U${i}`, lists: [newsletter] });
  fake.unsubscribes.push({ email: 'bob@example.com', created: 1_750_000_000 });
  fake.bounces.push({
    email: 'cat@example.com',
    created: 1_750_000_000,
    reason: '550 5.1.1 unknown user',
    status: '5.1.1',
  });
  fake.spamReports.push({ email: 'dan@example.com', created: 1_750_000_000, ip: '192.0.2.9' });
  fake.invalidEmails.push({
    email: 'eve@example.com',
    created: 1_750_000_000,
    reason: 'Mail domain mentioned in email address is unknown',
  });
  fake.groupUnsubscribes.push({
    email: 'fay@example.com',
    group_id: 12,
    group_name: 'Newsletter',
    created_at: 1_750_000_000,
  });
  fake.addSingleSend({ name: 'Spring', subject: 'Spring sale', list_ids: [newsletter] });
  fake.addSingleSend({ name: 'Everyone', all: true });
  fake.addSingleSend({ name: 'Draft', status: 'draft', send_at: null });
  await addConnection(engine, {
    kind: 'sendgrid',
    name: 'SG',
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const list = (esp: string) => engine.repos.lists.all().find((l) => l.espListId === esp)!;
const member = (email: string, esp = newsletter) => engine.repos.subscribers.byEmail(list(esp).id, email)!;

describe('SendGrid sync', () => {
  it('mirrors every list through export jobs, with statuses from the suppression lists, fields and campaigns', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.lists).toBe(3);
    expect(engine.repos.subscribers.count({ listId: list(newsletter).id })).toBe(2406);
    expect(engine.repos.subscribers.count({ listId: list('all').id })).toBe(2406);
    expect(engine.repos.subscribers.count({ listId: list(vip).id })).toBe(1);
    expect(engine.repos.lists.countsByStatus(list(newsletter).id)).toMatchObject({
      subscribed: 2401,
      unsubscribed: 2,
      bounced: 1,
      complained: 1,
      cleaned: 1,
    });
    expect(member('ann@example.com')).toMatchObject({
      firstName: 'Ann',
      lastName: 'Lee',
      status: 'subscribed',
      mergeFields: { city: 'Lyon', plan: 'gold', score: '9' },
    });
    expect(member('cat@example.com').statusReason).toMatch(/550 5\.1\.1/);
    expect(member('fay@example.com').statusReason).toMatch(/group Newsletter/);
    expect(list(newsletter).mergeFields.map((f) => f.tag)).toEqual(
      expect.arrayContaining(['first_name', 'city', 'plan', 'score']),
    );
    const cs = engine.db
      .prepare(
        `SELECT name, subject, from_email, from_name, reply_to, html, list_id, dialect FROM campaigns ORDER BY name`,
      )
      .all();
    expect(cs).toEqual([
      {
        name: 'Everyone',
        subject: 'Everyone',
        from_email: 'news@example.com',
        from_name: 'Example Shop',
        reply_to: 'reply@example.com',
        html: '<p>Hi {{first_name}}</p>',
        list_id: list('all').id,
        dialect: 'sendgrid',
      },
      {
        name: 'Spring',
        subject: 'Spring sale',
        from_email: 'news@example.com',
        from_name: 'Example Shop',
        reply_to: 'reply@example.com',
        html: '<p>Hi {{first_name}}</p>',
        list_id: list(newsletter).id,
        dialect: 'sendgrid',
      },
    ]);
    // The presigned files were fetched without the API key.
    const downloads = fake.requests(/^\/export-files\//);
    expect(downloads.length).toBeGreaterThanOrEqual(3);
    expect(downloads.every((x) => x.status === 200 && !x.headers.authorization)).toBe(true);
    expect(problems).toEqual([]);
    const contactsSpec = specs.get('sendgrid-mc-contacts.json');
    if (contactsSpec)
      expect([...contactsSpec.seen]).toEqual(
        expect.arrayContaining([
          'POST /v3/marketing/contacts/exports 202',
          'GET /v3/marketing/contacts/exports/{id} 200',
        ]),
      );
  });

  it('a later full pass writes only differences: a new bounce, a deleted contact archived', async () => {
    await syncEsp(engine);
    fake.bounces.push({
      email: 'user5@example.com',
      created: 1_760_000_000,
      reason: '550 mailbox full',
      status: '5.2.2',
    });
    const gone = [...fake.contacts.values()].find((c) => c.email === 'user6@example.com')!;
    fake.contacts.delete(gone.contact_id);
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('full');
    expect(member('user5@example.com').status).toBe('bounced');
    expect(member('user6@example.com').status).toBe('archived');
    expect(s!.members.added).toBe(0);
    expect(problems).toEqual([]);
  });

  it('resumes inside the export after a failed download, without starting a new export', async () => {
    fake.partSize = 1000; // three files for the newsletter export
    fake.onExchange = undefined;
    fake.fault({
      path: /^\/export-files\/.+\/1\.json\.gz$/,
      kind: 'status',
      status: 503,
      times: 1000,
      raw: 'SlowDown',
    });
    await expect(syncEsp(engine)).rejects.toMatchObject({ code: 'esp_unavailable' });
    const l = list('all');
    const cp = engine.repos.espSync.checkpoint<{
      pass: { cursor: { phase: string; job: string; file: number; offset: number } };
    }>(l.providerId!, 'members:all')!;
    expect(cp.pass.cursor).toMatchObject({ phase: 'read', file: 1, offset: 0 });
    expect(JSON.stringify(cp)).not.toContain('X-Amz-Signature'); // presigned links are never stored
    expect(engine.repos.subscribers.count({ listId: l.id })).toBe(1000);
    const exportsBefore = fake.requests(/^\/v3\/marketing\/contacts\/exports$/, 'POST').length;
    fake.faults.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: l.id })).toBe(2406);
    // The interrupted list resumed its export; only the two other lists started new ones.
    expect(fake.requests(/^\/v3\/marketing\/contacts\/exports$/, 'POST').length - exportsBefore).toBe(2);
  });

  it('rides out a 429 storm (no Retry-After: it waits for X-RateLimit-Reset), 5xx and truncated JSON while polling the export', async () => {
    fake.onExchange = undefined;
    fake.fault({
      path: /^\/v3\/marketing\/contacts\/exports\//,
      kind: 'status',
      status: 429,
      times: 3,
      headers: { 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30) },
      body: { errors: [{ field: null, message: 'too many requests' }] },
    });
    fake.fault({
      path: /^\/v3\/marketing\/contacts\/exports\//,
      kind: 'status',
      status: 500,
      times: 1,
      body: { errors: [{ message: 'internal error' }] },
    });
    fake.fault({ path: /^\/v3\/marketing\/contacts\/exports\//, kind: 'truncate', times: 1 });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(2406 + 2406 + 1);
    expect(sleeps.waits.length).toBeGreaterThanOrEqual(5);
    // Each 429 waited until the reset time (about 30 s away), not the few ms of the backoff.
    expect(sleeps.waits.filter((w) => w > 20_000 && w <= 31_000)).toHaveLength(3);
  });

  it('stops with esp_auth when the key is revoked while the export runs', async () => {
    fake.beforeRoute = (req) => {
      if (req.path.startsWith('/v3/marketing/contacts/exports/')) fake.apiKey = 'SG.revoked';
    };
    const err = await syncEsp(engine).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'esp_auth' });
    expect((err as Error).message).toMatch(/SendGrid refused the API key: authorization required/);
    expect((err as Error).message).not.toContain('SG.test-key.0001');
  });

  it('an unsubscribe made while the export runs is applied (suppressions are read when the file is ready)', async () => {
    let polled = false;
    fake.beforeRoute = (req) => {
      if (!polled && req.path.startsWith('/v3/marketing/contacts/exports/')) {
        polled = true;
        fake.unsubscribes.push({ email: 'user7@example.com', created: Math.floor(Date.now() / 1000) });
      }
    };
    await syncEsp(engine);
    expect(member('user7@example.com').status).toBe('unsubscribed');
    expect(member('user7@example.com', 'all').status).toBe('unsubscribed');
  });

  it('unschedules a single send before a backup send; says so when it cannot', async () => {
    await syncEsp(engine);
    const c = engine.db.prepare(`SELECT id, esp_campaign_id FROM campaigns WHERE name = 'Spring'`).get() as {
      id: number;
      esp_campaign_id: string;
    };
    expect((await unscheduleAtEsp(engine, c.id)).result.status).toBe('done');
    expect(fake.singleSends.get(c.esp_campaign_id)!.status).toBe('draft');
    const k = new SendGridConnector({ apiKey: fake.apiKey, baseUrl: fake.url, statusUrl: null });
    expect((await k.unschedule(c.esp_campaign_id)).status).toBe('done');
    const sent = fake.addSingleSend({ name: 'Gone', status: 'triggered' });
    const r = await k.unschedule(sent.id);
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/may still send/);
  });

  it('pushes back unsubscribes and bounces to the global unsubscribes once, resuming without doubling', async () => {
    await syncEsp(engine);
    for (const [e, kind, status] of [
      ['user1@example.com', 'unsubscribe', 'unsubscribed'],
      ['user2@example.com', 'unsubscribe', 'unsubscribed'],
      ['user3@example.com', 'bounce', 'bounced'],
    ] as const) {
      const row = member(e);
      engine.repos.subscribers.setStatus(row.id, status, 'local', engine.now());
      enqueuePushBack(engine, { subscriberId: row.id, kind });
    }
    fake.fault({
      path: /^\/v3\/asm\/suppressions\/global$/,
      kind: 'status',
      status: 503,
      times: 1000,
      after: 1,
      body: { errors: [{ message: 'unavailable' }] },
    });
    const [first] = await pushBack(engine);
    expect(first!.pushed).toBe(1);
    fake.faults.length = 0;
    const [second] = await pushBack(engine);
    expect(second!.pushed).toBe(2);
    const [third] = await pushBack(engine);
    expect(third!.pushed).toBe(0);
    const sent = fake.globalSuppressionPosts.flat();
    expect(sent.sort()).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com']);
  });

  it('tags backup recipients with a custom field', async () => {
    const k = new SendGridConnector({ apiKey: fake.apiKey, baseUrl: fake.url, statusUrl: null });
    expect(
      (
        await k.tagBackupRecipients(
          newsletter,
          ['user1@example.com', 'user2@example.com'],
          'backup 2026-11-23',
        )
      ).tagged,
    ).toBe(2);
    await k.tagBackupRecipients(newsletter, ['user3@example.com'], 'backup 2026-11-23');
    expect(fake.fields.filter((f) => f.name === 'understudy_backup_send')).toHaveLength(1);
    const u1 = [...fake.contacts.values()].find((c) => c.email === 'user1@example.com')!;
    expect(u1.custom_fields.understudy_backup_send).toBe('backup 2026-11-23');
    expect(problems).toEqual([]);
  });

  it('times out a poll that never answers and carries on', async () => {
    engine.services.connectorOverrides = {
      sleep: sleeps.sleep,
      backoffBaseMs: 1,
      backoffMaxMs: 4,
      timeoutMs: 300,
      config: { exportPollMs: 5 },
    };
    fake.fault({ path: /^\/v3\/marketing\/contacts\/exports\//, kind: 'hang', times: 1 });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(2406 + 2406 + 1);
    expect(fake.requests(/^\/v3\/marketing\/contacts\/exports\//).some((x) => x.status === 0)).toBe(true);
  });

  it('health: a one-item list page plus the status page', async () => {
    const k = new SendGridConnector({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      statusUrl: `${fake.url}/statuspage`,
    });
    expect(await k.health()).toMatchObject({ overall: 'operational', api: { state: 'ok' } });
    expect(problems).toEqual([]);
    fake.onExchange = undefined; // the lists document does not list its 401
    fake.apiKey = 'SG.other';
    expect(await k.health()).toMatchObject({ overall: 'degraded', api: { state: 'auth' } });
  });

  it('reports an export that never finishes instead of waiting forever, and picks it up again next time', async () => {
    engine.services.connectorOverrides = {
      sleep: sleeps.sleep,
      backoffBaseMs: 1,
      backoffMaxMs: 4,
      timeoutMs: 10_000,
      config: { exportPollMs: 5, exportMaxPolls: 3 },
    };
    fake.pollsUntilReady = 1000;
    const err = await syncEsp(engine).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'esp_unavailable' });
    expect((err as Error).message).toMatch(/contact export .* has not finished after 3 checks/);
    fake.pollsUntilReady = 0;
    const posts = fake.requests(/^\/v3\/marketing\/contacts\/exports$/, 'POST').length;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list('all').id })).toBe(2406);
    // The stuck export was resumed, not started again: only the two other lists started exports.
    expect(fake.requests(/^\/v3\/marketing\/contacts\/exports$/, 'POST').length - posts).toBe(2);
  });

  it('mirrors a segment that a scheduled single send targets as a list (exported by segment id)', async () => {
    const ids = ['user1@example.com', 'user2@example.com', 'bob@example.com'].map(
      (e) => [...fake.contacts.values()].find((c) => c.email === e)!.contact_id,
    );
    const seg = fake.addSegment('Lyon buyers', ids);
    fake.addSegment('Not targeted', ids);
    fake.addSingleSend({ name: 'Lyon preview', segment_ids: [seg] });
    const [s] = await syncEsp(engine);
    expect(s!.lists).toBe(4); // all contacts, two lists, the targeted segment
    const l = list(`segment:${seg}`);
    expect(l.name).toBe('Segment: Lyon buyers');
    expect(engine.repos.lists.countsByStatus(l.id)).toMatchObject({ subscribed: 2, unsubscribed: 1 });
    const c = engine.db.prepare(`SELECT list_id, segment FROM campaigns WHERE name = 'Lyon preview'`).get();
    expect(c).toEqual({ list_id: l.id, segment: null });
    expect(
      fake
        .requests(/^\/v3\/marketing\/contacts\/exports$/, 'POST')
        .some((x) => JSON.stringify(x.requestBody).includes(seg)),
    ).toBe(true);
    expect(problems).toEqual([]);
  });
});
