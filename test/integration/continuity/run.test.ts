/**
 * `understudy run` end to end on loopback, as a child process: a campaign added with `campaigns add
 * --at` fires on time; and the outage story — the primary SMTP server (Postfix smtp-sink) dies, an
 * incident opens, the campaign's policy sends it through the backup (nodemailer smtp-server), the
 * primary recovers, the incident closes, and the post-incident report shows the delay, the counts per
 * provider and the failures. SIGTERM stops it cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cli } from '../../helpers/cli';
import { startSmtpServer, startSmtpSink, type SmtpCapture, type SmtpSink } from '../../helpers/smtp';
import { tempDir } from '../../helpers/tmp';
import { waitUntil } from '../../helpers/wait';
import { startRun as startChild, type Run as BaseRun } from '../../helpers/runChild';

const ENV = { UNDERSTUDY_PASSPHRASE: 'continuity test passphrase' };

type Run = BaseRun<{
  type: string;
  message: string;
  providerId: number | null;
  incidentId: number | null;
  data: Record<string, unknown>;
}>;

function startRun(db: string): Run {
  const run: Run = startChild(db, ENV);
  running.push(run);
  return run;
}

const running: Run[] = [];
const servers: (SmtpCapture | SmtpSink)[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.stop().catch(() => undefined);
});

function until<T>(what: string, get: () => T | undefined | false, run?: Run): Promise<T> {
  return waitUntil(what, get, {
    timeoutMs: 60_000,
    abortIf: () =>
      run && run.child.exitCode !== null ? `understudy run exited:\n${run.stderr()}` : undefined,
  });
}

async function u(db: string, ...args: string[]) {
  const r = await cli([...args, '--db', db], ENV);
  if (r.code !== 0) throw new Error(`understudy ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

async function setup(dir: string, emails: string[]) {
  const db = join(dir, 'understudy.sqlite');
  const csv = join(dir, 'list.csv');
  writeFileSync(csv, `Email Address,First Name\n${emails.map((e, i) => `${e},Person${i}`).join('\n')}\n`);
  const html = join(dir, 'campaign.html');
  writeFileSync(html, '<p>Hello *|FNAME|*, our winter sale starts now.</p>');
  await u(db, 'import', csv, '--list', 'Customers');
  await u(db, 'settings', 'set', 'postal_address', '1 Harbour Street, Portsmouth PO1 1AA, UK');
  await u(db, 'settings', 'set', 'unsubscribe_mailto', 'unsubscribe@shop.example');
  return { db, html };
}

async function addCampaign(db: string, html: string, at: string): Promise<number> {
  const r = await u(
    db,
    'campaigns',
    'add',
    '--list',
    'Customers',
    '--subject',
    'Winter sale',
    '--from',
    'Shop <shop@shop.example>',
    '--html',
    html,
    '--dialect',
    'mailchimp',
    '--at',
    at,
    '--json',
  );
  const j = r.json() as { id?: number; campaign?: { id: number } };
  return j.id ?? j.campaign!.id;
}

describe('understudy run', () => {
  it('fires a campaign scheduled with `campaigns add --at` on time, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const relay = await startSmtpServer();
    servers.push(relay);
    const { db, html } = await setup(dir, ['ann@example.org', 'bob@example.org', 'cy@example.org']);
    await u(
      db,
      'providers',
      'add',
      'smtp',
      '--name',
      'Relay',
      '--host',
      relay.host,
      '--port',
      String(relay.port),
      '--tls',
      'none',
    );
    await u(db, 'policy', '--health-interval', '1');
    const at = new Date(Date.now() + 3_000).toISOString();
    const id = await addCampaign(db, html, at);
    const run = startRun(db);
    await until('3 messages at the relay', () => relay.messages.length >= 3, run);
    await until('the send to finish', () => run.events.find((e) => e.type === 'campaign.send_finished'), run);
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toMatch(/Stopped cleanly/);
    expect(relay.messages.map((m) => m.rcpt[0]).sort()).toEqual([
      'ann@example.org',
      'bob@example.org',
      'cy@example.org',
    ]);
    const check = new Database(db, { readonly: true });
    const first = check.prepare(`SELECT min(sent_at) AS t FROM deliveries WHERE campaign_id = ?`).get(id) as {
      t: string;
    };
    check.close();
    expect(Date.parse(first.t)).toBeGreaterThanOrEqual(Date.parse(at)); // never before its time
  });

  it('outage story: primary dies → incident → policy sends through the backup → recovery → report', async () => {
    const dir = tempDir();
    let sink = await startSmtpSink({ dump: true });
    const sinkPort = sink.port;
    servers.push(sink);
    const backup = await startSmtpServer({
      rejectRcpt: { 'gone@example.org': { code: 550, message: '5.1.1 <gone@example.org>: user unknown' } },
    });
    servers.push(backup);
    const { db, html } = await setup(dir, [
      'ann@example.org',
      'bob@example.org',
      'cy@example.org',
      'gone@example.org',
    ]);
    await u(
      db,
      'providers',
      'add',
      'smtp',
      '--name',
      'Primary',
      '--host',
      '127.0.0.1',
      '--port',
      String(sinkPort),
      '--tls',
      'none',
      '--priority',
      '1',
    );
    await u(
      db,
      'providers',
      'add',
      'smtp',
      '--name',
      'Backup',
      '--host',
      backup.host,
      '--port',
      String(backup.port),
      '--tls',
      'none',
      '--priority',
      '2',
    );
    await u(
      db,
      'policy',
      '--outage',
      'backup',
      '--health-interval',
      '1',
      '--failures-to-down',
      '2',
      '--successes-to-up',
      '2',
    );

    const run = startRun(db);
    const healthTo = (to: string, provider: string) =>
      run.events.find(
        (e) => e.type === 'health.changed' && e.data.to === to && e.message.startsWith(`${provider}:`),
      );
    await until('Primary operational', () => healthTo('operational', 'Primary'), run);
    await sink.kill();
    const opened = await until(
      'an incident to open',
      () => run.events.find((e) => e.type === 'incident.opened'),
      run,
    );
    const incidentId = opened.incidentId!;

    const at = new Date(Date.now() + 1_500).toISOString();
    const id = await addCampaign(db, html, at);
    await until(
      'the campaign to go through the backup',
      () => run.events.find((e) => e.type === 'outage.backup'),
      run,
    );
    const finished = await until(
      'the send to finish',
      () => run.events.find((e) => e.type === 'campaign.send_finished'),
      run,
    );
    expect(finished.data.via).toBe('Backup');

    sink = await startSmtpSink({ dump: true, port: sinkPort });
    servers.push(sink);
    await until(
      'the incident to close',
      () => run.events.find((e) => e.type === 'incident.closed' && e.incidentId === incidentId),
      run,
    );
    expect(await run.stop()).toBe(0);

    // Nothing reached the dead primary; the backup got each subscriber once; gone@ was refused.
    expect(sink.received()).toEqual([]);
    expect(backup.messages.map((m) => m.rcpt[0]).sort()).toEqual([
      'ann@example.org',
      'bob@example.org',
      'cy@example.org',
    ]);

    const out = join(dir, 'report.html');
    const r = await u(db, 'report', String(incidentId), '--out', out, '--json');
    const report = r.json() as {
      incident: { status: string };
      campaigns: {
        id: number;
        scheduledAt: string;
        firstSentAt: string;
        delayMs: number;
        sent: number;
        failed: number;
        byProvider: Record<string, number>;
      }[];
      byProvider: Record<string, number>;
      failures: { errorClass: string; state: string; smtpCode: number | null; count: number }[];
    };
    expect(report.incident.status).toBe('closed');
    const c = report.campaigns.find((x) => x.id === id)!;
    expect(c).toMatchObject({ sent: 3, failed: 1, byProvider: { Backup: 3 } });
    expect(c.delayMs).toBe(Date.parse(c.firstSentAt) - Date.parse(c.scheduledAt));
    expect(c.delayMs).toBeGreaterThanOrEqual(0);
    expect(report.byProvider).toEqual({ Backup: 3 });
    expect(report.failures).toEqual([
      expect.objectContaining({ state: 'failed_perm', smtpCode: 550, count: 1 }),
    ]);
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/<svg/);
    expect(page).toContain('Backup');
    expect(page).toContain('Winter sale');
    // The timeline in words, never the event's code.
    expect(page).toMatch(/has an outage/);
    expect(page).not.toMatch(/<td>incident\.opened<\/td>/);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
  });
});
