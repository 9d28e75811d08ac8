/** Playwright fixtures: a fresh browser-mode server and data folder per test, and a signed-in page. */
import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServe, ROOT, type ServeHandle } from './server';

export const ARTIFACTS = join(ROOT, 'test', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const test = base.extend<{ serve: ServeHandle; app: Page }>({
  // eslint-disable-next-line no-empty-pattern
  serve: async ({}, use) => {
    const s = await startServe();
    await use(s);
    await s.stop();
  },
  app: async ({ page, serve }, use) => {
    await page.goto(serve.loginUrl);
    // The token moved into a cookie: the address bar no longer shows it.
    expect(page.url()).not.toContain('token=');
    await expect(page.getByTestId('connection')).toHaveText(/Engine connected/);
    await use(page);
  },
});

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

export { expect };
