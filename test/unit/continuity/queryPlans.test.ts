/** The continuity engine's hot queries use their indexes (they run every few seconds in `run`). */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';

function plan(e: Engine, sql: string, ...args: unknown[]): string {
  return (e.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
}

describe('continuity query plans', () => {
  it('due campaigns walk campaigns_due; the next due time too', async () => {
    const e = Engine.open({ dbPath: ':memory:' });
    expect(
      plan(
        e,
        `SELECT c.id FROM campaigns c LEFT JOIN campaign_schedules s ON s.campaign_id = c.id
         WHERE c.status = 'scheduled' AND c.scheduled_at <= ? AND s.hold IS NULL AND s.fired_at IS NULL`,
        '2026-01-01',
      ),
    ).toMatch(/SEARCH c USING (COVERING )?INDEX campaigns_due \(status=\? AND scheduled_at<\?\)/);
    expect(
      plan(
        e,
        `SELECT min(scheduled_at) FROM campaigns WHERE status = 'scheduled' AND scheduled_at IS NOT NULL`,
      ),
    ).toMatch(/campaigns_due/);
    expect(plan(e, `SELECT * FROM campaign_schedules WHERE hold IS NOT NULL`)).toMatch(
      /campaign_schedules_hold/,
    );
    expect(plan(e, `SELECT id FROM events WHERE incident_id = ?`, 1)).toMatch(/events_incident/);
    expect(plan(e, `SELECT * FROM incidents WHERE status = 'open'`)).toMatch(/incidents_open/);
    expect(
      plan(
        e,
        `SELECT id FROM compensation_codes WHERE batch = ? AND assigned_at IS NULL ORDER BY id LIMIT 1`,
        'b',
      ),
    ).toMatch(/compensation_codes_free/);
    await e.close();
  });
});
