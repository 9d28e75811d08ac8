/**
 * Bounces, complaints and unsubscribes relays keep to themselves (issue 14, §5), pulled from each
 * relay's API — fake servers on loopback written from the published references (test/fakes/relays.ts),
 * SendGrid's and Brevo's traffic also checked against their OpenAPI documents. Each pull lands as a
 * suppression with its source, changes the subscriber rows, is queued for push-back to the ESP the
 * list came from, is counted in the incident report, and a second pull adds nothing.
 */
import { readFileSync, existsSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../../electron/cli/main';
import type { Io } from '../../../electron/cli/context';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import type { SecretStore } from '../../../electron/engine/secrets';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import {
  pullRelayFeedback,
  setRelayApiKey,
  useRelayOverrides,
  type RelayPullResult,
} from '../../../electron/engine/sending/feedback/pull';
import { pullAfterCampaigns, relayFeedbackJob } from '../../../electron/engine/continuity/relayFeedback';
import { buildReport, renderReportHtml } from '../../../electron/engine/continuity/report';
import { RelayFeedbackRepo } from '../../../electron/engine/db/repos/relayFeedback';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { addCampaign, addProvider } from '../../helpers/continuity';
import { tempDir } from '../../helpers/tmp';
import type { FakeServer } from '../../fakes/server';
import { loadSpec, type SpecValidator } from '../../fakes/spec';
import { BREVO_SPEC, BREVO_SPEC_OPTIONS } from '../../fakes/brevo';
import {
  FakeBrevoRelay,
  FakeMailgunRelay,
  FakePostmarkRelay,
  FakeSendgridRelay,
  FakeSesRelay,
  SENDGRID_SUPPRESSIONS_SPEC,
} from '../../fakes/relays';

type Kind = 'bounce' | 'complaint' | 'unsubscribe' | 'skip';

interface RelayCase {
  preset: string;
  /** SMTP login (Mailgun's names the domain). */
  user: string;
  key: string;
  kinds: Kind[];
  page: number;
  start(): Promise<FakeServer>;
  seed(fake: FakeServer, email: string, kind: Kind, at: number): void;
  spec?: () => SpecValidator | null;
}

const brevoTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '+00:00');
let postmarkId = 1;

const CASES: RelayCase[] = [
  {
    preset: 'sendgrid',
    user: 'apikey',
    key: 'SG.relay-key-0123456789abcdef',
    kinds: ['bounce', 'complaint', 'unsubscribe', 'skip'],
    page: 500,
    start: () => new FakeSendgridRelay('SG.relay-key-0123456789abcdef').start(),
    seed(f, email, kind, at) {
      const s = f as FakeSendgridRelay;
      const created = Math.floor(at / 1000);
      if (kind === 'bounce')
        s.lists.bounces.push({ email, created, reason: '550 5.1.1 user unknown', status: '5.1.1' });
      if (kind === 'complaint') s.lists.spam_reports.push({ email, created, ip: '192.0.2.1' });
      if (kind === 'unsubscribe') s.lists.unsubscribes.push({ email, created });
      // A temporary block: the receiving server refused one message, not the address.
      if (kind === 'skip') s.lists.blocks.push({ email, created, reason: '421 try later', status: '4.0.0' });
    },
    spec: () => loadSpec(SENDGRID_SUPPRESSIONS_SPEC),
  },
  {
    preset: 'ses',
    user: 'AKIASMTPUSER0000',
    key: 'AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    kinds: ['bounce', 'complaint'],
    page: 1000,
    start: () => new FakeSesRelay('AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY').start(),
    seed(f, email, kind, at) {
      if (kind === 'bounce' || kind === 'complaint')
        (f as FakeSesRelay).suppressed.push({
          EmailAddress: email,
          Reason: kind === 'bounce' ? 'BOUNCE' : 'COMPLAINT',
          LastUpdateTime: Math.floor(at / 1000),
        });
    },
  },
  {
    preset: 'mailgun',
    user: 'postmaster@mg.shop.example',
    key: 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
    kinds: ['bounce', 'complaint', 'unsubscribe'],
    page: 1000,
    start: () => new FakeMailgunRelay('key-3ax6xnjp29jd6fds4gc373sgvjxteol0', 'mg.shop.example').start(),
    seed(f, email, kind, at) {
      const m = f as FakeMailgunRelay;
      const created_at = new Date(at).toUTCString();
      if (kind === 'bounce')
        m.lists.bounces.push({ address: email, created_at, code: '550', error: 'No such user' });
      if (kind === 'complaint') m.lists.complaints.push({ address: email, created_at });
      if (kind === 'unsubscribe') m.lists.unsubscribes.push({ address: email, created_at, tags: ['*'] });
    },
  },
  {
    preset: 'postmark',
    user: 'pm-server-token-1111',
    key: 'pm-server-token-1111-2222-3333',
    kinds: ['bounce', 'complaint', 'unsubscribe', 'skip'],
    page: 500,
    start: () => new FakePostmarkRelay('pm-server-token-1111-2222-3333').start(),
    seed(f, email, kind, at) {
      const type = {
        bounce: 'HardBounce',
        complaint: 'SpamComplaint',
        unsubscribe: 'Unsubscribe',
        skip: 'SoftBounce',
      }[kind];
      (f as FakePostmarkRelay).bounces.push({
        ID: postmarkId++,
        Type: type,
        TypeCode: 1,
        Email: email,
        BouncedAt: new Date(at).toISOString(),
        Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist',
        Inactive: kind !== 'skip',
        CanActivate: true,
        MessageStream: 'broadcast',
      });
    },
  },
  {
    preset: 'brevo',
    user: 'shop@smtp-brevo.com',
    key: 'xkeysib-0123456789abcdef-relay',
    kinds: ['bounce', 'complaint', 'unsubscribe', 'skip'],
    page: 100,
    start: () => new FakeBrevoRelay('xkeysib-0123456789abcdef-relay').start(),
    seed(f, email, kind, at) {
      const code = {
        bounce: 'hardBounce',
        complaint: 'contactFlaggedAsSpam',
        unsubscribe: 'unsubscribedViaEmail',
        skip: 'adminBlocked',
      }[kind];
      (f as FakeBrevoRelay).blocked.push({
        email,
        senderEmail: 'news@shop.example',
        reason: { code, message: code },
        blockedAt: brevoTime(at),
      });
    },
    spec: () => loadSpec(BREVO_SPEC, BREVO_SPEC_OPTIONS),
  },
];

let engine: Engine;
let secrets: SecretStore;
let dir: string;
const fakes: FakeServer[] = [];

beforeEach(async () => {
  dir = tempDir();
  ({ engine, secrets } = await engineWithSecrets(dir));
  // No waiting between retries in tests; the retries themselves still happen.
  useRelayOverrides(engine, { backoffBaseMs: 1, backoffMaxMs: 2 });
});
afterEach(async () => {
  await engine.close();
  for (const f of fakes.splice(0)) await f.stop();
});

const PEOPLE = ['ann@example.org', 'bob@example.org', 'cy@example.org', 'dee@example.org'];

/** A list mirrored from an ESP (so push-back has somewhere to go) with the four people subscribed. */
function espList(): { listId: number; espId: number } {
  const espId = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
  const now = engine.now();
  const list = engine.repos.lists.create({ name: 'Customers', providerId: espId, espListId: 'abc123', now });
  const ins = engine.db.prepare(
    `INSERT INTO subscribers (list_id, email, email_norm, status, source, esp_id, created_at, updated_at)
     VALUES (?, ?, ?, 'subscribed', 'test', ?, ?, ?)`,
  );
  PEOPLE.forEach((e, i) => ins.run(list.id, e, e, `m${i}`, now, now));
  return { listId: list.id, espId };
}

async function relay(
  c: RelayCase,
  name = `${c.preset}-backup`,
): Promise<{ fake: FakeServer; providerId: number; spec: SpecValidator | null }> {
  const fake = await c.start();
  fakes.push(fake);
  const spec = c.spec?.() ?? null;
  if (spec) fake.onExchange = (x) => spec.check(x);
  const p = await addSmtpProvider(
    engine,
    { name, preset: c.preset, user: c.user, password: 'smtp-password-9' },
    secrets,
  );
  await setRelayApiKey(engine, name, c.key, { secrets, apiUrl: fake.baseUrl });
  return { fake, providerId: p.id, spec };
}

const statusOf = (email: string) =>
  engine.db.prepare('SELECT status FROM subscribers WHERE email_norm = ?').pluck().get(email) as string;
const suppression = (email: string) =>
  engine.db.prepare('SELECT reason, source FROM suppressions WHERE email_norm = ?').get(email) as
    { reason: string; source: string } | undefined;
const suppressionCount = () => engine.db.prepare('SELECT count(*) FROM suppressions').pluck().get() as number;
const addedEvents = () =>
  engine.db.prepare(`SELECT count(*) FROM events WHERE type = 'suppression.added'`).pluck().get() as number;

function only(results: RelayPullResult[]): RelayPullResult {
  expect(results).toHaveLength(1);
  return results[0]!;
}

const REASON = { bounce: 'bounced', complaint: 'complained', unsubscribe: 'unsubscribed' } as const;
const STATUS = { bounce: 'bounced', complaint: 'complained', unsubscribe: 'unsubscribed' } as const;

describe.each(CASES)('$preset relay feedback', (c) => {
  it('lands each item as a suppression with its source, queues it for the ESP, and a second pull adds nothing', async () => {
    const { espId } = espList();
    const { fake, providerId, spec } = await relay(c);
    const t0 = Date.now() - 3_600_000;
    c.kinds.forEach((k, i) => c.seed(fake, PEOPLE[i]!, k, t0 + i * 60_000));
    const name = `${c.preset}-backup`;

    const first = only(await pullRelayFeedback(engine, { secrets }));
    expect(first.error).toBeNull();
    const expected = c.kinds.filter((k): k is Exclude<Kind, 'skip'> => k !== 'skip');
    for (const [i, k] of c.kinds.entries()) {
      const email = PEOPLE[i]!;
      if (k === 'skip') {
        expect(suppression(email)).toBeUndefined();
        expect(statusOf(email)).toBe('subscribed');
        continue;
      }
      expect(suppression(email)).toEqual({ reason: REASON[k], source: `relay:${name}:${k}` });
      expect(statusOf(email)).toBe(STATUS[k]);
    }
    expect(first.added).toEqual({
      bounce: expected.filter((k) => k === 'bounce').length,
      complaint: expected.filter((k) => k === 'complaint').length,
      unsubscribe: expected.filter((k) => k === 'unsubscribe').length,
    });
    expect(first.skipped).toBe(c.kinds.includes('skip') ? 1 : 0);
    // Push-back to the ESP the list came from: one item per person, of the relay's kind.
    const queued = engine.repos.espPushback.pending(espId);
    expect(queued.map((q) => [q.emailNorm, q.kind]).sort()).toEqual(
      expected.map((k) => [PEOPLE[c.kinds.indexOf(k)]!, k]).sort(),
    );
    expect(first.queuedForEsp).toBe(expected.length);
    const timeline = engine.db
      .prepare(`SELECT message FROM events WHERE type = 'relay.feedback_pulled'`)
      .pluck()
      .all() as string[];
    expect(timeline).toHaveLength(1);

    // Again: the relay reports the same items; nothing is added, no event, no push-back doubled.
    const events = addedEvents();
    const requestsBefore = fake.requests;
    const second = only(await pullRelayFeedback(engine, { secrets }));
    expect(second.ok).toBe(true);
    expect(second.added).toEqual({ bounce: 0, complaint: 0, unsubscribe: 0 });
    expect(addedEvents()).toBe(events);
    expect(engine.repos.espPushback.pending(espId)).toHaveLength(expected.length);
    expect(fake.requests).toBeGreaterThan(requestsBefore);

    // A suppression lifted by hand is not put back by a pull that sees the same old item.
    engine.db.prepare('DELETE FROM suppressions WHERE email_norm = ?').run(PEOPLE[0]);
    only(await pullRelayFeedback(engine, { secrets }));
    expect(suppression(PEOPLE[0]!)).toBeUndefined();

    // Something new at the relay: only that lands.
    c.seed(fake, 'eve@example.org', 'bounce', Date.now() - 60_000);
    const third = only(await pullRelayFeedback(engine, { secrets }));
    expect(third.added.bounce).toBe(1);
    expect(suppression('eve@example.org')).toEqual({ reason: 'bounced', source: `relay:${name}:bounce` });
    expect(new RelayFeedbackRepo(engine.db).state(providerId)?.lastError).toBeNull();
    if (spec) expect(spec.problems).toEqual([]);
  });

  it('pages through more than one page, as the relay pages', async () => {
    const { fake } = await relay(c);
    const n = c.page + 7;
    const t0 = Date.now() - 7_200_000;
    for (let i = 0; i < n; i++)
      c.seed(fake, `p${String(i).padStart(5, '0')}@example.net`, 'bounce', t0 + i * 1000);
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toBeNull();
    expect(r.added.bounce).toBe(n);
    expect(suppressionCount()).toBe(n);
    expect(fake.exchanges.length).toBeGreaterThanOrEqual(2);
  });

  it('says the key was refused when it is wrong, and writes nothing', async () => {
    espList();
    const { fake, providerId } = await relay(c);
    c.seed(fake, PEOPLE[0]!, 'bounce', Date.now() - 60_000);
    await setRelayApiKey(
      engine,
      `${c.preset}-backup`,
      c.preset === 'ses' ? 'AKIAIOSFODNN7EXAMPLE:wrong-secret-0123456789' : `${c.key}-revoked`,
      {
        secrets,
      },
    );
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(new RegExp(`refused the API key of "${c.preset}-backup"`));
    expect(r.error).not.toContain('wrong-secret');
    expect(suppressionCount()).toBe(0);
    expect(statusOf(PEOPLE[0]!)).toBe('subscribed');
    // Recorded once while it keeps failing the same way.
    only(await pullRelayFeedback(engine, { secrets }));
    const failed = engine.db
      .prepare(`SELECT count(*) FROM events WHERE type = 'relay.feedback_failed'`)
      .pluck()
      .get();
    expect(failed).toBe(1);
    expect(new RelayFeedbackRepo(engine.db).state(providerId)?.lastError).toMatch(/refused the API key/);
  });
});

describe('hostile relay replies', () => {
  const sg = CASES[0]!;

  async function sendgridWithItem() {
    espList();
    const r = await relay(sg);
    sg.seed(r.fake, PEOPLE[0]!, 'bounce', Date.now() - 60_000);
    return r;
  }

  it('refuses wrong types and writes nothing', async () => {
    const { fake } = await sendgridWithItem();
    fake.fault({ times: 1, status: 200, body: [{ email: 123, created: 'yesterday' }] });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(
      /SendGrid sent an answer to GET \/v3\/suppression\/bounces that its API does not document: item 1 has no text "email"/,
    );
    expect(suppressionCount()).toBe(0);
  });

  it('refuses a huge answer without reading it all', async () => {
    const { fake } = await sendgridWithItem();
    fake.fault({ times: 1, status: 200, body: 'x'.repeat(9 * 1024 * 1024) });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toMatch(/larger than 8388608 bytes/);
    expect(suppressionCount()).toBe(0);
  });

  it('refuses a cut-off answer after retrying, and writes nothing', async () => {
    const { fake } = await sendgridWithItem();
    fake.fault({ times: 5, truncate: true });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toMatch(/SendGrid did not answer as expected for "sendgrid-backup".*tried 3 times/);
    expect(suppressionCount()).toBe(0);
  });

  it('writes nothing of a pull whose later page is malformed', async () => {
    const { fake } = await sendgridWithItem();
    // Bounces answer fine; spam_reports (a later feed) answers an object where a list belongs.
    fake.fault({
      times: 1,
      match: (q) => q.path.endsWith('/spam_reports'),
      status: 200,
      body: { email: 'x' },
    });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toMatch(/it is not a list/);
    expect(suppressionCount()).toBe(0);
    expect(new RelayFeedbackRepo(engine.db).state(1)?.cursors ?? {}).toEqual({});
  });

  it('says the relay is not answering when it is down', async () => {
    const { fake } = await sendgridWithItem();
    fake.fault({ times: 10, status: 503, body: { errors: [{ message: 'unavailable' }] } });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toMatch(/SendGrid did not answer as expected for "sendgrid-backup"/);
    expect(suppressionCount()).toBe(0);
  });

  it('never follows a Mailgun paging.next away from the API (the key would go with it)', async () => {
    const mg = CASES[2]!;
    const { fake } = await relay(mg);
    mg.seed(fake, 'ann@example.org', 'bounce', Date.now());
    fake.fault({
      times: 1,
      status: 200,
      body: {
        items: [{ address: 'ann@example.org', created_at: new Date().toUTCString() }],
        paging: { next: 'http://127.0.0.2:9/v3/mg.shop.example/bounces?page=next' },
      },
    });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toMatch(/paging.next points away from the Mailgun API/);
    expect(suppressionCount()).toBe(0);
  });

  it('stops an SES that hands back the same page token forever', async () => {
    const ses = CASES[1]!;
    const { fake } = await relay(ses);
    const page = { SuppressedDestinationSummaries: [], NextToken: 'same' };
    fake.fault({ times: 3, status: 200, body: page });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.error).toMatch(/NextToken is not a new page token/);
    expect((fake as FakeSesRelay).verified).toBe(0); // the faults answered before the signature check
  });
});

describe('answers of the wrong shape, from every relay', () => {
  const WRONG: Record<string, unknown> = {
    sendgrid: [{ email: 'ann@example.org', created: '2026-12-06' }],
    ses: { SuppressedDestinationSummaries: [{ EmailAddress: 5, Reason: 'BOUNCE', LastUpdateTime: 1 }] },
    mailgun: { items: [{ address: null, created_at: 'Sun, 06 Dec 2026 10:00:00 GMT' }], paging: {} },
    postmark: { TotalCount: 'many', Bounces: [] },
    brevo: { count: 1, contacts: 'ann@example.org' },
  };
  it.each(CASES)('$preset: refused in plain words, nothing written', async (c) => {
    espList();
    const { fake } = await relay(c);
    c.seed(fake, PEOPLE[0]!, 'bounce', Date.now() - 60_000);
    fake.fault({ times: 1, status: 200, body: WRONG[c.preset] });
    const r = only(await pullRelayFeedback(engine, { secrets }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/sent an answer to GET .* that its API does not document/);
    expect(suppressionCount()).toBe(0);
    expect(statusOf(PEOPLE[0]!)).toBe('subscribed');
    // The relay answers properly again: the next pull lands it.
    expect(only(await pullRelayFeedback(engine, { secrets })).added.bounce).toBe(1);
  });
});

describe('relay feedback around it', () => {
  it('is counted in the incident report', async () => {
    espList();
    const incident = engine.repos.incidents.open(
      null,
      'Mailchimp is down',
      new Date(Date.now() - 7_200_000).toISOString(),
    );
    const { fake } = await relay(CASES[0]!, 'sg');
    CASES[0]!.seed(fake, PEOPLE[0]!, 'bounce', Date.now() - 600_000);
    CASES[0]!.seed(fake, PEOPLE[1]!, 'bounce', Date.now() - 500_000);
    CASES[0]!.seed(fake, PEOPLE[2]!, 'complaint', Date.now() - 400_000);
    // Before the incident: not counted.
    CASES[0]!.seed(fake, PEOPLE[3]!, 'bounce', Date.now() - 3 * 3_600_000);
    await pullRelayFeedback(engine, { secrets });
    const report = buildReport(engine, incident.id);
    expect(report.relayFeedback).toEqual([
      { provider: 'sg', kind: 'bounce', count: 2 },
      { provider: 'sg', kind: 'complaint', count: 1 },
    ]);
    expect(renderReportHtml(report)).toContain('sg: 2 bounces, 1 spam complaint');
  });

  it('keeps the API key in the secret file only: never in the database file', async () => {
    const keys = CASES.map((c) => c.key);
    for (const c of CASES) await relay(c);
    await pullRelayFeedback(engine, { secrets });
    engine.db.pragma('wal_checkpoint(TRUNCATE)');
    const files = [engine.dbPath, `${engine.dbPath}-wal`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const k of keys) {
      for (const part of [k, ...k.split(':')].filter((p) => p.length >= 12)) {
        for (const form of [
          part,
          Buffer.from(part).toString('base64'),
          Buffer.from(`api:${part}`).toString('base64'),
          encodeURIComponent(part),
        ])
          expect(bytes.includes(Buffer.from(form)), `${form} in the database`).toBe(false);
      }
    }
    expect(readFileSync(`${dir}/secrets.enc`).includes(Buffer.from(keys[0]!))).toBe(false);
  });

  it('pulls after a campaign the relay carried, and periodically while the provider is in use', async () => {
    const { listId } = espList();
    const { fake, providerId } = await relay(CASES[0]!, 'sg');
    CASES[0]!.seed(fake, PEOPLE[0]!, 'bounce', Date.now() - 60_000);
    const campaign = addCampaign(engine, { listId });
    const sub = engine.db
      .prepare('SELECT id FROM subscribers WHERE email_norm = ?')
      .pluck()
      .get(PEOPLE[0]) as number;
    engine.db
      .prepare(
        `INSERT INTO deliveries (campaign_id, subscriber_id, email, state, provider_id, message_id, sent_at, updated_at)
         VALUES (?, ?, ?, 'sent', ?, '<m1@shop.example>', ?, ?)`,
      )
      .run(campaign, sub, PEOPLE[0], providerId, engine.now(), engine.now());
    const stop = new AbortController();
    const idle = pullAfterCampaigns(engine, stop.signal);
    engine.record({ type: 'send.finished', message: 'done', campaignId: campaign });
    await idle();
    expect(suppression(PEOPLE[0]!)).toEqual({ reason: 'bounced', source: 'relay:sg:bounce' });
    stop.abort();

    // Periodically: only a provider that sent lately is asked.
    const job = relayFeedbackJob(engine);
    expect(job.everyMs()).toBeGreaterThan(0);
    CASES[0]!.seed(fake, PEOPLE[1]!, 'bounce', Date.now() - 30_000);
    expect(await job.run(new AbortController().signal)).toBe('no relay in use has an API key');
    expect(suppression(PEOPLE[1]!)).toBeUndefined();
    engine.db
      .prepare('INSERT INTO provider_daily (provider_id, day, sent) VALUES (?, ?, 1)')
      .run(providerId, new Date().toISOString().slice(0, 10));
    expect(await job.run(new AbortController().signal)).toBe('sg: 1 new');
    expect(suppression(PEOPLE[1]!)).toEqual({ reason: 'bounced', source: 'relay:sg:bounce' });
  });
});

describe('understudy providers set-api-key / pull-suppressions', () => {
  async function run(args: string[], env: Record<string, string>, stdinLines: string[] = []) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += String(d)));
    stderr.on('data', (d) => (err += String(d)));
    const io: Io = {
      stdout,
      stderr,
      env: { ...env },
      stdin: Readable.from(stdinLines.length ? [stdinLines.map((l) => `${l}\n`).join('')] : []),
    };
    const code = await main(args, io);
    return { code, out, err };
  }

  it('takes the key from stdin (never argv), pulls with --json, and fails with exit 1 and plain words on a refused key', async () => {
    const c = CASES[0]!;
    const fake = (await c.start()) as FakeSendgridRelay;
    fakes.push(fake);
    const dbPath = engine.dbPath;
    await addSmtpProvider(
      engine,
      { name: 'sg', preset: 'sendgrid', user: 'apikey', password: 'smtp-password-9' },
      secrets,
    );
    await engine.close();
    const env = { UNDERSTUDY_PASSPHRASE: 'test passphrase' };
    const db = ['--db', dbPath];

    const set = await run(['providers', 'set-api-key', 'sg', '--api-url', fake.baseUrl, ...db], env, [c.key]);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toContain('"sg": SendGrid API key saved');

    c.seed(fake, 'ann@example.org', 'bounce', Date.now() - 60_000);
    c.seed(fake, 'bob@example.org', 'complaint', Date.now() - 50_000);
    const pulled = await run(['providers', 'pull-suppressions', '--json', ...db], env);
    expect(pulled.code).toBe(0);
    const doc = JSON.parse(pulled.out) as { results: RelayPullResult[] };
    expect(doc.results[0]).toMatchObject({
      provider: 'sg',
      ok: true,
      added: { bounce: 1, complaint: 1, unsubscribe: 0 },
    });
    const again = await run(['providers', 'pull-suppressions', 'sg', ...db], env);
    expect(again.out).toContain('sg\tSendGrid\tnothing new');

    fake.apiKey = 'SG.rotated-at-sendgrid';
    const refused = await run(['providers', 'pull-suppressions', 'sg', ...db], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('SendGrid refused the API key of "sg" (HTTP 401)');
    expect(refused.err).toContain('understudy providers set-api-key sg');
    expect(refused.err + refused.out).not.toContain(c.key);

    // A relay without an API (a custom server) says so.
    const none = await run(['providers', 'set-api-key', 'nope', ...db], env, ['x']);
    expect(none.code).toBe(1);
  });
});
