/** Every screen renders, is reachable by keyboard, and is saved as a screenshot to test/artifacts/. */
import { test, expect, shot } from './fixtures';

const SCREENS = ['Dashboard', 'Lists', 'Campaigns', 'Providers', 'Incidents', 'Backups', 'Settings'];

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
