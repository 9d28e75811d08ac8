/**
 * The post-incident report: what an outage did to the business's email, for the owner and for the
 * team's review. Affected campaigns with scheduled vs actual send time and the delay; messages by
 * provider; failures by class; unsubscribes and bounces during the incident; charts as inline SVG (no
 * CDN, no script); and print CSS so "Print → Save as PDF" gives a clean document.
 */
import type { Engine } from '../engine';
import type { EventRow } from '../db/repos/events';
import type { FailureClass, ProviderCount, ReportCampaign, StatusCount } from '../db/repos/reports';
import type { IncidentRow } from '../db/repos/incidents';
import { requireIncident, timeline } from './incidents';
import { DateTime } from 'luxon';
import { displayTime, humanDuration } from '../time';
import { outputTarget, writeTarget } from '../files/protected';
import { CUSTODY_EVENTS } from '../api/custody';
import { INCIDENT_CAUSE_WORDS, type IncidentReview } from '../api/review';
import type { RelayFeedbackKind } from '../db/repos/relayFeedback';
import { eventWords } from '../api/words';
import { RISKY_WORDS } from '../api/reputation';
import { leftOutRisky } from '../sending/reputation';

export interface IncidentReport {
  incident: IncidentRow;
  window: { from: string; to: string; durationMs: number; ongoing: boolean };
  timeZone: string;
  campaigns: (ReportCampaign & { delayMs: number | null; byProvider: Record<string, number> })[];
  byProvider: Record<string, number>;
  failures: FailureClass[];
  statusChanges: StatusCount[];
  suppressions: StatusCount[];
  /**
   * Bounces, complaints and unsubscribes relay providers reported through their APIs (issue 14, §5),
   * by provider and kind, counted by the relay's own time (pulled during the incident or after it).
   */
  relayFeedback: { provider: string; kind: RelayFeedbackKind; count: number }[];
  series: {
    bucketMs: number;
    from: string;
    /** The chart's end: the last send or the incident's end, whichever is later. */
    to: string;
    buckets: { bucket: number; provider: string; n: number }[];
  };
  /** The incident's events, each with the sentence a person reads for it (never its code). */
  timeline: (EventRow & { words: string })[];
  /**
   * Campaigns Understudy took over from the ESP and what became of the duty to unschedule them there:
   * unscheduled, not sent by the ESP, still pending, or a confirmed double send with the people affected.
   */
  custody: {
    campaignId: number;
    name: string;
    reason: string;
    state: string;
    outcome: string | null;
    affected: number | null;
    espSendAt: string | null;
    doneAt: string | null;
  }[];
  /** People who got a campaign twice (the ESP sent it too), over every confirmed double send. */
  doubleSent: number;
  /** What was told to the ESP when it answered again (obligations, push-back): the result lines. */
  recovery: EventRow[];
  /** The team's review: cause, what worked, what did not, actions with owners (issue 16 §7). */
  review: IncidentReview;
  /** People left out to protect a cold or small backup's reputation (send --skip-risky), per reason. */
  leftOut: { campaignId: number; reason: keyof typeof RISKY_WORDS; count: number }[];
  generatedAt: string;
}

export function buildReport(engine: Engine, incidentId: number, timeZone = 'UTC'): IncidentReport {
  const incident = requireIncident(engine, incidentId);
  const from = incident.openedAt;
  const to = incident.closedAt ?? engine.now();
  const campaigns = engine.repos.reports.affectedCampaigns(incident.id, from, to);
  const ids = campaigns.map((c) => c.id);
  const counts: ProviderCount[] = engine.repos.reports.sentByProvider(ids);
  const byProvider: Record<string, number> = {};
  for (const c of counts) byProvider[c.provider] = (byProvider[c.provider] ?? 0) + c.sent;
  const { chartFrom, chartTo, bucketMs } = chartRange(from, to, campaigns, timeZone);
  return {
    incident,
    window: { from, to, durationMs: Date.parse(to) - Date.parse(from), ongoing: incident.closedAt === null },
    timeZone,
    campaigns: campaigns.map((c) => ({
      ...c,
      delayMs: c.scheduledAt && c.firstSentAt ? Date.parse(c.firstSentAt) - Date.parse(c.scheduledAt) : null,
      byProvider: Object.fromEntries(
        counts.filter((x) => x.campaignId === c.id).map((x) => [x.provider, x.sent]),
      ),
    })),
    byProvider,
    failures: engine.repos.reports.failuresByClass(ids),
    statusChanges: engine.repos.reports.statusChanges(from, to),
    suppressions: engine.repos.reports.suppressionsAdded(from, to),
    relayFeedback: engine.repos.relayFeedback.countsBetween(from, to),
    series: {
      bucketMs,
      from: chartFrom,
      to: chartTo,
      buckets: engine.repos.reports.sendsOverTime(ids, bucketMs, chartFrom),
    },
    timeline: timeline(engine, incident.id).map((e) => ({
      ...e,
      words: eventWords({
        type: e.type,
        data: e.data,
        message: e.message,
        campaign: e.campaignId !== null ? (engine.repos.campaigns.byId(e.campaignId)?.name ?? null) : null,
        provider: e.providerId !== null ? (engine.repos.health.byId(e.providerId)?.name ?? null) : null,
        list: e.listId !== null ? (engine.repos.lists.byId(e.listId)?.name ?? null) : null,
      }),
    })),
    ...custodyOf(engine, incident, from, to, ids),
    review: engine.repos.reviews.forIncident(incident.id),
    leftOut: leftOutRisky(engine, ids),
    generatedAt: engine.now(),
  };
}

function custodyOf(
  engine: Engine,
  incident: IncidentRow,
  from: string,
  to: string,
  campaignIds: number[],
): Pick<IncidentReport, 'custody' | 'doubleSent' | 'recovery'> {
  const custody = engine.repos.obligations
    .forIncident(incident.id, incident.providerId, from, to, campaignIds)
    .map((o) => ({
      campaignId: o.campaignId,
      name: o.campaignName,
      reason: o.reason,
      state: o.state,
      outcome: o.outcome ?? o.lastError,
      affected: o.affected,
      espSendAt: o.espSendAt,
      doneAt: o.doneAt,
    }));
  return {
    custody,
    doubleSent: custody.reduce((n, o) => n + (o.state === 'double_sent' ? (o.affected ?? 0) : 0), 0),
    recovery: [
      ...engine.repos.events
        .recent(1000, { incidentId: incident.id })
        .filter((e) => e.type === CUSTODY_EVENTS.recovered)
        .reverse(),
      ...firstSyncAfter(engine, incident),
    ],
  };
}

/**
 * The first sync of the ESP once the incident closed (or its failure): the report says the copy was
 * brought up to date after the outage, not only what was told to the ESP. Empty while it is ongoing
 * and until that sync has run.
 */
function firstSyncAfter(engine: Engine, incident: IncidentRow): EventRow[] {
  if (!incident.closedAt || incident.providerId === null) return [];
  const first = engine.repos.events
    .recent(1000, { since: incident.closedAt })
    .filter(
      (e) =>
        e.providerId === incident.providerId && (e.type === 'esp.synced' || e.type === 'esp.sync_failed'),
    )
    .at(-1);
  return first ? [first] : [];
}

const CUSTODY_STATE: Record<string, string> = {
  pending: 'not yet unscheduled at the ESP',
  done: 'unscheduled at the ESP',
  not_sent: 'the ESP did not send it',
  double_sent: 'SENT TWICE: the ESP sent it too',
  abandoned: 'not unscheduled (given up)',
};

/** Bar widths a person reads at a glance: whole minutes, quarters, hours, days. */
const BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);
/** About this many bars across the chart: wide enough to read, fine enough to show the outage. */
const TARGET_BARS = 40;

export function niceBucket(ms: number): number {
  return BUCKETS.find((s) => s >= ms) ?? BUCKETS.at(-1)!;
}

/**
 * The chart's time range: the incident window and the sends of its campaigns (never a scheduled time
 * long before them, which would squeeze every bar into one corner), starting on a whole bucket in the
 * person's zone so the axis reads 08:00, 08:15…
 */
export function chartRange(
  from: string,
  to: string,
  campaigns: { firstSentAt: string | null; lastSentAt: string | null }[],
  zone: string,
): { chartFrom: string; chartTo: string; bucketMs: number } {
  const starts = [from, ...campaigns.map((c) => c.firstSentAt).filter((x): x is string => !!x)];
  const ends = [to, ...campaigns.map((c) => c.lastSentAt).filter((x): x is string => !!x)];
  const fromMs = Math.min(...starts.map((x) => Date.parse(x)));
  const toMs = Math.max(...ends.map((x) => Date.parse(x)));
  const bucketMs = niceBucket(Math.max(60_000, toMs - fromMs) / TARGET_BARS);
  const offsetMs = (ms: number) => DateTime.fromMillis(ms, { zone: validZone(zone) }).offset * 60_000;
  const local = fromMs + offsetMs(fromMs);
  const start = Math.floor(local / bucketMs) * bucketMs - offsetMs(fromMs);
  return { chartFrom: new Date(start).toISOString(), chartTo: new Date(toMs).toISOString(), bucketMs };
}

const validZone = (z: string) => (DateTime.local().setZone(z).isValid ? z : 'UTC');

/** Roughly how wide a label of the axis is, in the chart's units (11px text). */
const labelWidth = (text: string) => text.length * 7;

/**
 * The x axis: a label on whole buckets, spaced so no two overlap, each the time of day, with the date
 * when the chart spans more than one day in the person's zone.
 */
export function axisLabels(
  t0: number,
  bucketMs: number,
  n: number,
  zone: string,
  geometry: { left: number; barWidth: number; right: number },
): { x: number; text: string }[] {
  const z = validZone(zone);
  const at = (i: number) => DateTime.fromMillis(t0 + i * bucketMs, { zone: z }).setLocale('en-GB');
  const crossesDays = !at(0).hasSame(at(n), 'day');
  const fmt = bucketMs >= 86_400_000 ? 'd LLL' : crossesDays ? 'd LLL HH:mm' : 'HH:mm';
  const width = labelWidth(at(0).toFormat(fmt)) + 12;
  const step = Math.max(1, Math.ceil(width / geometry.barWidth));
  const out: { x: number; text: string }[] = [];
  for (let i = 0; i <= n; i += step) {
    const x = geometry.left + i * geometry.barWidth;
    const text = at(i).toFormat(fmt);
    if (x + labelWidth(text) > geometry.right) break;
    out.push({ x, text });
  }
  return out;
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4b5563'];

/** Stacked bars of messages per bucket and provider, with the incident window shaded. */
function sendChart(r: IncidentReport): string {
  const { bucketMs, from, to, buckets } = r.series;
  if (!buckets.length) return '<p class="muted">No messages were sent for the affected campaigns.</p>';
  const providers = [...new Set(buckets.map((b) => b.provider))];
  const n = Math.max(
    Math.max(...buckets.map((b) => b.bucket)) + 1,
    Math.ceil((Date.parse(to) - Date.parse(from)) / bucketMs),
  );
  const totals = new Array<number>(n).fill(0);
  for (const b of buckets) if (b.bucket >= 0) totals[b.bucket]! += b.n;
  const max = Math.max(1, ...totals);
  const W = 720;
  const H = 220;
  const left = 48;
  const bottom = 28;
  const bw = (W - left - 8) / Math.max(n, 1);
  const y = (v: number) => H - bottom - (v / max) * (H - bottom - 10);
  const t0 = Date.parse(from);
  const xAt = (iso: string) => left + ((Date.parse(iso) - t0) / bucketMs) * bw;
  const shadeFrom = Math.max(left, xAt(r.window.from));
  const shadeTo = Math.min(W - 8, xAt(r.window.to));
  const stack = new Array<number>(n).fill(0);
  const bars = buckets
    .filter((b) => b.bucket >= 0)
    .map((b) => {
      const color = PALETTE[providers.indexOf(b.provider) % PALETTE.length];
      const y1 = y(stack[b.bucket]! + b.n);
      const h = y(stack[b.bucket]!) - y1;
      stack[b.bucket]! += b.n;
      return `<rect x="${(left + b.bucket * bw + 1).toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(bw - 2, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${esc(b.provider)}: ${b.n}</title></rect>`;
    })
    .join('');
  const ticks = [0, Math.round(max / 2), max]
    .map(
      (v) =>
        `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text><line x1="${left}" x2="${W - 8}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
    )
    .join('');
  const labels = axisLabels(t0, bucketMs, n, r.timeZone, { left, barWidth: bw, right: W })
    .map(
      (l) =>
        `<line x1="${l.x.toFixed(1)}" x2="${l.x.toFixed(1)}" y1="${H - bottom}" y2="${H - bottom + 4}" class="grid"/><text class="x-label" x="${l.x.toFixed(1)}" y="${H - 8}" text-anchor="start">${esc(l.text)}</text>`,
    )
    .join('');
  const day = DateTime.fromMillis(t0, { zone: validZone(r.timeZone) }).setLocale('en-GB');
  const sameDay = day.hasSame(DateTime.fromMillis(t0 + n * bucketMs, { zone: day.zone }), 'day');
  const axisNote = `times ${sameDay ? `on ${day.toFormat('ccc d LLL yyyy')} ` : ''}in ${esc(r.timeZone)}`;
  const legend = providers
    .map(
      (p, i) => `<span class="key"><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(p)}</span>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Messages sent over time by provider">
    <rect x="${shadeFrom.toFixed(1)}" y="0" width="${Math.max(shadeTo - shadeFrom, 1).toFixed(1)}" height="${H - bottom}" class="outage"><title>Incident window</title></rect>
    ${ticks}${bars}${labels}</svg>
    <div class="legend">${legend}<span class="key"><i class="outage-key"></i>incident</span>
    <span class="muted">one bar = ${humanDuration(bucketMs)}; ${axisNote}</span></div>`;
}

/** The provider's colour in the time chart, so both charts agree. */
function providerColor(r: IncidentReport, provider: string): string {
  const providers = [...new Set(r.series.buckets.map((b) => b.provider))];
  const i = providers.indexOf(provider);
  return PALETTE[(i < 0 ? providers.length : i) % PALETTE.length]!;
}

/** Horizontal bars for a small table of counts. */
function barList(rows: { label: string; n: number; color?: string }[], color = '#2563eb'): string {
  if (!rows.length) return '<p class="muted">None.</p>';
  const max = Math.max(1, ...rows.map((r) => r.n));
  const H = rows.length * 26 + 4;
  return `<svg viewBox="0 0 720 ${H}" role="img">${rows
    .map((r, i) => {
      const w = (r.n / max) * 440;
      return `<text x="0" y="${i * 26 + 17}">${esc(r.label)}</text><rect x="230" y="${i * 26 + 4}" width="${w.toFixed(1)}" height="18" fill="${r.color ?? color}"/><text x="${236 + w}" y="${i * 26 + 17}">${r.n}</text>`;
    })
    .join('')}</svg>`;
}

export function renderReportHtml(r: IncidentReport): string {
  const tz = r.timeZone;
  const t = (iso: string | null) => (iso ? esc(displayTime(iso, tz)) : '—');
  const totalSent = Object.values(r.byProvider).reduce((a, b) => a + b, 0);
  const totalFailed = r.failures.reduce((a, f) => a + f.count, 0);
  const maxDelay = Math.max(0, ...r.campaigns.map((c) => c.delayMs ?? 0));
  const campaignRows = r.campaigns
    .map(
      (
        c,
      ) => `<tr><td>${esc(c.name || c.subject)}<div class="muted">#${c.id} · ${esc(c.status)}${c.originalProvider ? ` · from ${esc(c.originalProvider)}` : ''}</div></td>
      <td>${t(c.scheduledAt)}</td><td>${t(c.firstSentAt)}</td>
      <td class="num">${c.delayMs === null ? '—' : esc(delayText(c.delayMs))}</td>
      <td class="num">${c.sent} / ${c.recipients}</td><td class="num">${c.failed}</td><td class="num">${c.unsubscribes}</td>
      <td>${
        Object.entries(c.byProvider)
          .map(([p, n]) => `${esc(p)}: ${n}`)
          .join('<br>') || '—'
      }</td></tr>`,
    )
    .join('');
  const failRows = r.failures
    .map(
      (f) =>
        `<tr><td>${esc(f.errorClass)}</td><td>${esc(f.state === 'failed_perm' ? 'permanent' : 'temporary')}</td><td class="num">${f.smtpCode ?? '—'}</td><td class="num">${f.count}</td></tr>`,
    )
    .join('');
  const custodyRows = r.custody
    .map(
      (o) =>
        `<tr class="${o.state === 'double_sent' ? 'sev-error' : o.state === 'pending' ? 'sev-warning' : ''}"><td>${esc(o.name)}<div class="muted">#${o.campaignId} · taken over by ${esc(o.reason)}</div></td>
      <td>${t(o.espSendAt)}</td><td>${esc(CUSTODY_STATE[o.state] ?? o.state)}${o.outcome ? `<div class="muted">${esc(o.outcome)}</div>` : ''}</td>
      <td class="num">${o.state === 'double_sent' ? (o.affected ?? 0) : '—'}</td></tr>`,
    )
    .join('');
  const events = r.timeline
    .map(
      (e) =>
        `<tr class="sev-${esc(e.severity)}"><td class="nowrap">${t(e.at)}</td><td>${esc(e.words)}</td><td>${esc(e.message)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Incident ${r.incident.id}: ${esc(r.incident.title)}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; margin: 32px auto; max-width: 960px; padding: 0 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h3 { font-size: 14px; margin: 14px 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
  .muted { color: #6b7280; font-size: 12px; } .nowrap { white-space: nowrap; }
  .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 16px 0; }
  .card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; } .card b { display: block; font-size: 20px; }
  table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
  th { font-size: 12px; color: #374151; background: #f9fafb; } .num { text-align: right; font-variant-numeric: tabular-nums; }
  svg { width: 100%; height: auto; font-size: 11px; fill: #374151; } svg .grid { stroke: #e5e7eb; } svg .outage { fill: #fee2e2; }
  .legend { margin-top: 4px; font-size: 12px; } .key { margin-right: 14px; } .key i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
  .outage-key { background: #fee2e2; border: 1px solid #fca5a5; }
  .sev-error td { color: #991b1b; } .sev-warning td { color: #92400e; }
  .status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #dcfce7; color: #166534; }
  .status.open { background: #fee2e2; color: #991b1b; }
  @media print {
    body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } tr, svg, .card { break-inside: avoid; }
    .cards { grid-template-columns: repeat(4, 1fr); } @page { size: A4; margin: 14mm; }
  }
</style></head><body>
<h1>Incident ${r.incident.id}: ${esc(r.incident.title)}</h1>
<div><span class="status ${r.window.ongoing ? 'open' : ''}">${r.window.ongoing ? 'ongoing' : 'resolved'}</span>
  <span class="muted">${t(r.window.from)} → ${r.window.ongoing ? 'now' : t(r.window.to)} · ${esc(humanDuration(r.window.durationMs))} · times in ${esc(tz)}</span></div>
<div class="cards">
  <div class="card"><b>${r.campaigns.length}</b>affected campaign${r.campaigns.length === 1 ? '' : 's'}</div>
  <div class="card"><b>${totalSent}</b>messages sent</div>
  <div class="card"><b>${totalFailed}</b>failed deliveries</div>
  <div class="card"><b>${esc(maxDelay ? delayText(maxDelay) : 'none')}</b>longest delay</div>
</div>
${r.doubleSent ? `<p class="sev-error" data-double-send="${r.doubleSent}"><b>Confirmed double send: ${r.doubleSent} ${r.doubleSent === 1 ? 'person' : 'people'} got a campaign twice</b> (the ESP sent it after Understudy had sent it through a backup).</p>` : ''}
<h2>Affected campaigns</h2>
${r.campaigns.length ? `<table><thead><tr><th>Campaign</th><th>Scheduled</th><th>Actually sent</th><th class="num">Delay</th><th class="num">Sent</th><th class="num">Failed</th><th class="num">Unsubscribed</th><th>By provider</th></tr></thead><tbody>${campaignRows}</tbody></table>` : '<p class="muted">No campaign was due or sending during this incident.</p>'}
<h2>At the ESP</h2>
${r.custody.length ? `<table><thead><tr><th>Campaign</th><th>ESP's own send time</th><th>What became of it there</th><th class="num">Got it twice</th></tr></thead><tbody>${custodyRows}</tbody></table>` : '<p class="muted">Understudy took no campaign over from the ESP.</p>'}
${r.recovery.map((e) => `<p>${t(e.at)}: ${esc(e.message)}</p>`).join('') || (r.window.ongoing ? '<p class="muted">The ESP has not answered again yet.</p>' : '')}
<h2>Messages over time</h2>
${sendChart(r)}
<h2>Messages by provider</h2>
${barList(Object.entries(r.byProvider).map(([label, n]) => ({ label, n, color: providerColor(r, label) })))}
<h2>Failures by class</h2>
${r.failures.length ? `<table><thead><tr><th>Class</th><th>Kind</th><th class="num">SMTP code</th><th class="num">Deliveries</th></tr></thead><tbody>${failRows}</tbody></table>` : '<p class="muted">No delivery failed.</p>'}
${
  r.leftOut.length
    ? `<h2>Left out to protect a backup's reputation</h2><table data-left-out><thead><tr><th>Campaign</th><th>Why</th><th class="num">People</th></tr></thead><tbody>${r.leftOut
        .map(
          (l) =>
            `<tr><td>${esc(r.campaigns.find((c) => c.id === l.campaignId)?.name ?? `#${l.campaignId}`)}</td><td>${esc(RISKY_WORDS[l.reason] ?? l.reason)}</td><td class="num">${l.count}</td></tr>`,
        )
        .join(
          '',
        )}</tbody></table><p class="muted">They were not unsubscribed or suppressed: they were only left out of this send through a cold or small backup.</p>`
    : ''
}
<h2>Unsubscribes and bounces during the incident</h2>
${barList(
  r.statusChanges.map((s) => ({ label: s.status, n: s.count })),
  '#d97706',
)}
${relayFeedbackHtml(r)}
<p class="muted">Suppressions added: ${r.suppressions.map((s) => `${esc(s.status)} ${s.count}`).join(', ') || 'none'}. Each was honoured at once and is queued for the ESP when it came from one.</p>
${reviewSection(r)}
<h2>Timeline</h2>
<table><thead><tr><th>When</th><th>What</th><th>Detail</th></tr></thead><tbody>${events}</tbody></table>
<p class="muted">Generated by Understudy at ${t(r.generatedAt)}.</p>
</body></html>
`;
}

/** The review as the team wrote it; an unwritten review prints as a form to fill in by hand. */
function reviewSection(r: IncidentReport): string {
  const v = r.review;
  const para = (s: string) =>
    s
      ? esc(s)
          .split(/\n{2,}/)
          .map((x) => `<p>${x.replace(/\n/g, '<br>')}</p>`)
          .join('')
      : '<p class="muted">Not written yet.</p>';
  const actions = v.actions.length
    ? `<table data-review-actions><thead><tr><th>Action</th><th>Owner</th><th>Done</th></tr></thead><tbody>${v.actions
        .map(
          (a) =>
            `<tr><td>${esc(a.text)}</td><td>${esc(a.owner)}</td><td>${a.done ? `yes${a.doneAt ? `, ${esc(displayTime(a.doneAt, r.timeZone))}` : ''}` : 'not yet'}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">No actions yet.</p>';
  return `<h2>Review</h2>
<div data-review>
<h3>Cause</h3><p><b>${v.cause ? esc(INCIDENT_CAUSE_WORDS[v.cause]) : 'Not chosen yet'}</b></p>${v.causeText ? para(v.causeText) : ''}
<h3>What worked</h3>${para(v.worked)}
<h3>What did not</h3>${para(v.didNotWork)}
<h3>Actions</h3>${actions}
${v.updatedAt ? `<p class="muted">Review last saved ${esc(displayTime(v.updatedAt, r.timeZone))}.</p>` : ''}
</div>`;
}

const RELAY_KIND_WORDS: Record<RelayFeedbackKind, [string, string]> = {
  bounce: ['bounce', 'bounces'],
  complaint: ['spam complaint', 'spam complaints'],
  unsubscribe: ['unsubscribe', 'unsubscribes'],
};

/** What the relays reported through their APIs, one line per provider. */
function relayFeedbackHtml(r: IncidentReport): string {
  if (!r.relayFeedback.length) return '';
  const byProvider = new Map<string, string[]>();
  for (const f of r.relayFeedback) {
    const [one, many] = RELAY_KIND_WORDS[f.kind];
    byProvider.set(f.provider, [
      ...(byProvider.get(f.provider) ?? []),
      `${f.count} ${f.count === 1 ? one : many}`,
    ]);
  }
  return `<p data-relay-feedback>Reported by your relays (read from their APIs, since their bounces never reach your mailbox): ${[
    ...byProvider,
  ]
    .map(([p, parts]) => `${esc(p)}: ${esc(parts.join(', '))}`)
    .join('; ')}.</p>`;
}

function delayText(ms: number): string {
  if (ms < 60_000) return ms <= 0 ? 'on time' : `${Math.round(ms / 1000)} s`;
  return humanDuration(ms);
}

/**
 * Builds the report and, with `out`, writes it through files/protected.ts: never over the database,
 * the secret file or a backup, an existing file only with `force`, owner-only, atomically.
 */
export function writeReport(
  engine: Engine,
  incidentId: number,
  out: string | undefined,
  timeZone: string,
  options: { force?: boolean } = {},
): { html: string; out: string | null; report: IncidentReport } {
  // Checked before the report is built, so a refused path costs nothing and says so at once.
  const target = out
    ? outputTarget(engine, out, { force: options.force === true, what: 'the report' })
    : null;
  const report = buildReport(engine, incidentId, timeZone);
  const html = renderReportHtml(report);
  if (!target) return { html, out: null, report };
  writeTarget(target, html, 'the report');
  return { html, out: target.path, report };
}
