/**
 * What the screen says is what happens (issue 15 §4 and §6): one date-time format in the user's zone
 * (the continuity settings' zone) for every send time — the outage banner, the dashboard card, the
 * campaign list and the calendar agree, whatever the campaign's own zone from its ESP and the
 * browser's; resuming a campaign paused before its time says it is resumed and when it goes out; the
 * calendar's seven columns are equal at 1366 and 800 px whatever the names in them. Real parts:
 * `understudy serve`, a real SQLite file, Debian's Chromium.
 */
import type { Page } from '@playwright/test';
import { test, expect, shot } from './fixtures';
import { startServe } from './server';
import { Engine } from '../../electron/engine/engine';
import { addCampaign, addList, addProvider } from '../helpers/continuity';
import { onHealthChange } from '../../electron/engine/continuity/incidents';
import { updateSettings } from '../../electron/engine/continuity/settings';
import { formatDateTime, formatTime } from '../../renderer/src/components/format';

// Three zones that all differ: the user's (settings), the campaign's own (its ESP's) and the browser's.
const USER_ZONE = 'Europe/Berlin';
const CAMPAIGN_ZONE = 'America/New_York';
test.use({ timezoneId: 'Asia/Tokyo' });

/** Three days from now at 01:01 UTC: a different day and hour in each of the three zones. */
function sendTime(daysAhead = 3): string {
  const d = new Date(Date.now() + daysAhead * 86_400_000);
  d.setUTCHours(1, 1, 0, 0);
  return d.toISOString();
}

async function seeded(opts: {
  campaigns: { name: string; at: string; status?: string }[];
  incident?: boolean;
}) {
  const serve = await startServe();
  const engine = Engine.open({ dbPath: serve.dbPath });
  try {
    updateSettings(engine, { timeZone: USER_ZONE });
    const list = addList(engine, 'Customers', ['ann@example.org', 'bob@example.org']);
    for (const c of opts.campaigns)
      addCampaign(engine, {
        listId: list,
        name: c.name,
        scheduledAt: c.at,
        timeZone: CAMPAIGN_ZONE,
        status: c.status ?? 'scheduled',
      });
    if (opts.incident) {
      const p = addProvider(engine, { name: 'Primary', kind: 'smtp', priority: 1 });
      onHealthChange(engine, { id: p, name: 'Primary', kind: 'smtp' }, 'degraded', 'down', 'refused');
    }
  } finally {
    await engine.close();
  }
  return serve;
}

async function openCalendarAt(page: Page, at: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
  await page.getByRole('button', { name: 'Calendar', exact: true }).click();
  const month = new Intl.DateTimeFormat('en-GB', {
    month: 'long',
    year: 'numeric',
    timeZone: USER_ZONE,
  }).format(new Date(at));
  const grid = page.getByRole('grid', { name: `Campaigns in ${month}` });
  // At most one month ahead: step forward until the calendar shows the month of the send.
  if (!(await grid.isVisible())) await page.getByRole('button', { name: 'Next month' }).click();
  await expect(grid).toBeVisible();
  return grid;
}

test('one send time, one format, the user’s zone: banner, dashboard card, list and calendar agree', async ({
  page,
}) => {
  const at = sendTime();
  const shown = formatDateTime(at, USER_ZONE); // e.g. "Thu 10 Dec 2026, 02:01"
  const serve = await seeded({ campaigns: [{ name: 'Spring sale', at }], incident: true });
  try {
    await page.goto(serve.loginUrl);
    const banner = page.getByTestId('affected-campaign');
    await expect(banner).toContainText(`Spring sale — due ${shown}`);
    const card = page.getByRole('article', { name: 'Next scheduled campaigns' });
    await expect(card).toContainText(shown);
    // Never the campaign's own zone (its ESP's) nor an offset beside the time.
    await expect(card).not.toContainText('GMT');
    await expect(card).not.toContainText(formatDateTime(at, CAMPAIGN_ZONE));
    await shot(page, 'dashboard-one-time');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await expect(page.getByRole('row', { name: /Spring sale/ })).toContainText(shown);
    const grid = await openCalendarAt(page, at);
    const item = grid.getByRole('button', { name: /Spring sale/ });
    await expect(item).toHaveText(`${formatTime(at, USER_ZONE)} Spring sale`);
    await expect(item).toHaveAttribute('title', `Spring sale, ${shown}`);
    // Filed on the user's day, not the browser's (Tokyo) or the campaign's (New York).
    const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', timeZone: USER_ZONE }).format(
      new Date(at),
    );
    const cell = grid
      .getByRole('gridcell')
      .filter({ has: page.getByRole('button', { name: /Spring sale/ }) });
    await expect(cell.locator('.calendar-date')).toHaveText(day);
  } finally {
    await serve.stop();
  }
});

test('resuming a campaign paused before its time says it is resumed and when it goes out', async ({
  page,
}) => {
  const at = sendTime();
  const serve = await seeded({ campaigns: [{ name: 'Spring sale', at }] });
  try {
    await page.goto(serve.loginUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Campaigns' }).click();
    await page.getByRole('button', { name: 'Spring sale' }).click();
    const detail = page.getByRole('dialog', { name: 'Spring sale' });
    const actions = detail.getByRole('group', { name: 'Campaign actions' });
    await actions.getByRole('button', { name: 'Pause' }).click();
    await expect(actions.getByRole('button', { name: 'Resume' })).toBeVisible();
    await actions.getByRole('button', { name: 'Resume' }).click();
    const notice = page.getByTestId('app-notice');
    await expect(notice).toHaveText(
      new RegExp(`“Spring sale” is resumed: it will go out at ${formatDateTime(at, USER_ZONE)}\\.`),
    );
    await expect(notice).not.toContainText('paused');
    await expect(actions.getByRole('button', { name: 'Pause' })).toBeVisible();
  } finally {
    await serve.stop();
  }
});

for (const width of [1366, 800]) {
  test(`the calendar's seven columns are equal at ${width} px, whatever the names in them`, async ({
    page,
  }) => {
    const at = sendTime();
    const long = 'The great end-of-season clearance sale with free shipping on every order over fifty euros';
    const serve = await seeded({
      campaigns: [
        { name: long, at },
        { name: 'Hi', at: new Date(Date.parse(at) + 86_400_000).toISOString() },
      ],
    });
    try {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(serve.loginUrl);
      const grid = await openCalendarAt(page, at);
      const item = grid.getByRole('button', { name: long });
      await expect(item).toBeVisible();
      // The long name is cut (the whole of it in the title), not spilling out of its day.
      await expect(item).toHaveAttribute('title', new RegExp(long));
      const widths = await grid
        .getByRole('gridcell')
        .evaluateAll((cells) => cells.map((c) => c.getBoundingClientRect().width));
      expect(widths).toHaveLength(42);
      for (const w of widths) expect(Math.abs(w - widths[0]!)).toBeLessThan(1);
      const fit = await grid.evaluate((g) => ({ scroll: g.scrollWidth, client: g.clientWidth }));
      expect(fit.scroll).toBeLessThanOrEqual(fit.client);
      const itemBox = (await item.boundingBox())!;
      const cell = grid.getByRole('gridcell').filter({ has: page.getByRole('button', { name: long }) });
      const dayBox = (await cell.boundingBox())!;
      expect(itemBox.x + itemBox.width).toBeLessThanOrEqual(dayBox.x + dayBox.width + 0.5);
      await shot(page, `campaign-calendar-${width}`);
    } finally {
      await serve.stop();
    }
  });
}
