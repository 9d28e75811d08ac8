/**
 * Issue 14 §5 in the app: a relay account (here SendGrid's preset, pointed at a local SMTP server)
 * takes an optional API key in its dialog; the key goes to the secret store, the account says it has
 * one, and the key is never shown again. Real parts: `understudy serve`, SQLite, smtp-server.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startSmtpServer } from '../helpers/smtp';

async function call<T>(app: Page, url: string, name: string, input: unknown = {}): Promise<T> {
  const r = await app.request.post(`${url}api/${name}`, { data: input });
  const env = (await r.json()) as { ok: boolean; value: T; error?: unknown };
  expect(env.ok, JSON.stringify(env.error)).toBe(true);
  return env.value;
}

test('a relay account takes its API key in the dialog, for the bounces it keeps to itself', async ({
  app,
  serve,
}) => {
  const smtp = await startSmtpServer({ auth: { user: 'apikey', pass: 'SG.smtp-password' } });
  const key = 'SG.feedback-key-never-shown-again';
  try {
    await app
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Providers', exact: true })
      .click();
    await app.getByRole('button', { name: 'Add SMTP account…' }).click();
    const form = app.getByTestId('provider-form');
    // No API key field for a server of one's own.
    await expect(form.getByTestId('relay-api-key')).toHaveCount(0);
    await form.locator('#p-preset').selectOption('sendgrid');
    await expect(form.getByTestId('relay-api-key')).toContainText('never reach your backup mailbox');
    await form.locator('#p-name').fill('SG backup');
    await form.locator('#p-host').fill('127.0.0.1');
    await form.locator('#p-port').fill(String(smtp.port));
    await form.locator('#p-tls').selectOption('none');
    await form.locator('#p-user').fill('apikey');
    await form.locator('#p-pass').fill('SG.smtp-password');
    await form.getByLabel(/Send the password without encryption/).check();
    await form.locator('#p-apikey').fill(key);
    await form.getByRole('button', { name: 'Add account' }).click();
    await expect(app.getByTestId('provider-notice')).toContainText('“SG backup” was added');

    const list = await call<{ name: string; hasApiKey: boolean; relayApi: string | null }[]>(
      app,
      serve.url,
      'listProviders',
    );
    expect(list.find((p) => p.name === 'SG backup')).toMatchObject({ hasApiKey: true, relayApi: 'SendGrid' });

    await app.getByRole('button', { name: 'Edit SG backup' }).click();
    const edit = app.getByTestId('provider-form');
    await expect(edit.getByText('New SendGrid API key (empty: keep)')).toBeVisible();
    await expect(edit.locator('#p-apikey')).toHaveValue('');
    expect(await app.content()).not.toContain(key);
  } finally {
    await smtp.stop();
  }
});
