/**
 * The Campaigns screen shows what the engine does (issue 12 §4, issue 15 §4 and §6): the preview is
 * the engine's own rendering — footer and unsubscribe link included — with the merge tags it cannot
 * fill said in words, and a paused send shows no time left. Real parts: `understudy serve`, a real
 * SQLite file, Debian's Chromium.
 */
import { test, expect, shot } from './fixtures';
import { startServe } from './server';
import { Engine } from '../../electron/engine/engine';
import { addList } from '../helpers/continuity';
import { createCampaign, setSendingSetting } from '../../electron/engine/sending';

async function seeded(status: 'draft' | 'paused') {
  const serve = await startServe();
  const engine = Engine.open({ dbPath: serve.dbPath });
  try {
    addList(engine, 'Customers', ['ann@example.org', 'bob@example.org']);
    // Bob has no first name: *|FNAME|* is empty in his copy.
    engine.db.prepare(`UPDATE subscribers SET first_name = '' WHERE email = 'bob@example.org'`).run();
    setSendingSetting(engine, 'postal_address', '1 Main Street, Springfield');
    setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@example.com');
    setSendingSetting(engine, 'unsubscribe_url', 'https://shop.example.com/unsub');
    const { id } = createCampaign(engine, {
      list: 'Customers',
      name: 'Spring sale',
      subject: 'Spring sale for *|FNAME|*',
      from: 'Shop <news@example.com>',
      html: '<p>Hello *|FNAME|*, your code is *|PROMO_CODE|*.</p>',
      dialect: 'mailchimp',
    });
    if (status === 'paused') engine.repos.campaigns.transition(id, ['draft'], 'paused', engine.now());
  } finally {
    await engine.close();
  }
  return serve;
}

test('the preview shows the footer and the unsubscribe link, and names the tags it cannot fill', async ({
  page,
}) => {
  const serve = await seeded('draft');
  try {
    await page.goto(serve.loginUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await page.getByRole('button', { name: 'Spring sale' }).click();
    const detail = page.getByRole('dialog', { name: 'Spring sale' });
    const preview = detail.getByTestId('campaign-preview');
    const frame = detail.frameLocator('iframe[sandbox=""]');

    // Ann's copy, as the engine renders it: her name, the postal address and the unsubscribe link.
    await expect(preview.getByTestId('preview-head')).toContainText('Spring sale for Name0');
    await expect(frame.locator('body')).toContainText('Hello Name0, your code is .');
    await expect(frame.locator('body')).toContainText('1 Main Street, Springfield');
    await expect(frame.getByRole('link', { name: 'Unsubscribe' })).toHaveAttribute(
      'href',
      /^https:\/\/shop\.example\.com\/unsub\/u\/.+/,
    );
    // A tag no copy can fill, in words.
    const unfilled = preview.getByTestId('preview-unfilled');
    await expect(unfilled).toContainText('PROMO_CODE is not a field of this list');
    await expect(unfilled).not.toContainText('FNAME');

    // Bob's copy: his empty first name is said too.
    await preview.getByLabel('Preview as').selectOption('bob@example.org');
    await expect(frame.locator('body')).toContainText('Hello , your code is .');
    await expect(unfilled).toContainText('bob@example.org has no value for 1 merge tag (*|FNAME|*)');
    await shot(page, 'campaign-preview');
  } finally {
    await serve.stop();
  }
});

test('a paused send says it is paused and shows no time left', async ({ page }) => {
  const serve = await seeded('paused');
  try {
    await page.goto(serve.loginUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await page.getByRole('button', { name: 'Spring sale' }).click();
    const detail = page.getByRole('dialog', { name: 'Spring sale' });
    const status = detail.getByTestId('progress-status');
    await expect(status).toContainText('Paused');
    await expect(status).not.toContainText('left');
    // A paused campaign is resumed, not sent again: the engine refuses a send, so no button offers one.
    const actions = detail.getByRole('group', { name: 'Campaign actions' });
    await expect(actions.getByRole('button', { name: 'Resume' })).toBeVisible();
    await expect(actions.getByRole('button', { name: 'Send via backup…' })).toHaveCount(0);
    await expect(actions.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  } finally {
    await serve.stop();
  }
});
