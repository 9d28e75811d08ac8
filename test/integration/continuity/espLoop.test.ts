/**
 * Issue 13, "Done when", as a user would see it, on the fakes of all six ESPs: a real `understudy run`
 * child process (bin/understudy.mjs), a real SQLite file, a real SMTP backup (nodemailer smtp-server)
 * and the ESP's fake behind an outage proxy (503 while down), with its public status page (a Statuspage
 * fake saying "Major Service Outage" meanwhile).
 *
 * Set up with the CLI (esp add, sync, providers add, settings, policy); the ESP goes down, the mirrored
 * scheduled campaign is sent through the backup (`send ID`, which takes custody of it), and a
 * recipient unsubscribes with one click (the RFC 8058 POST from the List-Unsubscribe header of the
 * message they got, answered by the public unsubscribe endpoint). Then `understudy run` is started
 * and the ESP comes back; with no other command, the campaign is unscheduled at the ESP before its
 * send time, the unsubscribe is pushed back, the mirror is synced, and the incident's report says all
 * three. `run` stops cleanly on SIGTERM.
 *
 * The ESP staying down past its send time (alerts at 30/10/2 minutes, a confirmed double send) needs
 * the clock to move by an hour: `run` has no injectable clock, so that case is driven in-process on a
 * ManualClock in custody.test.ts (events, report) and periodic.test.ts (the alert emails).
 *
 * Waits are on state (the fake's records, `run`'s JSON events, the SMTP capture), with a deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { createContinuity } from '../../../electron/engine/continuity/adapters';
import { periodicJobs, syncIdle } from '../../../electron/engine/continuity/periodic';
import { startTeamAlerts } from '../../../electron/engine/continuity/teamAlerts';
import { openCliSecretStore } from '../../../electron/engine/secrets';
import { startUnsubscribeServer } from '../../../electron/engine/continuity/unsubscribeServer';
import { CUSTODY_EVENTS } from '../../../electron/engine/api/custody';
import { MIRROR_EVENTS } from '../../../electron/engine/api/esp';
import type { EspKind } from '../../../electron/engine/mirror/esp/types';
import { FAKES, PEOPLE } from '../../helpers/espWorld';
import { FakeStatusPage } from '../../fakes/statuspage';
import { startOutageProxy, type OutageProxy } from '../../helpers/outageProxy';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { waitUntil } from '../../helpers/wait';
import { startRun as startChild, type Run as BaseRun } from '../../helpers/runChild';

const ENV = { UNDERSTUDY_PASSPHRASE: 'esp loop test passphrase' };

interface RunEvent {
  id: number;
  type: string;
  message: string;
  providerId: number | null;
  incidentId: number | null;
}
type Run = BaseRun<RunEvent>;

function startRun(db: string): Run {
  const run = startChild<RunEvent>(db, ENV);
  cleanup.push(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  return run;
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

async function u(db: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = await cli([...args, '--db', db], { ...ENV, ...env });
  if (r.code !== 0) throw new Error(`understudy ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

function query<T>(db: string, sql: string, ...args: unknown[]): T | undefined {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).get(...args) as T | undefined;
  } finally {
    d.close();
  }
}

/** The RFC 8058 POST a mailbox provider makes for the one-click unsubscribe of a message. */
async function oneClick(db: string, message: string): Promise<number> {
  const headers = message.slice(0, message.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  const header = /^List-Unsubscribe: (.*)$/im.exec(headers)?.[1] ?? '';
  const link = /<(https:\/\/[^>]+)>/.exec(header)?.[1];
  expect(link, `List-Unsubscribe: ${header}`).toBeTruthy();
  expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
  // The public endpoint `serve --unsubscribe-only` runs, here in-process on loopback.
  const engine = Engine.open({ dbPath: db });
  try {
    engine.services.secrets.provide(await openCliSecretStore(db, ENV));
    const server = await startUnsubscribeServer({ engine, port: 0 });
    try {
      const path = new URL(link!).pathname;
      return await new Promise<number>((resolve, reject) => {
        const body = 'List-Unsubscribe=One-Click';
        const req = request(
          `${server.url.replace(/\/$/, '')}${path}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    } finally {
      await server.close();
    }
  } finally {
    await engine.close();
  }
}

async function world(kind: EspKind) {
  const sendAt = Math.floor(Date.now() / 60_000) * 60_000 + 58 * 60_000;
  const esp = await FAKES[kind](sendAt);
  cleanup.push(() => esp.stop());
  const proxy: OutageProxy = await startOutageProxy(esp.baseUrl);
  cleanup.push(() => proxy.stop());
  const relay: SmtpCapture = await startSmtpServer();
  cleanup.push(() => relay.stop());
  // The ESP's public status page (Statuspage format), which the health probe reads beside the API.
  const status = await new FakeStatusPage().start();
  cleanup.push(() => status.stop());
  const db = join(tempDir('understudy-esploop-'), 'understudy.sqlite');
  // The secret file made first with a low KDF cost (as engineWithSecrets does); each command and
  // `run` then open it at that cost instead of the production one.
  const store = await openCliSecretStore(db, ENV, undefined, { scrypt: { N: 1024, r: 8, p: 1 } });
  await store.set('test.kdf', 'low cost for tests');
  return { esp, proxy, relay, status, db, sendAt };
}

/**
 * Set up with the CLI as a user does; then the ESP goes down, the probe sees it (an incident opens) and
 * the mirrored scheduled campaign goes out through the backup with `send ID`.
 */
async function sentViaBackupWhileDown(kind: EspKind) {
  const w = await world(kind);
  const { esp, proxy, relay, status, db } = w;

  await u(
    db,
    { ESP_KEY: esp.key },
    'esp',
    'add',
    kind,
    '--name',
    'ESP',
    '--key-env',
    'ESP_KEY',
    '--base-url',
    proxy.url,
    '--status-url',
    status.url,
  );
  if (kind === 'sendgrid') {
    // SendGrid's contacts export is polled every 5 s (the connector reads the pace from the
    // connection's config); the fake's export is ready at once, so poll it at once.
    const d = new Database(db);
    d.prepare(
      `UPDATE providers SET config = json_set(config, '$.exportPollMs', 20) WHERE name = 'ESP'`,
    ).run();
    d.close();
  }
  await u(db, {}, 'sync');
  await u(db, {}, 'settings', 'set', 'postal_address', '1 Harbour Street, Portsmouth PO1 1AA, UK');
  await u(db, {}, 'settings', 'set', 'unsubscribe_mailto', 'unsubscribe@shop.example');
  await u(db, {}, 'settings', 'set', 'unsubscribe_url', 'https://shop.example/news');
  await u(
    db,
    {},
    'providers',
    'add',
    'smtp',
    '--name',
    'Backup',
    '--host',
    relay.host,
    '--port',
    String(relay.port),
    '--tls',
    'none',
  );
  await u(
    db,
    {},
    'policy',
    '--zone',
    'UTC',
    '--health-interval',
    '1',
    '--failures-to-down',
    '1',
    '--successes-to-up',
    '1',
    '--sync-every',
    '15',
    '--alert-to',
    'team@shop.example',
  );
  const campaign = query<{ id: number; status: string }>(
    db,
    `SELECT id, status FROM campaigns WHERE esp_campaign_id IS NOT NULL`,
  )!;
  expect(campaign.status).toBe('scheduled');

  // The ESP goes down; the probe sees it; the campaign goes out through the backup.
  proxy.down = true;
  status.indicator = 'major';
  status.description = 'Major Service Outage';
  await u(db, {}, 'health');
  expect(proxy.refused).toBe(1); // a health probe is one attempt: the monitor counts the failures
  const incident = query<{ id: number }>(db, `SELECT id FROM incidents WHERE closed_at IS NULL`)!;
  expect(incident).toBeTruthy();
  const sent = await u(db, {}, 'send', String(campaign.id));
  expect(sent.stdout).toContain(`${esp.label} is down`);
  expect(relay.messages.map((m) => m.rcpt[0]).sort()).toEqual(PEOPLE);
  expect(
    query(db, `SELECT 1 FROM esp_obligations WHERE campaign_id = ? AND state = 'pending'`, campaign.id),
  ).toBeTruthy();

  return { ...w, campaign, incident };
}

describe.each(Object.keys(FAKES) as EspKind[])('the ESP loop with `understudy run` at %s', (kind) => {
  it('sent via backup while down; when the ESP is back, run alone unschedules it there, pushes the unsubscribe back, syncs, and the report says so', async () => {
    const { esp, proxy, relay, status, db, sendAt, incident } = await sentViaBackupWhileDown(kind);

    // Bob unsubscribes with one click from the message he got.
    const bobs = relay.messages.find((m) => m.rcpt.includes('bob@example.org'))!;
    expect(await oneClick(db, bobs.raw)).toBe(200);
    expect(esp.scheduled()).toBe(true);
    expect(esp.unsubscribed('bob@example.org')).toBe(false);

    // `understudy run`, and nothing else from here.
    const run = startRun(db);
    const until = <T>(what: string, get: () => T | undefined | false) =>
      waitUntil(what, get, {
        timeoutMs: 30_000,
        abortIf: () => (run.child.exitCode !== null ? `understudy run exited:\n${run.stderr()}` : undefined),
      });
    await until('run to see the ESP down (its sync waits)', () =>
      run.events.find((e) => e.type === MIRROR_EVENTS.skipped),
    );
    expect(esp.scheduled()).toBe(true);

    proxy.down = false;
    status.indicator = 'none';
    status.description = 'All Systems Operational';
    await until(`${esp.label} to have the campaign unscheduled`, () => !esp.scheduled());
    expect(Date.now()).toBeLessThan(sendAt);
    await until(`${esp.label} to have bob unsubscribed`, () => esp.unsubscribed('bob@example.org'));
    const recovered = await until('the recovery line', () =>
      run.events.find((e) => e.type === CUSTODY_EVENTS.recovered),
    );
    const synced = await until('a sync after the recovery', () =>
      run.events.find((e) => e.type === 'esp.synced' && e.id > recovered.id),
    );
    await until('the team to hear the ESP is back', () =>
      relay.messages.find((m) => m.rcpt.includes('team@shop.example') && /Resolved/.test(m.raw)),
    );
    expect(await run.stop()).toBe(0);
    expect(JSON.stringify(status.lastHeaders)).not.toContain(esp.key); // the status page never sees the key
    expect(run.stderr()).toMatch(/Stopped cleanly/);
    expect(recovered.message).toContain('1 campaign(s) Understudy holds were unscheduled there');
    expect(recovered.message).toContain(
      '1 unsubscribe(s), bounce(s) and complaint(s) collected here were pushed back',
    );

    // Nobody got it twice: the backup's three messages are all (the alert email aside).
    expect(relay.messages.filter((m) => PEOPLE.includes(m.rcpt[0]!))).toHaveLength(3);

    const out = join(db, '..', 'report.html');
    await u(db, {}, 'report', String(incident.id), '--out', out);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('unscheduled at the ESP');
    expect(page).toContain('collected here were pushed back');
    expect(page).toContain(synced.message.replace(/"/g, '&quot;'));
  });
});

describe.each(Object.keys(FAKES) as EspKind[])('the ESP stays down past its send time at %s', (kind) => {
  it('the team is emailed at 30, 10 and 2 minutes with what to do at the ESP; then a confirmed double send in the report', async () => {
    const { esp, proxy, relay, status, db, sendAt, campaign, incident } = await sentViaBackupWhileDown(kind);

    // An hour must pass: `run` has no injectable clock, so its periodic work (the continuity pass with
    // the periodic jobs, and the team alert channel, as startPeriodicWork wires them) runs here on a
    // ManualClock over the same database file.
    const clock = new ManualClock(Date.now());
    const engine = Engine.open({ dbPath: db, clock });
    cleanup.push(() => engine.close());
    engine.services.secrets.provide(await openCliSecretStore(db, ENV));
    engine.services.connectorOverrides = { sleep: async () => undefined, backoffBaseMs: 1, backoffMaxMs: 2 };
    const alerts = startTeamAlerts(engine);
    const service = createContinuity(engine, { periodic: periodicJobs(engine) });
    const pass = async (at: number) => {
      clock.set(at);
      await service.pass();
      await syncIdle(engine);
      await alerts.idle();
    };
    const team = () =>
      relay.messages
        .filter((m) => m.rcpt.includes('team@shop.example'))
        .map((m) => m.raw.replace(/=\r\n/g, ''));
    for (const m of [30, 10, 2]) {
      await pass(sendAt - m * 60_000);
      const mail = team().find((t) => t.includes(`may send a campaign again in ${m} min`));
      expect(mail, `the ${m}-minute alert`).toBeDefined();
      expect(mail).toContain(`Do it by hand now: in ${esp.label}`);
    }
    expect(esp.scheduled()).toBe(true);

    // The ESP sends it at its own time, then answers again: the double send is confirmed.
    esp.send();
    proxy.down = false;
    status.indicator = 'none';
    await pass(sendAt + 60_000);
    await engine.close();
    expect(
      query(
        db,
        `SELECT 1 FROM esp_obligations WHERE campaign_id = ? AND state = 'double_sent' AND affected = 3`,
        campaign.id,
      ),
    ).toBeTruthy();
    expect(team().some((t) => t.includes('Campaign sent twice'))).toBe(true);

    const out = join(db, '..', 'report.html');
    await u(db, {}, 'report', String(incident.id), '--out', out);
    expect(readFileSync(out, 'utf8')).toContain('Confirmed double send: 3 people got a campaign twice');
  });
});
