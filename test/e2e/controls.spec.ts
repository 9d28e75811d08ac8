/**
 * Issue 15 §1 and §4: everything the app used to send to a terminal has a control in the app, and the
 * provider order shown is the order used. Real parts: `understudy serve`, a real SQLite file and
 * nodemailer's smtp-server on loopback.
 */
import type { Page } from '@playwright/test';
import { test, expect, shot } from './fixtures';
import { startServe } from './server';
import { startSmtpServer } from '../helpers/smtp';
import { Engine } from '../../electron/engine/engine';
import { addCampaign, addList } from '../helpers/continuity';

const SCREENS = [
  'Dashboard',
  'Lists',
  'Suppressions',
  'Campaigns',
  'Providers',
  'Readiness',
  'Incidents',
  'Backups',
  'Settings',
];
const COMMAND_LINE = /understudy [a-z]|UNDERSTUDY_|(^|\s)--[a-z]/;

const go = (app: Page, name: string) =>
  app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

async function call<T>(app: Page, url: string, name: string, input: unknown = {}): Promise<T> {
  const r = await app.request.post(`${url}api/${name}`, { data: input });
  const env = (await r.json()) as { ok: boolean; value: T; error?: unknown };
  expect(env.ok, JSON.stringify(env.error)).toBe(true);
  return env.value;
}

test('no screen shows a command line, not even in the errors it shows', async ({ app }) => {
  for (const name of SCREENS) {
    await go(app, name);
    await expect(app.getByRole('heading', { level: 1, name })).toBeVisible();
    expect(await app.locator('main, body').first().innerText()).not.toMatch(COMMAND_LINE);
  }
  // An engine error whose CLI text names a command: the app shows its own next step.
  await go(app, 'Providers');
  await app.getByRole('button', { name: 'Run a drill now' }).click();
  const alert = app.getByRole('alert').filter({ hasText: 'No backup mailbox is set up' });
  await expect(alert).toContainText('Settings');
  expect(await alert.innerText()).not.toMatch(COMMAND_LINE);
});

test('a wrong password is found when the account is added, and fixed by editing it', async ({ app }) => {
  const smtp = await startSmtpServer({ auth: { user: 'me', pass: 'the-right-password' } });
  try {
    await go(app, 'Providers');
    await app.getByRole('button', { name: 'Add SMTP account…' }).click();
    const form = app.getByTestId('provider-form');
    await form.locator('#p-name').fill('Relay');
    await form.locator('#p-host').fill('127.0.0.1');
    await form.locator('#p-port').fill(String(smtp.port));
    await form.locator('#p-tls').selectOption('none');
    await form.locator('#p-user').fill('me');
    await form.locator('#p-pass').fill('a-wrong-password');
    await form.getByLabel(/Send the password without encryption/).check();
    await form.getByRole('button', { name: 'Add account' }).click();
    await expect(app.getByTestId('provider-notice')).toContainText(
      '“Relay” was added, but its login test failed',
    );
    await shot(app, 'providers-login-test-failed');

    await app.getByRole('button', { name: 'Edit Relay' }).click();
    const edit = app.getByTestId('provider-form');
    await expect(edit.getByRole('heading', { name: 'Edit Relay' })).toBeVisible();
    await edit.locator('#p-pass').fill('the-right-password');
    await edit.getByLabel(/Send the password without encryption/).check();
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(app.getByTestId('provider-notice')).toContainText(
      '“Relay” was changed and its login test passed',
    );
    await expect(app.getByTestId('providers-table').getByRole('status')).toContainText('✓');
  } finally {
    await smtp.stop();
  }
});

test('the order shown is the order used: reordering persists, sharing the load is a choice', async ({
  app,
  serve,
}) => {
  // Two accounts added as before this change: the same priority, so sends were split between them.
  for (const name of ['Alpha', 'Beta'])
    await call(app, serve.url, 'addProvider', { name, host: '127.0.0.1', port: 2525, tls: 'none' });
  await go(app, 'Providers');
  const rows = app.getByTestId('provider-row');
  await expect(rows).toHaveCount(2);
  // The screen says what happens: Beta shares the load with Alpha.
  await expect(rows.getByTestId('provider-place')).toHaveText(['1', '1']);
  await expect(rows.nth(1).getByLabel('Shares the load with Alpha')).toBeChecked();

  await app.getByRole('button', { name: 'Move Beta up' }).click();
  await expect(rows.first().getByRole('rowheader')).toHaveText('Beta');
  await expect(rows.getByTestId('provider-place')).toHaveText(['1', '2']);
  await app.reload();
  await go(app, 'Providers');
  await expect(rows.first().getByRole('rowheader')).toHaveText('Beta');
  let list = await call<{ name: string; priority: number }[]>(app, serve.url, 'listProviders');
  expect(list.map((p) => [p.name, p.priority])).toEqual([
    ['Beta', 10],
    ['Alpha', 20],
  ]);

  // One place for both now; within it the rows are listed oldest first (Alpha), the box checked.
  await rows.nth(1).getByLabel('Shares the load with Beta').click();
  await expect(rows.getByTestId('provider-place')).toHaveText(['1', '1']);
  await expect(rows.nth(1).getByRole('checkbox')).toBeChecked();
  list = await call<{ name: string; priority: number }[]>(app, serve.url, 'listProviders');
  expect(list[0]!.priority).toBe(list[1]!.priority);
});

test('a missed send time is answered on the dashboard', async ({ page }) => {
  const serve = await startServe();
  try {
    const engine = Engine.open({ dbPath: serve.dbPath });
    try {
      const listId = addList(engine, 'Customers', ['ann@example.org']);
      const id = addCampaign(engine, {
        listId,
        name: 'Spring sale',
        status: 'scheduled',
        scheduledAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
      });
      engine.repos.schedules.setHold(id, 'catchup', engine.now());
    } finally {
      await engine.close();
    }
    await page.goto(serve.loginUrl);
    const choice = page.getByRole('group', { name: 'Spring sale: missed its send time' });
    await expect(choice).toBeVisible();
    await shot(page, 'dashboard-catchup');
    await choice.getByRole('button', { name: 'Skip' }).click();
    await expect(choice).toHaveCount(0);
    const r = await page.request.post(`${serve.url}api/listCampaigns`, { data: {} });
    const list = ((await r.json()) as { value: { name: string; status: string }[] }).value;
    expect(list.find((c) => c.name === 'Spring sale')?.status).toBe('cancelled');
  } finally {
    await serve.stop();
  }
});

test('browser mode started without the passphrase: the secret store is unlocked in the app', async ({
  page,
}) => {
  const serve = await startServe({ env: { UNDERSTUDY_PASSPHRASE: '' } });
  try {
    await page.goto(serve.loginUrl);
    await go(page, 'Providers');
    const lock = page.getByTestId('secrets-lock');
    await expect(lock).toContainText('Passwords are locked');
    expect(await lock.innerText()).not.toMatch(COMMAND_LINE);
    await lock.getByLabel('Passphrase').fill('short');
    await lock.getByRole('button', { name: 'Unlock' }).click();
    await expect(lock.getByRole('alert')).toContainText('shorter than 12 characters');
    await lock.getByLabel('Passphrase').fill('a long enough passphrase');
    await lock.getByRole('button', { name: 'Unlock' }).click();
    await expect(lock).toHaveCount(0);
    const r = await page.request.post(`${serve.url}api/secretsStatus`, { data: {} });
    expect(((await r.json()) as { value: { open: boolean } }).value.open).toBe(true);
  } finally {
    await serve.stop();
  }
});
