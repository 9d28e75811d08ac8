/** Every screen renders, is reachable by keyboard, and is saved as a screenshot to test/artifacts/. */
import { test, expect, shot } from './fixtures';
import { seedSuppressions } from '../helpers/suppressions';

const SCREENS = [
  'Dashboard',
  'Lists',
  'Suppressions',
  'Campaigns',
  'Providers',
  'Incidents',
  'Backups',
  'Settings',
];

test('every screen renders with a heading and is reachable from the navigation', async ({ app }) => {
  for (const name of SCREENS) {
    const item = app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });
    await item.click();
    await expect(app.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(item).toHaveAttribute('aria-current', 'page');
    await shot(app, `screen-${name.toLowerCase()}`);
  }
});

test('the navigation works from the keyboard alone', async ({ app }) => {
  const nav = app.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Dashboard' }).focus();
  await app.keyboard.press('Tab');
  await expect(nav.getByRole('button', { name: 'Lists' })).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { level: 1, name: 'Lists' })).toBeVisible();
});

test('a wrong token is refused and says what to do', async ({ page, serve }) => {
  const res = await page.goto(`${serve.url}?token=wrong`);
  expect(res?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('wrong token');
});

test('suppressions: plain reasons and dates, a filter, and a complaint allowed again only after its warning', async ({
  app,
  serve,
}) => {
  await seedSuppressions(serve.dir);
  await app
    .getByRole('navigation', { name: 'Main' })
    .getByRole('button', { name: 'Suppressions', exact: true })
    .click();
  const table = app.getByTestId('suppressions-table');
  await expect(table.getByRole('row')).toHaveCount(7);
  await expect(table).toContainText('Reported your mail as spam');
  await expect(table).toContainText('days ago');
  await expect(table).not.toContainText(/\d{4}-\d\d-\d\dT\d\d/);
  await shot(app, 'suppressions');

  await app.getByLabel('Filter by reason').selectOption('complained');
  await expect(table.getByRole('row')).toHaveCount(2);
  await table.getByRole('button', { name: 'Allow mail again…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Allow mail to carol@example.com again?' });
  await expect(dialog.getByTestId('complaint-warning')).toContainText('reported your mail as spam');
  const go = dialog.getByRole('button', { name: 'Allow mail again', exact: true });
  await expect(go).toBeDisabled();
  await dialog.getByLabel(/^Why\?/).fill('She wrote to ask for the newsletter again');
  await expect(go).toBeDisabled();
  await dialog.getByLabel('They asked me to send them mail again').check();
  await shot(app, 'suppressions-allow-complaint');
  await go.click();
  await expect(app.getByTestId('app-notice')).toContainText('carol@example.com can get your mail again');
  await expect(app.getByTestId('suppressions-empty')).toBeVisible();
  await app.getByLabel('Filter by reason').selectOption('');
  await expect(app.getByText('Recently allowed again')).toBeVisible();
  await expect(app.getByText(/She wrote to ask for the newsletter again/)).toBeVisible();
});
