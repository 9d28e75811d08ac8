/**
 * Per-campaign outage policy (issue 13 §6): `campaigns policy ID --outage pause|wait|backup|default
 * [--wait-minutes N]` writes campaigns.outage_policy, which the scheduler reads at the send time; with
 * no option it shows the policy in force (the campaign's own, or the default). Bad input changes
 * nothing and exits 1.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { Engine } from '../../../electron/engine/engine';
import { addCampaign, addList } from '../../helpers/continuity';
import { createDispatcher } from '../../../electron/engine/handlers';

async function world() {
  const db = join(tempDir(), 'u.sqlite');
  const e = Engine.open({ dbPath: db });
  const listId = addList(e, 'Customers', ['ann@example.org']);
  const id = addCampaign(e, { listId, scheduledAt: '2030-01-01T10:00:00Z' });
  const sent = addCampaign(e, { listId, status: 'sent', name: 'Old' });
  await e.close();
  return { db, id, sent };
}

const policyOf = async (db: string, id: number) => {
  const e = Engine.open({ dbPath: db });
  try {
    return e.repos.campaigns.byId(id)!.outagePolicy;
  } finally {
    await e.close();
  }
};

describe('campaigns policy', () => {
  it('shows the default, sets the campaign its own, and goes back to the default', async () => {
    const { db, id } = await world();
    const shown = await cli(['campaigns', 'policy', String(id), '--db', db]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      'waits up to 30 min for it, then sends through the backup providers (the default policy)',
    );

    const set = await cli([
      'campaigns',
      'policy',
      String(id),
      '--outage',
      'wait',
      '--wait-minutes',
      '45',
      '--db',
      db,
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(set.json()).toEqual({ mode: 'wait', waitMinutes: 45, source: 'campaign' });
    expect(await policyOf(db, id)).toEqual({ mode: 'wait', waitMinutes: 45 });

    const pause = await cli(['campaigns', 'policy', String(id), '--outage', 'pause', '--db', db]);
    expect(pause.stdout).toContain("it is paused and you are alerted (this campaign's own policy)");
    const show = await cli(['campaigns', 'show', String(id), '--db', db]);
    expect(show.stdout).toContain(
      "if its ESP or provider is down at its send time: it is paused and you are alerted (this campaign's own policy)",
    );

    // The API the UI uses, and the schedule list, show the same policy.
    const e = Engine.open({ dbPath: db });
    const d = createDispatcher(e);
    const list = (await d.dispatch('scheduleList', {})) as {
      ok: true;
      value: { id: number; outagePolicy: unknown }[];
    };
    expect(list.value.find((c) => c.id === id)!.outagePolicy).toEqual({
      mode: 'pause',
      waitMinutes: 30,
      source: 'campaign',
    });
    const back = (await d.dispatch('setCampaignPolicy', { campaignId: id, outage: 'default' })) as {
      ok: true;
      value: unknown;
    };
    expect(back.value).toEqual({ mode: 'wait', waitMinutes: 30, source: 'default' });
    await e.close();
    expect(await policyOf(db, id)).toBeNull();
  });

  it.each([
    [['--outage', 'sometimes'], /"sometimes" is not an outage policy/],
    [['--outage', 'backup', '--wait-minutes', '5'], /minutes to wait only goes with the "wait" policy/],
    [['--outage', 'wait', '--wait-minutes', '2000'], /at most 1440/],
    [['--outage', 'wait', '--wait-minutes', 'soon'], /whole number/],
  ])('refuses %j with a clear message and changes nothing', async (args, message) => {
    const { db, id } = await world();
    const r = await cli(['campaigns', 'policy', String(id), ...args, '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(await policyOf(db, id)).toBeNull();
  });

  it('refuses an unknown or finished campaign', async () => {
    const { db, sent } = await world();
    const none = await cli(['campaigns', 'policy', '999', '--outage', 'pause', '--db', db]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/There is no campaign 999/);
    const done = await cli(['campaigns', 'policy', String(sent), '--outage', 'pause', '--db', db]);
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/is sent: an outage policy no longer applies/);
    expect(await policyOf(db, sent)).toBeNull();
  });
});
