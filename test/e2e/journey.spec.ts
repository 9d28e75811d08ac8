/**
 * Issue 15, Tests: a whole ESP outage in the app, with no command line. Browser mode (`understudy
 * serve`, a real SQLite file), the Mailchimp fake behind an outage proxy (503 while down) with its
 * status page (a Statuspage fake), and a real SMTP backup (nodemailer smtp-server on loopback) whose
 * replies the test holds back at one point, so a pause lands mid-send without any sleep.
 *
 * The marketer connects Mailchimp and syncs it (a list and a scheduled campaign mirrored); Mailchimp
 * goes down; the outage banner names the campaign and what happens if they do nothing; they send it
 * through the backup from the banner, pause it mid-send and resume it; it completes through the
 * backup; Mailchimp comes back and the app shows the recovery (the campaign unscheduled there, the
 * incident over); the incident report shows the backup send, and a subscriber notice is written.
 * Every step is a click or a keystroke on what the screen shows; every wait is on what it shows.
 */
import type { Page } from '@playwright/test';
import { test, expect, shot } from './fixtures';
import { FakeMailchimp } from '../fakes/mailchimp';
import { FakeStatusPage } from '../fakes/statuspage';
import { startOutageProxy } from '../helpers/outageProxy';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp';
import { iso } from '../helpers/espWorld';

const PEOPLE = Array.from({ length: 24 }, (_, i) => `fan.${i}@example.org`);
/**
 * Messages the backup accepts at once before it holds its replies (gatedRelay): fewer than the people
 * minus what the sender can have in flight, so the pause always leaves some waiting.
 */
const BEFORE_PAUSE = 4;

const COMMAND_LINE = /understudy [a-z]|UNDERSTUDY_|(^|\s)--[a-z]/;
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d/;
const EVENT_CODE =
  /\b(?:send|custody|esp|campaign|provider|incident|health|schedule|outage|notice)\.[a-z_]+\b/;

const go = (app: Page, name: string) =>
  app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

/**
 * What the window says: never a command to type, never a machine timestamp, never an event the app
 * has no words for.
 */
async function plainWords(app: Page): Promise<void> {
  const text = await app.locator('body').innerText();
  expect(text).not.toMatch(COMMAND_LINE);
  expect(text).not.toMatch(ISO_TIME);
  expect(text).not.toMatch(EVENT_CODE);
  expect(text).not.toContain('no words for yet');
}

/**
 * A backup SMTP server that, once it has accepted `holdAfter` messages, holds its answer to each further
 * message's data until `release()`: the sender waits for it, as it would for a slow relay.
 */
async function gatedRelay(holdAfter: number): Promise<{
  relay: SmtpCapture;
  accepted: () => string[];
  release(): void;
}> {
  let holding = true;
  const waiting: (() => void)[] = [];
  const accepted: string[] = [];
  const relay = await startSmtpServer({
    extra: {
      onData(stream, session, cb) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          const ack = () => {
            accepted.push(...session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
            cb();
          };
          if (holding && accepted.length >= holdAfter) waiting.push(ack);
          else ack();
        });
      },
    },
  });
  return {
    relay,
    accepted: () => [...accepted],
    release: () => {
      holding = false;
      for (const f of waiting.splice(0)) f();
    },
  };
}

test('a Mailchimp outage from start to finish, in the app alone', async ({ app }) => {
  test.setTimeout(90_000);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    // Mailchimp (its fake), with a list and a campaign it will send in 58 minutes.
    const sendAt = Math.floor(Date.now() / 60_000) * 60_000 + 58 * 60_000;
    const mc = new FakeMailchimp();
    await mc.start();
    stops.push(() => mc.stop());
    mc.addList('L1', 'Newsletter');
    for (const e of PEOPLE) mc.upsertMember('L1', e, {});
    mc.campaigns.set('C1', {
      id: 'C1',
      status: 'schedule',
      send_time: iso(sendAt).replace('Z', '+00:00'),
      list_id: 'L1',
      subject_line: 'Our winter sale starts today',
      title: 'Winter sale',
      from_name: 'Acme',
      reply_to: 'news@acme.example',
      html: '<p>Hello *|FNAME|*</p>',
      plain_text: 'Hello *|FNAME|*',
    });
    const proxy = await startOutageProxy(mc.baseUrl);
    stops.push(() => proxy.stop());
    const status = await new FakeStatusPage().start();
    stops.push(() => status.stop());
    const gate = await gatedRelay(BEFORE_PAUSE);
    stops.push(() => gate.relay.stop());

    // Settings every marketing message needs, and "down" after one failed check.
    await go(app, 'Settings');
    await app.getByLabel('Postal address').fill('1 Harbour Street, Portsmouth');
    await app.getByLabel('Unsubscribe address').fill('unsubscribe@acme.example');
    await app.getByRole('button', { name: 'Save sending settings' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Saved.' }).first()).toBeVisible();
    await app.getByLabel('Failed checks before “down”').fill('1');
    await app.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Saved.' }).nth(1)).toBeVisible();

    // The backup SMTP account, one message at a time.
    await go(app, 'Providers');
    await app.getByRole('button', { name: 'Add SMTP account…' }).click();
    const add = app.getByRole('dialog', { name: 'Add an SMTP account' });
    await add.getByLabel('Name', { exact: true }).fill('Backup relay');
    await add.getByLabel('Server').fill('127.0.0.1');
    await add.getByLabel('Port').fill(String(gate.relay.port));
    await add.getByLabel('Security').selectOption('none');
    await add.getByRole('button', { name: 'Add account' }).click();
    await expect(add).toHaveCount(0);

    // Mailchimp connected (its API address and status page under "Advanced": the fakes'), then synced.
    await app.getByRole('button', { name: 'Connect an ESP…' }).click();
    const connect = app.getByRole('dialog', { name: 'Connect an ESP' });
    await connect.getByLabel('ESP').selectOption({ label: 'Mailchimp' });
    await connect.getByLabel('Name').fill('Mailchimp');
    await connect.getByLabel('API key').fill(mc.key);
    await connect.getByText('Advanced').click();
    await connect.getByLabel('API address').fill(proxy.url);
    await connect.getByLabel('Status page').fill(status.url);
    await shot(app, 'journey-0-connect-esp');
    await connect.getByRole('button', { name: 'Connect' }).click();
    await expect(connect).toHaveCount(0);
    const esp = app.getByRole('listitem').filter({ has: app.getByRole('button', { name: 'Sync now' }) });
    await expect(esp).toContainText('Mailchimp');
    await esp.getByRole('button', { name: 'Sync now' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'up to date' })).toContainText(
      `Your 1 list is up to date: ${PEOPLE.length} new`,
    );
    await shot(app, 'journey-1-connected');
    await plainWords(app);

    await go(app, 'Campaigns');
    const row = app.getByRole('row').filter({ hasText: 'Winter sale' });
    await expect(row).toContainText('scheduled');
    await expect(row).toContainText('Newsletter');

    // Mailchimp goes down; a check sees it; the banner says what is at risk and what happens if nothing is done.
    proxy.down = true;
    status.indicator = 'major';
    status.description = 'Major Service Outage';
    await go(app, 'Dashboard');
    await app.getByRole('button', { name: 'Check now' }).click();
    const banner = app.getByRole('alert').filter({ hasText: 'Winter sale' });
    await expect(banner).toContainText('Mailchimp');
    await expect(banner).toContainText('Backup relay');
    await shot(app, 'journey-2-outage-banner');
    await plainWords(app);

    // The choice: send it through the backup, from the banner.
    await banner.getByRole('button', { name: 'Send via backup…' }).click();
    const svb = app.getByRole('dialog', { name: 'Send via backup' });
    await expect(svb).toContainText(`${PEOPLE.length} still to send`);
    await expect(svb).toContainText('Backup relay');
    await expect(svb).toContainText('unschedule');
    await shot(app, 'journey-3-send-via-backup');
    await plainWords(app);
    await svb.getByRole('button', { name: `Send ${PEOPLE.length} messages now` }).click();
    await expect(svb).toHaveCount(0);

    // Mid-send (the relay is holding its answers): the campaign shows its progress; pause it.
    await go(app, 'Campaigns');
    await app.getByRole('button', { name: 'Winter sale' }).click();
    const detail = app.getByRole('dialog', { name: 'Winter sale' });
    await expect(detail.getByText('sending', { exact: true })).toBeVisible();
    await expect(detail.getByRole('progressbar')).toBeVisible();
    await expect(detail).toContainText(`Sent${BEFORE_PAUSE}`); // the tile: Sent 4
    await detail.getByRole('button', { name: 'Pause' }).click();
    gate.release();
    await expect(detail.getByText('paused', { exact: true })).toBeVisible();
    // Stopped short: what was in flight finished, the rest waits.
    expect(gate.accepted().length).toBeLessThan(PEOPLE.length);
    await expect(detail).toContainText(/Waiting[1-9]/); // the tile: Waiting 20
    await shot(app, 'journey-4-paused');
    await plainWords(app);

    // Resumed: it completes through the backup, each person once.
    await detail.getByRole('button', { name: 'Resume' }).click();
    await expect(detail.getByText('sent', { exact: true })).toBeVisible();
    await expect(detail.getByText(/Sent through:/)).toHaveText(`Sent through: Backup relay ${PEOPLE.length}`);
    expect(gate.accepted().sort()).toEqual([...PEOPLE].sort());
    await shot(app, 'journey-5-sent');
    await detail.getByRole('button', { name: 'Close' }).click();

    // Mailchimp comes back: two good checks in a row and the app tells it first (the campaign is
    // taken off its schedule); the banner goes, the campaign says so, and the incident is over.
    expect(mc.campaigns.get('C1')!.status).toBe('schedule');
    proxy.down = false;
    status.indicator = 'none';
    status.description = 'All Systems Operational';
    await go(app, 'Dashboard');
    // Two good checks make it "up" (the default); the first answer is awaited so they are two.
    const check = app.getByRole('button', { name: 'Check now' });
    const first = app.waitForResponse((r) => r.url().endsWith('/api/checkHealthNow'));
    await check.click();
    await first;
    await check.click();
    await expect(app.getByRole('alert').filter({ hasText: 'Winter sale' })).toHaveCount(0);
    await go(app, 'Campaigns');
    await app.getByRole('button', { name: 'Winter sale' }).click();
    await expect(detail.getByRole('note').filter({ hasText: 'At Mailchimp' })).toContainText(
      'Mailchimp no longer has this campaign scheduled',
    );
    expect(mc.campaigns.get('C1')!.status).not.toBe('schedule');
    await detail.getByRole('button', { name: 'Close' }).click();

    await go(app, 'Incidents');
    const incident = app.getByRole('button', { name: /Mailchimp is down/ });
    await expect(incident).toContainText('Over');
    await incident.click();
    const timeline = app.getByRole('article', { name: 'Incident' });
    await expect(timeline.getByText('Mailchimp confirmed it will not send Winter sale.')).toBeVisible();
    await expect(timeline.getByText('Mailchimp is back and has been brought up to date.')).toBeVisible();
    await shot(app, 'journey-6-recovered');
    await plainWords(app);

    // The report shows the campaign sent through the backup.
    await app.getByRole('button', { name: 'Show the report' }).click();
    const frame = app.getByTitle('Incident report');
    const report = frame.contentFrame().locator('body');
    await expect(report.getByRole('row').filter({ hasText: `Backup relay: ${PEOPLE.length}` })).toContainText(
      'Winter sale',
    );
    const reportText = await report.innerText();
    expect(reportText).not.toMatch(COMMAND_LINE);
    expect(reportText).not.toMatch(ISO_TIME);
    expect(reportText).not.toMatch(EVENT_CODE);
    await frame.scrollIntoViewIfNeeded();
    await shot(app, 'journey-7-report');

    // And the subscribers get an apology, written from the incident (a draft to review, not sent).
    await app.getByRole('button', { name: 'Write a subscriber notice…' }).click();
    const notice = app.getByRole('form', { name: 'Subscriber notice' });
    await expect(notice.getByLabel('An apology, now that it is over')).toBeChecked();
    await notice.getByLabel('To').selectOption('Newsletter');
    await notice.getByLabel('From').fill('Acme <news@acme.example>');
    await notice.getByRole('button', { name: 'Create the notice' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Apology: Newsletter' })).toContainText(
      'draft campaign',
    );
    await shot(app, 'journey-8-notice');
    await plainWords(app);
    await go(app, 'Campaigns');
    await expect(app.getByRole('row').filter({ hasText: 'Apology: Newsletter' })).toContainText('draft');
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  }
});
