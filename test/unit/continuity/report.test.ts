/** The post-incident report's numbers and page, from a known incident on a simulated clock. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { onHealthChange, addNote } from '../../../electron/engine/continuity/incidents';
import { buildReport, renderReportHtml } from '../../../electron/engine/continuity/report';
import { eventWords } from '../../../electron/engine/api/words';
import { addCampaign, addList, addProvider } from '../../helpers/continuity';

describe('post-incident report', () => {
  it('shows the delay, messages by provider, failures by class and unsubscribes during the incident', async () => {
    const clock = new ManualClock(Date.parse('2026-11-23T08:00:00Z'));
    const e = Engine.open({ dbPath: ':memory:', clock });
    const p = addProvider(e, { name: 'Primary', kind: 'smtp', priority: 1 });
    const b = addProvider(e, { name: 'Backup', kind: 'smtp', priority: 2 });
    const list = addList(
      e,
      'Customers',
      Array.from({ length: 100 }, (_, i) => `p${i}@example.org`),
    );
    const incident = onHealthChange(
      e,
      { id: p, name: 'Primary', kind: 'smtp' },
      'degraded',
      'down',
      'refused',
    )!;
    const c = addCampaign(e, {
      listId: list,
      scheduledAt: '2026-11-23T08:10:00.000Z',
      status: 'sent',
      name: 'Winter <sale>',
    });
    const outside = addCampaign(e, { listId: list, scheduledAt: '2026-11-24T08:10:00.000Z', name: 'Later' });
    const subs = e.db.prepare('SELECT id, email FROM subscribers ORDER BY id').all() as {
      id: number;
      email: string;
    }[];
    const ins = e.db.prepare(
      `INSERT INTO deliveries (campaign_id, subscriber_id, email, state, provider_id, message_id, sent_at, error_class, smtp_code, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    subs.forEach((s, i) => {
      const t = new Date(Date.parse('2026-11-23T08:25:00Z') + i * 1000).toISOString();
      const fail = i % 25 === 0; // 4 permanent failures
      ins.run(
        c,
        s.id,
        s.email,
        fail ? 'failed_perm' : 'sent',
        i < 10 ? p : b,
        `<m${i}>`,
        fail ? null : t,
        fail ? 'recipient_perm' : null,
        fail ? 550 : null,
        t,
      );
    });
    e.db
      .prepare(
        `UPDATE subscribers SET status = 'unsubscribed', status_changed_at = '2026-11-23T08:40:00.000Z' WHERE id <= 3`,
      )
      .run();
    e.db
      .prepare(
        `UPDATE subscribers SET status = 'bounced', status_changed_at = '2026-11-23T07:00:00.000Z' WHERE id = 4`,
      )
      .run(); // before
    clock.set(Date.parse('2026-11-23T09:05:00Z'));
    addNote(e, incident.id, 'Hosting confirmed a network outage.');
    onHealthChange(e, { id: p, name: 'Primary', kind: 'smtp' }, 'down', 'operational', 'EHLO ok');

    const r = buildReport(e, incident.id, 'Europe/London');
    expect(r.window).toMatchObject({ ongoing: false, durationMs: 65 * 60_000 });
    expect(r.campaigns.map((x) => x.id)).toEqual([c]);
    expect(r.campaigns[0]).toMatchObject({
      delayMs: 15 * 60_000 + 1000,
      sent: 96,
      failed: 4,
      recipients: 100,
    });
    expect(r.byProvider).toEqual({ Primary: 9, Backup: 87 });
    expect(r.failures).toEqual([
      { errorClass: 'recipient_perm', state: 'failed_perm', smtpCode: 550, count: 4 },
    ]);
    expect(r.statusChanges).toEqual([{ status: 'unsubscribed', count: 3 }]);
    expect(r.timeline.map((x) => x.type)).toEqual(['incident.opened', 'incident.note', 'incident.closed']);
    const total = r.series.buckets.reduce((a, x) => a + x.n, 0);
    expect(total).toBe(96);

    const html = renderReportHtml(r);
    expect(html).toContain('Winter &lt;sale&gt;'); // escaped
    expect(html).not.toContain('Winter <sale>');
    expect(html).toContain('15 min'); // the delay column and the longest-delay card
    expect(html).toMatch(/@media print/);
    // The timeline says what happened in words, never the event's code.
    expect(html).not.toMatch(/<td>incident\.(opened|note|closed)<\/td>/);
    expect(r.timeline.map((x) => x.words)).toEqual(
      r.timeline.map((x) =>
        eventWords({ type: x.type, data: x.data, message: x.message, provider: 'Primary' }),
      ),
    );
    expect(html).not.toMatch(/<script|src=|href=/);
    void outside;
    void b;
    await e.close();
  });
});
