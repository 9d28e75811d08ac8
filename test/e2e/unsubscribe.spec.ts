/**
 * The unsubscribe page in a real browser (Chromium, no sign-in: the public path): the confirmation page
 * and its one button work under the page's own Content-Security-Policy, a broken link gets a friendly
 * page, and the marketer then finds it in "Unsubscribe requests to look at" and marks it done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, shot } from './fixtures';
import { startServe } from './server';
import { Engine } from '../../electron/engine/engine';
import { EncryptedFileSecretStore } from '../../electron/engine/secrets';
import { unsubscribeSecret } from '../../electron/engine/sending/settings';
import { unsubscribeToken } from '../../electron/engine/sending/render/tokens';
import { addCampaign, addList } from '../helpers/continuity';

const PASSPHRASE = 'e2e passphrase, not a secret';

test('a person unsubscribes from the page; a broken link reaches the review list', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-e2e-unsub-'));
  const engine = Engine.open({ dbPath: join(dir, 'understudy.sqlite') });
  let token: string;
  let ann: number;
  try {
    const list = addList(engine, 'Customers', ['ann@example.org']);
    ann = engine.repos.subscribers.byEmail(list, 'ann@example.org')!.id;
    const campaign = addCampaign(engine, { listId: list });
    engine.repos.settings.set('sending.company_name', 'Rose Bakery', engine.now());
    const store = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), PASSPHRASE);
    await store.unlock();
    token = unsubscribeToken(campaign, ann, await unsubscribeSecret(engine, store));
  } finally {
    await engine.close();
  }
  const serve = await startServe({ dir });
  try {
    await page.goto(`${serve.url}u/${token}`);
    await expect(page.getByRole('heading', { name: "Unsubscribe from Rose Bakery's emails?" })).toBeVisible();
    await expect(page.locator('body')).toContainText('“Customers” emails');
    await shot(page, 'unsubscribe-confirm');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(page.getByRole('heading', { name: "You're unsubscribed" })).toBeVisible();
    await shot(page, 'unsubscribe-done');

    const res = await page.goto(`${serve.url}u/this-link-was-cut`);
    expect(res?.status()).toBe(400);
    await expect(page.getByRole('heading', { name: 'This unsubscribe link is not complete' })).toBeVisible();

    await page.goto(serve.loginUrl);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Suppressions', exact: true })
      .click();
    const card = page.getByTestId('unsubscribe-review');
    await expect(card).toContainText('Opened an unsubscribe link');
    await expect(card).toContainText('damaged or was not made by this Understudy');
    await shot(page, 'unsubscribe-review');
    page.once('dialog', (d) => void d.accept('Nobody to find: the link was cut short'));
    await card.getByRole('button', { name: 'Done…' }).click();
    await expect(card).toContainText('No unsubscribe request is waiting for you.');
  } finally {
    await serve.stop();
    const check = Engine.open({ dbPath: join(dir, 'understudy.sqlite') });
    try {
      expect(check.repos.subscribers.byId(ann)!.status).toBe('unsubscribed');
    } finally {
      await check.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
