/**
 * Browser mode as a browser user expects it (issue 15 §6): the address bar and Back/Forward move between
 * screens, and after `understudy serve` is started again an open tab says to open the new link instead
 * of "Connecting…" forever. Real parts: `understudy serve` (stopped and started again on the same data
 * folder and port), Debian's Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { startServe } from './server';

test('Back and Forward move between screens, and the address names the screen', async ({ app }) => {
  const nav = app.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Lists', exact: true }).click();
  await expect(app).toHaveURL(/#lists$/);
  await nav.getByRole('button', { name: 'Providers', exact: true }).click();
  await expect(app).toHaveURL(/#providers$/);
  await app.goBack();
  await expect(app.getByRole('heading', { level: 1, name: 'Lists' })).toBeVisible();
  await expect(nav.getByRole('button', { name: 'Lists', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
  await app.goBack();
  await expect(app.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await app.goForward();
  await expect(app.getByRole('heading', { level: 1, name: 'Lists' })).toBeVisible();
  // A reload stays on the screen it shows.
  await app.reload();
  await expect(app.getByRole('heading', { level: 1, name: 'Lists' })).toBeVisible();
});

test('after serve is started again, an open tab says to open the new link', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-e2e-restart-'));
  try {
    const first = await startServe({ dir });
    const port = Number(new URL(first.url).port);
    await page.goto(first.loginUrl);
    await expect(page.getByTestId('connection')).toHaveText(/Engine connected/);
    await first.stop();
    // Stopped: the tab tries again, and says nothing answers once it has tried a few times.
    await expect(page.getByTestId('connection-problem')).toContainText('not answering', { timeout: 30_000 });

    const second = await startServe({ dir, port });
    try {
      // Started again with a new link: the old tab is signed out and says what to do.
      await expect(page.getByTestId('connection-problem')).toContainText('Open the new link', {
        timeout: 60_000,
      });
      await expect(page.getByTestId('connection')).toHaveText('Understudy was started again');
      // The new link signs the tab in again.
      await page.goto(second.loginUrl);
      await expect(page.getByTestId('connection')).toHaveText(/Engine connected/);
      await expect(page.getByTestId('connection-problem')).toHaveCount(0);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
