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

  /** One outage of `minutes`, a campaign scheduled long before it, its sends spread over the outage. */
  function outageWithSends(openAt: string, minutes: number, scheduledAt: string) {
    const clock = new ManualClock(Date.parse(openAt));
    const e = Engine.open({ dbPath: ':memory:', clock });
    const p = addProvider(e, { name: 'Primary', kind: 'smtp', priority: 1 });
    const b = addProvider(e, { name: 'Backup', kind: 'smtp', priority: 2 });
    const list = addList(
      e,
      'Customers',
      Array.from({ length: 120 }, (_, i) => `p${i}@example.org`),
    );
    const incident = onHealthChange(e, { id: p, name: 'Primary', kind: 'smtp' }, 'degraded', 'down', 'x')!;
    const c = addCampaign(e, { listId: list, scheduledAt, status: 'sent', name: 'Spring sale' });
    const subs = e.db.prepare('SELECT id, email FROM subscribers ORDER BY id').all() as {
      id: number;
      email: string;
    }[];
    const ins = e.db.prepare(
      `INSERT INTO deliveries (campaign_id, subscriber_id, email, state, provider_id, message_id, sent_at, updated_at)
       VALUES (?, ?, ?, 'sent', ?, ?, ?, ?)`,
    );
    const open = Date.parse(openAt);
    subs.forEach((s, i) => {
      const t = new Date(open + 60_000 + (i / subs.length) * (minutes - 2) * 60_000).toISOString();
      ins.run(c, s.id, s.email, b, `<m${i}>`, t, t);
    });
    clock.set(open + minutes * 60_000);
    onHealthChange(e, { id: p, name: 'Primary', kind: 'smtp' }, 'down', 'operational', 'ok');
    return { e, incident };
  }

  /** The x labels of the send chart, with where each starts and (at most) how far it reaches. */
  function xLabels(html: string) {
    return [...html.matchAll(/<text class="x-label" x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({
      x: Number(m[1]),
      text: m[2]!,
      // 11px text: no character is wider than 8 units.
      end: Number(m[1]) + m[2]!.length * 8,
    }));
  }

  it('fits the time axis to the outage and its sends, not to a send time days before', async () => {
    // Scheduled three days before a one-hour outage in which it went out.
    const { e, incident } = outageWithSends('2026-11-23T10:00:00Z', 60, '2026-11-20T09:00:00.000Z');
    const r = buildReport(e, incident.id, 'Europe/London');
    const opened = Date.parse('2026-11-23T10:00:00Z');
    expect(Date.parse(r.series.from)).toBeLessThanOrEqual(opened);
    expect(opened - Date.parse(r.series.from)).toBeLessThan(r.series.bucketMs);
    // Readable bars: the hour's sends fall in many bars, not one.
    expect(r.series.bucketMs).toBeLessThanOrEqual(5 * 60_000);
    expect(new Set(r.series.buckets.map((x) => x.bucket)).size).toBeGreaterThanOrEqual(12);
    expect(r.series.buckets.reduce((a, x) => a + x.n, 0)).toBe(120);

    const labels = xLabels(renderReportHtml(r));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    // Times of day (one day: the date is said once, beside the chart), never overlapping, inside the chart.
    for (const l of labels) expect(l.text).toMatch(/^\d{2}:\d{2}$/);
    expect(labels[0]!.text).toBe('10:00');
    for (let i = 1; i < labels.length; i++) expect(labels[i]!.x).toBeGreaterThan(labels[i - 1]!.end);
    expect(labels.at(-1)!.end).toBeLessThanOrEqual(720);
    expect(renderReportHtml(r)).toContain('times on Mon 23 Nov 2026 in Europe/London');
    await e.close();
  });

  it('labels an axis that crosses midnight with the date and the time', async () => {
    const { e, incident } = outageWithSends('2026-11-23T22:30:00Z', 180, '2026-11-23T22:00:00.000Z');
    const r = buildReport(e, incident.id, 'Europe/Berlin');
    const labels = xLabels(renderReportHtml(r));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    for (const l of labels) expect(l.text).toMatch(/^\d{1,2} \w{3} \d{2}:\d{2}$/);
    expect(labels.map((l) => l.text.split(' ').slice(0, 2).join(' '))).toContain('24 Nov');
    for (let i = 1; i < labels.length; i++) expect(labels[i]!.x).toBeGreaterThan(labels[i - 1]!.end);
    expect(labels.at(-1)!.end).toBeLessThanOrEqual(720);
    await e.close();
  });
});
