/**
 * The Lists story in a real browser: import a Mailchimp export through the wizard (format detected,
 * mapping previewed, rows rejected with a report), browse and search it, filter by status; cancel a
 * big import and see the list unchanged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, shot } from './fixtures';
import { generateMailchimpExport } from '../../bench/genMailchimp';

function smallExport(path: string): void {
  const lines = ['Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,TAGS'];
  for (let i = 0; i < 500; i++)
    lines.push(`person.${i}@example.com,Ann${i},Lee,2,2024-01-02 10:00:00,"""VIP"""`);
  lines.push('not-an-address,Bad,Row,1,,');
  writeFileSync(path, lines.join('\n') + '\n');
}

test('import a list through the wizard, then browse, search and filter it', async ({ app, serve }) => {
  const file = join(serve.dir, 'members_export.csv');
  smallExport(file);
  await app.getByRole('button', { name: 'Lists' }).click();
  await expect(app.getByText(/No lists yet/)).toBeVisible();
  await shot(app, 'lists-empty');

  await app.getByRole('button', { name: 'Import a list…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Import a list' });
  await dialog.getByLabel('Export file from your ESP').setInputFiles(file);
  await expect(dialog.getByTestId('detected')).toContainText('Mailchimp');
  await expect(dialog.getByLabel('Import column Email Address as')).toHaveValue('email');
  await expect(dialog.getByRole('cell', { name: /person\.0@example\.com/ })).toBeVisible();
  await dialog.getByLabel('Into list').fill('Newsletter');
  await shot(app, 'import-wizard-mapping');
  await dialog.getByRole('button', { name: /Import into/ }).click();

  const result = dialog.getByTestId('import-result');
  await expect(dialog.getByTestId('import-headline')).toHaveText(
    '500 people imported into “Newsletter”; 1 row not imported',
  );
  await expect(result.locator('dd').nth(0)).toHaveText('500');
  await expect(result.locator('dd').nth(4)).toHaveText('1');
  await expect(dialog.getByRole('link', { name: 'Download the reject report' })).toBeVisible();
  await shot(app, 'import-wizard-result');
  await dialog.getByRole('button', { name: 'Close' }).click();

  await expect(app.getByTestId('table-status')).toContainText('500 subscribers');
  await expect(app.getByRole('gridcell', { name: 'person.0@example.com' })).toBeVisible();
  await shot(app, 'lists-table');

  await app.getByLabel('Search subscribers by email or name').fill('person.49');
  await expect(app.getByTestId('table-status')).toContainText('11 subscribers matching "person.49"');
  await expect(app.getByRole('gridcell', { name: 'person.499@example.com' })).toBeVisible();
  await app.getByLabel('Search subscribers by email or name').fill('');

  // Scrolling to the end pages in the last rows.
  await app.getByTestId('grid-body').focus();
  await app.keyboard.press('End');
  await expect(app.getByRole('gridcell', { name: /person\.\d+@example\.com/ }).last()).toBeVisible();

  await app.getByRole('button', { name: /^subscribed 500/ }).click();
  await expect(app.getByTestId('table-status')).toContainText('500 subscribers · subscribed');

  // Export downloads the list as CSV.
  const download = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Export CSV' }).click();
  await app.getByRole('link', { name: 'Download the file' }).click();
  expect((await download).suggestedFilename()).toMatch(/^Newsletter-.*\.csv$/);

  // A last name alone finds everyone with it; the rows come first, then the count.
  await app.getByRole('button', { name: /^All/ }).click();
  const search = app.getByLabel('Search subscribers by email or name');
  await search.fill('lee');
  await expect(app.getByTestId('table-status')).toContainText('500 subscribers matching "lee"');
  await search.fill('@example.com');
  await expect(app.getByTestId('table-status')).toContainText('500 subscribers matching "@example.com"');
  await search.fill('');

  // Sorting by a column (server-side): email, then the other way round.
  await app.getByRole('columnheader', { name: 'Email' }).getByRole('button').click();
  await expect(app.getByRole('columnheader', { name: /Email/ })).toHaveAttribute('aria-sort', 'descending');
  const firstRow = app.getByTestId('grid-body').locator('[aria-rowindex="2"]');
  await expect(firstRow).toContainText('person.9@example.com');
  await expect(firstRow.locator('.chip')).toHaveText('VIP');

  // A subscriber's page, and a manual unsubscribe through the app's own dialog.
  await firstRow.getByRole('button', { name: 'person.9@example.com' }).click();
  const person = app.getByTestId('subscriber-page');
  await expect(person.getByRole('heading', { name: 'Ann9 Lee' })).toBeVisible();
  await expect(person.getByTestId('subscriber-history')).toContainText('Added to the list (imported)');
  await expect(person).toContainText('Nothing has been sent to them from Understudy yet.');
  await expect(person).not.toContainText(/\d{4}-\d{2}-\d{2}T/);
  await shot(app, 'subscriber-page');
  await person.getByRole('button', { name: 'Unsubscribe…' }).click();
  const confirm = app.getByRole('dialog', { name: 'Unsubscribe person.9@example.com?' });
  await confirm.getByRole('button', { name: 'Unsubscribe', exact: true }).click();
  await expect(person.getByTestId('subscriber-history')).toContainText('Unsubscribed by hand in Understudy');
  await expect(person.getByRole('button', { name: 'Unsubscribe…' })).toHaveCount(0);
  await person.getByRole('button', { name: /Back to Newsletter/ }).click();
  await expect(app.getByRole('button', { name: /^unsubscribed 1/ })).toBeVisible();
});

/** Imports the 500-person export through the wizard and waits for the table. */
async function importSmall(app: Page, dir: string): Promise<void> {
  const file = join(dir, 'members_export.csv');
  smallExport(file);
  await app.getByRole('button', { name: 'Lists' }).click();
  await app.getByRole('button', { name: 'Import a list…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Import a list' });
  await dialog.getByLabel('Export file from your ESP').setInputFiles(file);
  await dialog.getByLabel('Into list').fill('Newsletter');
  await dialog.getByRole('button', { name: /Import into/ }).click();
  await expect(dialog.getByTestId('import-headline')).toContainText('500 people imported');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(app.getByTestId('table-status')).toContainText('500 subscribers');
}

test('typing while an answer is on its way: no number meanwhile, one query at a time, the latest text next, rows before the count', async ({
  app,
  serve,
}) => {
  await importSmall(app, serve.dir);
  const status = app.getByTestId('table-status');
  const search = app.getByLabel('Search subscribers by email or name');

  // The searches the page asks the server for (first pages and counts), in order; the answers to
  // the ones in `hold` wait until the test lets them go (the real server answers them then).
  const asked: string[] = [];
  const hold = new Map<string, { arrived: () => void; release: Promise<void> }>();
  const holdNext = (key: string) => {
    let arrived!: () => void;
    let release!: () => void;
    const seen = new Promise<void>((r) => (arrived = r));
    hold.set(key, { arrived: () => arrived(), release: new Promise<void>((r) => (release = r)) });
    return { seen, release: () => release() };
  };
  await app.route('**/api/querySubscribers', async (route) => {
    const q = route.request().postDataJSON() as { search?: string; rows?: boolean };
    if (q.search !== undefined) {
      const key = `${q.rows === false ? 'count' : 'page'} ${q.search}`;
      asked.push(key);
      const h = hold.get(key);
      if (h) {
        hold.delete(key);
        h.arrived();
        await h.release;
      }
    }
    await route.continue();
  });

  // While the first page is on its way the line says so, with no number (500 was the whole list's).
  const lee = holdNext('page lee');
  await search.fill('lee');
  await lee.seen;
  await expect(status).toHaveText('Looking for subscribers matching "lee"…');

  // Typing on while it is out asks nothing more; when it comes, it is dropped and the latest text
  // goes out (not every key typed meanwhile).
  await search.fill('person.4');
  await search.fill('person.49');
  await expect(status).toHaveText('Looking for subscribers matching "person.49"…');
  lee.release();
  await expect(status).toContainText('11 subscribers matching "person.49"');
  await expect(app.getByRole('gridcell', { name: 'person.499@example.com' })).toBeVisible();
  expect(asked).toEqual(['page lee', 'page person.49']);

  // A full first page shows at once, as "200+ … counting…"; the count follows when it is done.
  const count = holdNext('count lee');
  await search.fill('lee');
  await count.seen;
  await expect(status).toContainText('200+ subscribers matching "lee" · counting…');
  await expect(app.getByRole('gridcell', { name: 'person.0@example.com' })).toBeVisible();
  count.release();
  await expect(status).toContainText('500 subscribers matching "lee"');
  await expect(status).not.toContainText('counting');
  expect(asked).toEqual(['page lee', 'page person.49', 'page lee', 'count lee']);
});

test('a mapping without an email column is explained, and can be fixed in the wizard', async ({
  app,
  serve,
}) => {
  const file = join(serve.dir, 'contacts.csv');
  writeFileSync(file, 'Contact,City\nann@example.com,Oslo\nbob@example.com,Bergen\n');
  await app.getByRole('button', { name: 'Lists' }).click();
  await app.getByRole('button', { name: 'Import a list…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Import a list' });
  await dialog.getByLabel('Export file from your ESP').setInputFiles(file);
  await expect(dialog.getByRole('alert')).toContainText('No email column found');
  await expect(dialog.getByRole('button', { name: /Import into/ })).toBeDisabled();
  await shot(app, 'import-wizard-problem');
  await dialog.getByLabel('Import column Contact as').selectOption('email');
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await dialog.getByRole('button', { name: /Import into/ }).click();
  await expect(dialog.getByTestId('import-headline')).toHaveText('2 people imported into “contacts”');
});

test('cancelling a big import really cancels: the list is left as it was', async ({ app, serve }) => {
  const file = join(serve.dir, 'big.csv');
  await generateMailchimpExport(file, 300_000, { seed: 7 });
  await app.getByRole('button', { name: 'Lists' }).click();
  await app.getByRole('button', { name: 'Import a list…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Import a list' });
  await dialog.getByLabel('Export file from your ESP').setInputFiles(file);
  await expect(dialog.getByTestId('detected')).toContainText('Mailchimp');
  await dialog.getByLabel('Into list').fill('Big');
  await dialog.getByRole('button', { name: /Import into/ }).click();
  await expect(dialog.getByRole('progressbar')).toBeVisible();
  await shot(app, 'import-wizard-progress');
  await dialog.getByRole('button', { name: 'Cancel import' }).click();
  await expect(dialog.getByRole('alert')).toContainText(/cancelled/i);
  await expect(dialog.getByRole('alert')).toContainText(/unchanged|Nothing/);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(app.getByText(/No lists yet/)).toBeVisible();
});

test('the list name follows the chosen file, and a file that is not a CSV is refused in words', async ({
  app,
  serve,
}) => {
  const first = join(serve.dir, 'spring-customers.csv');
  const second = join(serve.dir, 'newsletter_2026.csv');
  const image = join(serve.dir, 'logo.png');
  writeFileSync(first, 'Email\nann@example.com\n');
  writeFileSync(second, 'Email\nbob@example.com\n');
  writeFileSync(image, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  await app.getByRole('button', { name: 'Lists' }).click();
  await app.getByRole('button', { name: 'Import a list…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Import a list' });
  const file = dialog.getByLabel('Export file from your ESP');
  await file.setInputFiles(first);
  await expect(dialog.getByLabel('Into list')).toHaveValue('spring customers');
  await file.setInputFiles(second);
  await expect(dialog.getByLabel('Into list')).toHaveValue('newsletter 2026');
  // A name the person typed stays when another file is chosen.
  await dialog.getByLabel('Into list').fill('VIP');
  await file.setInputFiles(first);
  await expect(dialog.getByLabel('Into list')).toHaveValue('VIP');

  await file.setInputFiles(image);
  await expect(dialog.getByRole('alert')).toContainText('is a PNG image, not a CSV or TSV export');
  await expect(dialog.getByRole('alert')).toContainText('Nothing was imported');
  await expect(dialog.getByRole('button', { name: /Import into/ })).toHaveCount(0);
  await shot(app, 'import-wizard-not-csv');
});
