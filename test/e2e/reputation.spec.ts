/**
 * Issue 16 §5 in the browser: the provider dialog shows and edits when a backup is paused for bounces
 * or spam complaints (and keep-warm); the send-via-backup confirmation of a cold backup offers to
 * leave out the people most likely to hurt it, says how many, and the send leaves them out (counted
 * as skipped). A real nodemailer smtp-server on loopback receives the mail.
 */
import { test, expect, shot } from './fixtures';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp';

test('reputation guard: limits in the provider dialog, risky people left out of a send through a cold backup', async ({
  app,
  serve,
}) => {
  test.setTimeout(120_000);
  let backup: SmtpCapture | null = null;
  try {
    backup = await startSmtpServer();
    const upload = async (list: string, csv: string) => {
      const r = await app.request.post(`${serve.url}upload/import?list=${list}&name=${list}.csv`, {
        headers: { 'content-type': 'text/csv' },
        data: csv,
      });
      expect((await r.json()).ok).toBe(true);
    };
    const fans = Array.from({ length: 6 }, (_, i) => `fan.${i}@example.com`);
    await upload(
      'Customers',
      `email,first_name,status\n${fans.map((e, i) => `${e},Fan${i},subscribed`).join('\n')}\n`,
    );
    // Two of them signed up for another list and never confirmed.
    await upload('Old', `email,status\n${fans[1]},pending\n${fans[2]},pending\n`);

    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    await app.getByLabel('Postal address').fill('1 Main Street, Springfield');
    await app.getByLabel('Unsubscribe address').fill('unsubscribe@example.com');
    await app.getByRole('button', { name: 'Save sending settings' }).click();
    await expect(app.getByRole('status').filter({ hasText: 'Saved.' }).first()).toBeVisible();

    // A SendGrid account that has never sent: cold.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Providers' }).click();
    await app.getByRole('button', { name: 'Add SMTP account…' }).click();
    const add = app.getByRole('dialog', { name: 'Add an SMTP account' });
    await add.getByLabel('Service').selectOption({ label: 'SendGrid' });
    await add.getByLabel('Name', { exact: true }).fill('Backup');
    await add.getByLabel('Server').fill('127.0.0.1');
    await add.getByLabel('Port').fill(String(backup.port));
    await add.getByLabel('Security').selectOption('none');
    await add.getByRole('button', { name: 'Add account' }).click();
    await expect(add).toHaveCount(0);

    // Its limits: SendGrid's own until edited; edited in the dialog; shown again when reopened.
    await app.getByRole('button', { name: 'Edit Backup' }).click();
    let edit = app.getByRole('dialog', { name: 'Edit Backup' });
    const guard = edit.getByTestId('provider-reputation');
    await expect(guard).toContainText('Paused during a send when 5 % or more of its recent messages bounce');
    await expect(guard).toContainText('judged only once it has handled at least 200 messages');
    await expect(edit.getByLabel('Pause when this percentage of its messages bounce')).toHaveAttribute(
      'placeholder',
      '5',
    );
    await edit.getByLabel('Pause when this percentage of its messages bounce').fill('4');
    await edit.getByLabel('Pause when this percentage of its messages are reported as spam').fill('0.05');
    await edit.getByLabel(/Keep it warm/).check();
    await shot(app, 'provider-reputation');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(edit).toHaveCount(0);
    await app.getByRole('button', { name: 'Edit Backup' }).click();
    edit = app.getByRole('dialog', { name: 'Edit Backup' });
    await expect(edit.getByTestId('provider-reputation')).toContainText('when 4 % or more');
    await expect(edit.getByTestId('provider-reputation')).toContainText(
      '0.05 % or more are reported as spam',
    );
    await expect(edit.getByLabel('Pause when this percentage of its messages bounce')).toHaveValue('4');
    await expect(edit.getByLabel(/Keep it warm/)).toBeChecked();
    await edit.getByRole('button', { name: 'Cancel' }).click();

    // A campaign sent via the backup: the confirmation offers to leave the two out, ticked.
    await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await app.getByRole('button', { name: 'New campaign…' }).click();
    const nc = app.getByRole('dialog', { name: 'New campaign' });
    await nc.getByLabel('Name', { exact: true }).fill('Spring sale');
    await nc.getByLabel('Subject').fill('Our spring sale starts today');
    await nc.getByLabel('From').fill('Shop <news@example.com>');
    await nc.getByRole('button', { name: 'Create' }).click();
    const detail = app.getByRole('dialog', { name: 'Spring sale' });
    await detail.getByRole('button', { name: 'Send via backup…' }).click();
    const svb = app.getByRole('dialog', { name: 'Send via backup' });
    const risky = svb.getByTestId('svb-risky');
    await expect(risky).toContainText('Leave out 2 people most likely to hurt this backup’s reputation');
    await expect(risky).toContainText('never confirmed a subscription');
    await expect(risky).toContainText('"Backup" is cold');
    await expect(risky.getByRole('checkbox')).toBeChecked();
    await shot(app, 'send-via-backup-risky');
    await svb.getByRole('button', { name: 'Send 4 messages now' }).click();

    await expect.poll(() => backup!.messages.length, { timeout: 60_000 }).toBe(4);
    await expect(app.getByTestId('app-notice')).toContainText('2 skipped', { timeout: 60_000 });
    const got = new Set(backup.messages.flatMap((m) => m.rcpt));
    expect(got.has(fans[1]!)).toBe(false);
    expect(got.has(fans[2]!)).toBe(false);
  } finally {
    await backup?.stop();
  }
});
