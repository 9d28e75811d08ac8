/**
 * The continuity engine's hot queries use their indexes (they run every few seconds in `run`). Each
 * plan is read from the repository's own statement (`statements()`), so a change to its SQL that
 * loses the index fails here.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { planOf } from '../../helpers/queryPlan';

describe('continuity query plans', () => {
  it('due campaigns walk campaigns_due; the next due time and the holds too', async () => {
    const e = Engine.open({ dbPath: ':memory:' });
    const schedules = e.repos.schedules.statements();
    expect(planOf(e.db, schedules.due, '2026-01-01')).toMatch(
      /SEARCH c USING (COVERING )?INDEX campaigns_due \(status=\? AND scheduled_at<\?\)/,
    );
    expect(planOf(e.db, schedules.nextDueAt)).toMatch(/campaigns_due/);
    expect(planOf(e.db, schedules.held)).toMatch(/campaign_schedules_hold/);
    await e.close();
  });

  it('timelines, open incidents and free compensation codes come from their indexes', async () => {
    const e = Engine.open({ dbPath: ':memory:' });
    const events = e.repos.events.statements();
    expect(planOf(e.db, events.ofIncident, 1, 100)).toMatch(/events_incident/);
    expect(planOf(e.db, events.ofCampaign, 1, 100)).toMatch(/events_campaign/);
    expect(planOf(e.db, e.repos.incidents.statements().openNow)).toMatch(/incidents_open/);
    expect(planOf(e.db, e.repos.codes.statements().take, 1, 1, 'now', 'b')).toMatch(
      /compensation_codes_free/,
    );
    await e.close();
  });
});
