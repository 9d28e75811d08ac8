/**
 * Issue 14 §4 in the app: the second backup folder and encryption are chosen on the Backups screen,
 * the same settings the engine uses (a backup taken next lands in the second folder too), and a folder
 * the engine refuses is explained in words. Real parts: `understudy serve`, a real SQLite file and real
 * folders, Debian's Chromium.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';

test('the second backup folder is chosen in the app, and the next backup is copied there', async ({
  app,
  serve,
}) => {
  const usb = join(serve.dir, 'usb-disk');
  mkdirSync(usb);
  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Backups' }).click();
  const places = app.getByRole('article', { name: 'Where backups go' });
  // The engine refuses the data folder itself, and says why in words.
  await places.getByLabel('Second backup folder').fill(serve.dir);
  await places.getByRole('button', { name: 'Save' }).click();
  await expect(places.getByRole('alert')).toContainText('must be another place than the data folder');
  await expect(places.getByRole('alert')).not.toContainText('--backup-mirror');

  await places.getByLabel('Second backup folder').fill(usb);
  await places.getByRole('button', { name: 'Save' }).click();
  await expect(places.getByRole('status')).toContainText(`Each backup is now also copied to ${usb}.`);
  await app.getByRole('button', { name: 'Back up now' }).click();
  await expect(app.getByText(/Backup taken and verified/)).toBeVisible();
  await expect.poll(() => readdirSync(usb).some((f) => f.endsWith('.sqlite'))).toBe(true);

  // Cleared: backups stay on this computer only.
  await places.getByLabel('Second backup folder').fill('');
  await places.getByRole('button', { name: 'Save' }).click();
  await expect(places.getByRole('status')).toContainText('kept on this computer only');
  expect(existsSync(usb)).toBe(true);
});
