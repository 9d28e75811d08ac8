/**
 * The outage story end to end, in the browser: a list, a primary and a backup SMTP account (real
 * nodemailer smtp-server instances on loopback), a scheduled campaign; the primary goes down, the
 * health check opens an incident, the banner shows the campaign at risk, "send via backup" states
 * what will happen and sends it through the backup only; the incident report shows it.
 */
import { test, expect, shot } from './fixtures';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp';

const RECIPIENTS = 20;

function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

test('primary goes down: incident banner, send via backup, the report shows it', async ({ app, serve }) => {
  test.setTimeout(150_000);
  const servers: SmtpCapture[] = [];
  try {
    const primary = await startSmtpServer();
    const backup = await startSmtpServer();
    servers.push(primary, backup);

    // A list (the wizard itself is covered in lists.spec.ts): upload through browser mode's endpoint.
    const rows = Array.from({ length: RECIPIENTS }, (_, i) => `fan.${i}@example.com,Fan${i}`);
    const up = await app.request.post(`${serve.url}upload/import?list=Customers&name=customers.csv`, {
      headers: { 'content-type': 'text/csv' },
      data: `Email Address,First Name\n${rows.join('\n')}\n`,
    });
    expect((await up.json()).ok).toBe(true);

    // Settings every marketing message needs, and a quick "down" for the test.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    await app.getByLabel('Postal address').fill('1 Main Street, Springfield');
    await app.getByLabel('Unsubscribe address').fill('unsubscribe@example.com');
    await app.getByRole('button', { name: 'Save sending settings' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Saved.' }).first()).toBeVisible();
    await app.getByLabel('Failed checks before “down”').fill('1');
    await app.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Saved.' }).nth(1)).toBeVisible();
    await shot(app, 'settings-filled');

    // The primary and the backup SMTP accounts.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Providers' }).click();
    for (const [name, srv] of [
      ['Primary', primary],
      ['Backup', backup],
    ] as const) {
      await app.getByRole('button', { name: 'Add SMTP account…' }).click();
      const dlg = app.getByRole('dialog', { name: 'Add an SMTP account' });
      await dlg.getByLabel('Name', { exact: true }).fill(name);
      await dlg.getByLabel('Server').fill('127.0.0.1');
      await dlg.getByLabel('Port').fill(String(srv.port));
      await dlg.getByLabel('Security').selectOption('none');
      await dlg.getByRole('button', { name: 'Add account' }).click();
      await expect(dlg).toHaveCount(0);
    }
    const table = app.getByTestId('providers-table');
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(table.getByRole('row').nth(1)).toContainText('Primary');
    await expect(table.getByRole('row').nth(2)).toContainText('Backup');
    await table.getByRole('row').nth(2).getByRole('button', { name: 'Test connection' }).click();
    await expect(table.getByRole('row').nth(2).getByRole('status')).toContainText('✓');
    await shot(app, 'providers');

    // A campaign scheduled two hours from now.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await app.getByRole('button', { name: 'New campaign…' }).click();
    const nc = app.getByRole('dialog', { name: 'New campaign' });
    await nc.getByLabel('Name', { exact: true }).fill('Winter sale');
    await nc.getByLabel('Subject').fill('Our winter sale starts today');
    await nc.getByLabel('From').fill('Shop <news@example.com>');
    await nc.getByLabel('Send at (empty: draft)').fill(localInput(new Date(Date.now() + 2 * 3600_000)));
    await nc.getByRole('button', { name: 'Create' }).click();
    const detail = app.getByRole('dialog', { name: 'Winter sale' });
    await expect(detail).toContainText('scheduled');
    await expect(detail.locator('iframe[sandbox=""]')).toBeVisible();
    await expect(detail.frameLocator('iframe').locator('body')).toContainText('Hello Fan0');
    // What to review before it goes out: here, no https unsubscribe URL (so no one-click unsubscribe).
    await expect(detail.getByTestId('campaign-review')).toContainText('one-click');
    // A test to the marketer, with the values of the person previewed; the campaign does not move.
    await detail.getByLabel('Send a test to').fill('me@example.com');
    await detail.getByRole('button', { name: 'Send test' }).click();
    await expect(detail.getByRole('status').filter({ hasText: 'Test sent' })).toContainText(
      'Test sent to me@example.com through Primary',
    );
    expect(primary.messages.map((m) => m.rcpt)).toEqual([['me@example.com']]);
    expect(primary.messages[0]!.raw).toMatch(/^Subject: \[Test\] Our winter sale starts today$/m);
    await expect(detail).toContainText('scheduled');
    await shot(app, 'campaign-detail');
    await detail.getByRole('button', { name: 'Close' }).click();
    await shot(app, 'campaigns');

    // The primary goes down.
    await servers.shift()!.stop();
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Dashboard' }).click();
    await app.getByRole('button', { name: 'Check now' }).click();
    const banner = app.getByTestId('incident-banner');
    await expect(banner).toContainText('Primary is down');
    await expect(banner.getByTestId('affected-campaign')).toContainText('Winter sale');
    await shot(app, 'dashboard-incident');

    // Send via backup: the confirmation states recipients, providers, caps and the finish time.
    await banner.getByRole('button', { name: 'Send via backup…' }).click();
    const svb = app.getByRole('dialog', { name: 'Send via backup' });
    const facts = svb.getByTestId('svb-facts');
    await expect(facts).toContainText(`${RECIPIENTS} still to send`);
    // Wait for the estimate (it arrives after the facts), then: only the backup carries it, and the
    // estimate is the backup's own (an answer for every account, asked first, must not overwrite it).
    const finish = svb.getByTestId('svb-finish');
    await expect(finish).toContainText(`Backups can deliver all ${RECIPIENTS}`);
    await expect(finish).toContainText('"Backup" has no sending limit set');
    await expect(svb.getByTestId('svb-providers')).toContainText('Backup');
    await expect(svb.getByTestId('svb-providers')).not.toContainText('Primary');
    await expect(finish).not.toContainText('Primary');
    await shot(app, 'send-via-backup');
    await svb.getByRole('button', { name: `Send ${RECIPIENTS} messages now` }).click();

    await expect.poll(() => backup.messages.length, { timeout: 60_000 }).toBe(RECIPIENTS);
    await expect(app.getByTestId('app-notice')).not.toContainText('Sending', { timeout: 60_000 });
    const rcpts = new Set(backup.messages.flatMap((m) => m.rcpt));
    expect(rcpts.size).toBe(RECIPIENTS);
    expect(backup.messages[0]!.raw).toContain('1 Main Street, Springfield');

    // The campaign says where it went.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await app.getByRole('button', { name: 'Winter sale' }).click();
    await expect(app.getByTestId('by-provider')).toContainText(`Backup ${RECIPIENTS}`);
    await app.getByRole('dialog', { name: 'Winter sale' }).getByRole('button', { name: 'Close' }).click();

    // The incident, its timeline and the report.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Incidents' }).click();
    await app.getByTestId('incident-list').getByRole('button').first().click();
    await expect(app.getByTestId('incident-timeline')).toContainText('Primary');
    await app.getByLabel('Add a note to the timeline').fill('Sent the winter sale through the backup.');
    await app.getByRole('button', { name: 'Add note' }).click();
    await expect(app.getByTestId('incident-timeline')).toContainText(
      'Sent the winter sale through the backup.',
    );
    await app.getByRole('button', { name: 'Show the report' }).click();
    const report = app.frameLocator('[data-testid="incident-report"]');
    await expect(report.locator('body')).toContainText('Primary');
    await shot(app, 'incident-report');
  } finally {
    for (const s of servers) await s.stop();
  }
});
