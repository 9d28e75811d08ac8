/**
 * Issue 16 §7 in the app: the post-incident review is written under the incident and printed with its
 * report, and the outage plan (runbook) shows what is missing from this setup. Real parts: `understudy
 * serve`, a real SQLite file, Debian's Chromium.
 */
import type { Page } from '@playwright/test';
import { test, expect, shot } from './fixtures';
import { Engine } from '../../electron/engine/engine';

const go = (app: Page, name: string) =>
  app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

test('the team writes the review under the incident, and the report prints it', async ({ app, serve }) => {
  const engine = Engine.open({ dbPath: serve.dbPath });
  try {
    engine.repos.incidents.open(null, 'Mailchimp is down', engine.now());
  } finally {
    await engine.close();
  }
  await go(app, 'Incidents');
  await app.getByRole('button', { name: /Mailchimp is down/ }).click();
  const review = app.getByTestId('incident-review');
  await review.getByLabel('What caused it').selectOption({ label: 'The email service (ESP) was down' });
  await review.getByLabel('The cause in your own words').fill('Their API answered 503 for two hours.');
  await review.getByLabel('What worked').fill('The newsletter went out through the backup.');
  await review.getByLabel('What did not work').fill('Nobody was alerted.');
  await review.getByRole('button', { name: 'Save the review' }).click();
  await expect(review.getByRole('status')).toHaveText(/Saved/);

  await review.getByLabel('New action').fill('Add the team to alerts');
  await review.getByLabel('Who will do it').fill('Sam');
  await review.getByRole('button', { name: 'Add the action' }).click();
  const actions = review.getByTestId('review-actions');
  await expect(actions).toContainText('Add the team to alerts');
  await actions.getByRole('checkbox').check();
  await expect(actions.getByRole('checkbox')).toBeChecked();
  // The timeline says so in words.
  await expect(app.getByTestId('incident-timeline')).toContainText('An action of the review was done.');
  await shot(app, 'incident-review');

  await app.getByRole('button', { name: 'Show the report' }).click();
  const report = app.frameLocator('[data-testid="incident-report"]');
  await expect(report.locator('[data-review]')).toContainText('The email service (ESP) was down');
  await expect(report.locator('[data-review]')).toContainText('Their API answered 503');
  await expect(report.locator('[data-review-actions]')).toContainText('Sam');

  // What was saved is there after a reload too (the engine has it, not the page).
  await app.reload();
  await go(app, 'Incidents');
  await app.getByRole('button', { name: /Mailchimp is down/ }).click();
  await expect(app.getByTestId('incident-review').getByLabel('What did not work')).toHaveValue(
    'Nobody was alerted.',
  );
});

test('the outage plan lists what is missing and shows the printable plan', async ({ app }) => {
  await go(app, 'Outage plan');
  await expect(app.getByRole('heading', { level: 1, name: 'Outage plan' })).toBeVisible();
  await expect(app.getByTestId('runbook-gaps')).toContainText('no backup sending account');
  const plan = app.frameLocator('[data-testid="runbook"]');
  await expect(plan.getByRole('heading', { level: 1 })).toContainText('Email outage runbook');
  await expect(plan.getByRole('heading', { name: 'Notices to subscribers' })).toBeVisible();
  await shot(app, 'runbook');
});
