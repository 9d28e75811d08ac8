/**
 * Issue 15 §2 and issue 16 §6 in a real browser: the dashboard's first-run checklist links each item
 * to the screen that completes it and turns it green when done; the Readiness screen shows three
 * backups — aligned and warm, misaligned, cold — judged against dnsmasq on loopback. Real parts:
 * `understudy serve` (without its background work, so no probe or drill changes the facts mid-test),
 * a real SQLite file, a real DNS server, Chromium.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, shot } from './fixtures';
import { startServe, type ServeHandle } from './server';
import { Engine } from '../../electron/engine/engine';
import { startDnsmasq } from '../helpers/dnsmasq';
import { passedDrill, readinessZone, setMailbox, threeBackups } from '../helpers/readiness';

const go = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

/** Writes into the served database directly, for the steps that need a real mailbox or a drill. */
async function withEngine(serve: ServeHandle, fn: (e: Engine) => void): Promise<void> {
  const engine = Engine.open({ dbPath: serve.dbPath });
  try {
    fn(engine);
  } finally {
    await engine.close();
  }
}

async function expectDone(page: Page, done: boolean[]): Promise<void> {
  const items = page.getByTestId('readiness-card').getByTestId('checklist-item');
  await expect(items).toHaveCount(done.length);
  for (const [i, d] of done.entries()) {
    await expect(items.nth(i)).toHaveAttribute('data-done', d ? 'yes' : 'no');
    if (d) await expect(items.nth(i)).toHaveClass(/\bdone\b/);
  }
}

test('the first-run checklist: each item opens its screen and turns green when done', async ({ page }) => {
  const serve = await startServe({ args: ['--no-background'] });
  try {
    await page.goto(serve.loginUrl);
    const card = page.getByTestId('readiness-card');
    await expect(card.getByTestId('readiness-verdict')).toHaveText('Not ready');
    await expectDone(page, [false, false, false, false, false]);
    await expect(card.getByTestId('readiness-next')).toContainText('import a list');
    await shot(page, 'readiness-checklist-empty');

    // 1. A list, imported on the screen the item opens.
    await card.getByRole('link', { name: 'Connect your ESP or import a list' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Lists' })).toBeVisible();
    const file = join(serve.dir, 'customers.csv');
    writeFileSync(file, 'Email,First name\nann@customers.test,Ann\nbob@customers.test,Bob\n');
    await page.getByRole('button', { name: 'Import a list…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a list' });
    await dialog.getByLabel('Export file from your ESP').setInputFiles(file);
    await dialog.getByLabel('Into list').fill('Customers');
    await dialog.getByRole('button', { name: /Import into/ }).click();
    await expect(dialog.getByTestId('import-headline')).toHaveText('2 people imported into “Customers”');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await go(page, 'Dashboard');
    await expectDone(page, [true, false, false, false, false]);

    // 2. A backup account.
    await card.getByRole('link', { name: 'Add a backup account' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Providers' })).toBeVisible();
    const r = await page.request.post(`${serve.url}api/addProvider`, {
      data: { name: 'Relay', host: '127.0.0.1', port: 2525, tls: 'none' },
    });
    expect(((await r.json()) as { ok: boolean }).ok).toBe(true);
    await go(page, 'Dashboard');
    await expectDone(page, [true, true, false, false, false]);

    // 3. Postal address and unsubscribe, typed into Settings.
    await card.getByRole('link', { name: 'Postal address and unsubscribe' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await page.locator('#ss-postal_address').fill('1 Market Street, Springfield');
    await page.locator('#ss-unsubscribe_mailto').fill('unsubscribe@shop.test');
    await page.getByRole('button', { name: 'Save sending settings' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await go(page, 'Dashboard');
    await expectDone(page, [true, true, true, false, false]);
    // Nothing blocks an outage any more: ready, with warnings.
    await expect(card.getByTestId('readiness-verdict')).toHaveText('Ready, with warnings');

    // 4 and 5. The backup mailbox (its form logs in over IMAP) and a drill (it needs that mailbox):
    // written as they would be, then the card shows them done.
    await card.getByRole('link', { name: 'The backup mailbox' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await withEngine(serve, (e) => setMailbox(e));
    await go(page, 'Dashboard');
    await expectDone(page, [true, true, true, true, false]);
    await card.getByRole('link', { name: 'Run a drill' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Providers' })).toBeVisible();
    await withEngine(serve, (e) => passedDrill(e, e.repos.providers.byName('Relay')!.id));
    await go(page, 'Dashboard');
    await expectDone(page, [true, true, true, true, true]);
    await shot(page, 'readiness-checklist-done');
    expect(await card.innerText()).not.toMatch(/\d{4}-\d\d-\d\dT\d\d|understudy [a-z]|UNDERSTUDY_/);
  } finally {
    await serve.stop();
  }
});

test('the Readiness screen shows three backups: aligned and warm, misaligned, cold', async ({ page }) => {
  const dns = await startDnsmasq(readinessZone());
  const serve = await startServe({
    args: ['--no-background'],
    env: { UNDERSTUDY_DNS_SERVER: dns.server },
  });
  try {
    await withEngine(serve, (e) => void threeBackups(e));
    await page.goto(serve.loginUrl);
    await go(page, 'Readiness');
    await expect(page.getByRole('heading', { level: 1, name: 'Readiness' })).toBeVisible();
    const rows = page.getByTestId('readiness-row');
    await expect(rows).toHaveCount(3);
    // Never checked yet: the DNS verdicts say so, until the person asks.
    await expect(rows.first()).toContainText('have not been checked yet');
    await page.getByRole('button', { name: 'Check DNS records now' }).click();

    const row = (name: string) => page.locator(`[data-testid="readiness-row"][data-provider="${name}"]`);
    await expect(row('SendGrid')).toHaveAttribute('data-state', 'problem');
    await expect(row('SendGrid')).toContainText('will be rejected');
    await expect(row('Workspace 2')).toHaveAttribute('data-state', 'warning');
    await expect(row('Workspace 2')).toContainText('Cold (it has never sent)');
    await expect(row('Workspace 2')).toContainText('more than a day');
    const warm = row('Workspace');
    await expect(warm).toHaveAttribute('data-state', 'ok');
    await expect(warm).toContainText('Warm: it sent yesterday');
    await expect(warm).toContainText('passes SPF, DKIM and DMARC');
    await expect(warm).toContainText('At most 10,000 a day.');

    await expect(page.getByRole('heading', { level: 2, name: 'Not ready' })).toBeVisible();
    await expect(page.getByTestId('readiness-next')).toContainText(
      'Add the DNS records that let “SendGrid” send',
    );

    // The records to add are behind the row's details toggle; no timestamp or command line outside it.
    const records = row('SendGrid').getByTestId('readiness-records');
    await expect(records).toBeHidden();
    const main = await page.locator('main').innerText();
    expect(main).not.toMatch(/\d{4}-\d\d-\d\dT\d\d|understudy [a-z]|UNDERSTUDY_/);
    await row('SendGrid').getByText('Details').click();
    await expect(records).toContainText('em.shop.test');
    const axe = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    ).toEqual([]);
    await shot(page, 'readiness-three-backups');
    await page.setViewportSize({ width: 800, height: 860 });
    await shot(page, 'readiness-three-backups-800');
    await page.setViewportSize({ width: 1366, height: 860 });

    // Marking the cold one warm (it sends regularly elsewhere) moves it on.
    await row('Workspace 2')
      .getByRole('button', { name: 'It already sends regularly: mark Workspace 2 warm' })
      .click();
    await expect(
      row('Workspace 2').getByRole('button', { name: 'It already sends regularly: mark Workspace 2 warm' }),
    ).toHaveCount(0);
    await expect(row('Workspace 2')).not.toContainText('Cold (it has never sent)');
  } finally {
    await serve.stop();
    await dns.stop();
  }
});
