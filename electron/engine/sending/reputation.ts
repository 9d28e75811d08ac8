/**
 * The reputation guard (issue 16, §5). A backup account is worth nothing once its provider suspends it,
 * and providers suspend accounts whose bounce or complaint rate crosses their limits. So, during a send,
 * Understudy keeps each provider's rolling bounce and complaint rates and pauses a provider before its
 * provider would: it is switched off (like a provider that rejects everyone, massReject.ts), the rest of
 * the campaign goes through the next provider of the chain (the run's ordinary failover), or the
 * campaign pauses when none is left, and the team is alerted: sending sits below continuity, so the
 * pause is recorded asking for a person's attention (`data.notify`, `data.title`) and the continuity
 * service raises the desktop notification and the team email (continuity/service.ts → teamAlerts.ts).
 *
 * What is counted, per provider, over its most recent `window` messages of the send (ROLLING_WINDOW,
 * never fewer than the minimum sample):
 * - bounces: "unknown user" replies during the SMTP conversation, and bounce reports (DSNs) about a
 *   message it accepted that arrive later — from the backup mailbox (IMAP), or any other source that
 *   records a suppression (an ESP/provider API pull): whatever lands as a bounced suppression of an
 *   address whose message of this campaign that provider accepted;
 * - complaints: spam complaints (ARF feedback loops, provider pulls) recorded the same way.
 * Reports are read from the timeline's suppression.added events (every path that suppresses records one).
 *
 * A rate is judged only once the provider has handled at least `minSample` messages in the send
 * (200 by default, editable): below that, a few bounces of a small send say nothing about the list, and
 * no rate pauses anything.
 *
 * The limits are the ones each provider enforces or publishes (PROVIDER_LIMITS), editable per provider
 * (`providers update NAME --max-bounce-rate 4% --max-complaint-rate 0.08%`, the provider dialog).
 *
 * Also here: the people most likely to hurt a cold or small backup (riskyOffer / leaveOutRisky), left
 * out only when the person asks (`send --skip-risky`, the checkbox in the send-via-backup
 * confirmation), recorded as skipped deliveries with their reason and shown in the report.
 */
import type { Engine } from '../engine';
import { userError } from '../errors';
import type { ProviderRow } from '../db/repos/providers';
import { type RiskyReason, type RiskyRow } from '../db/repos/reputation';
import { REPUTATION_EVENTS, RISKY_WORDS, type ProviderReputation, type RiskyOffer } from '../api/reputation';
import { requireCampaign } from './campaigns';
import { requireProvider } from './providers';
import { providerWarmup } from './warmup';

export interface ReputationLimits {
  /** Fractions: 0.05 is 5 %. */
  maxBounceRate: number;
  maxComplaintRate: number;
  /** Where the numbers come from. */
  source: string;
}

/**
 * The limits each provider enforces or publishes. Mailbox accounts (Gmail, Workspace, Microsoft 365)
 * publish a spam-rate rule for bulk senders but no bounce limit: theirs is the usual 5 %.
 */
export const PROVIDER_LIMITS: Record<string, ReputationLimits> = {
  gmail: {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.003,
    source:
      "Gmail's sender guidelines: keep the spam rate under 0.1 % and never reach 0.3 % (https://support.google.com/a/answer/81126); no published bounce limit, so the usual 5 %",
  },
  'google-workspace': {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.003,
    source:
      "Gmail's sender guidelines: keep the spam rate under 0.1 % and never reach 0.3 % (https://support.google.com/a/answer/81126); no published bounce limit, so the usual 5 %",
  },
  microsoft365: {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.003,
    source:
      'Microsoft publishes no number (Outlook.com and Exchange Online block accounts that send spam); the usual limits: 5 % bounces, 0.3 % complaints',
  },
  'ses-sandbox': {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.001,
    source:
      'Amazon SES puts an account under review at a 5 % bounce rate or a 0.1 % complaint rate (https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-messages.html)',
  },
  ses: {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.001,
    source:
      'Amazon SES puts an account under review at a 5 % bounce rate or a 0.1 % complaint rate (https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-messages.html)',
  },
  mailgun: {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.0005,
    source:
      'Mailgun disables a domain above its thresholds, commonly given as 5 % bounces and 0.05 % complaints (https://documentation.mailgun.com/docs/mailgun/api-reference/lower-bounce-rate)',
  },
  sendgrid: {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.0008,
    source: 'Twilio SendGrid asks for a spam-report rate under 0.08 %; the usual 5 % bounces',
  },
  postmark: {
    maxBounceRate: 0.1,
    maxComplaintRate: 0.001,
    source: 'Postmark reviews accounts above a 10 % bounce rate or a 0.1 % spam-complaint rate',
  },
  brevo: {
    maxBounceRate: 0.05,
    maxComplaintRate: 0.001,
    source:
      'Brevo suspends accounts with high bounce or complaint rates; the usual 5 % bounces, 0.1 % complaints',
  },
};

/** Any other server: the usual limits of the field (what most providers publish). */
export const DEFAULT_LIMITS: ReputationLimits = {
  maxBounceRate: 0.05,
  maxComplaintRate: 0.003,
  source: 'no published limit for this server; the usual 5 % bounces and 0.3 % complaints',
};

/** Fewest messages through a provider in a send before its rates can pause it. */
export const DEFAULT_MIN_SAMPLE = 200;
/** The rolling rates cover a provider's most recent messages of a send, this many. */
export const ROLLING_WINDOW = 1000;

export interface ReputationSettings extends ReputationLimits {
  minSample: number;
  window: number;
  keepWarm: boolean;
  edited: { bounce: boolean; complaint: boolean; minSample: boolean };
}

export function limitsFor(preset: string | null): ReputationLimits {
  return (preset !== null ? PROVIDER_LIMITS[preset] : undefined) ?? DEFAULT_LIMITS;
}

export function reputationSettings(engine: Engine, p: ProviderRow): ReputationSettings {
  const own = engine.repos.reputation.get(p.id);
  const base = limitsFor(p.preset);
  const minSample = own?.minSample ?? DEFAULT_MIN_SAMPLE;
  return {
    maxBounceRate: own?.maxBounceRate ?? base.maxBounceRate,
    maxComplaintRate: own?.maxComplaintRate ?? base.maxComplaintRate,
    source: base.source,
    minSample,
    window: Math.max(ROLLING_WINDOW, minSample),
    keepWarm: own?.keepWarm ?? false,
    edited: {
      bounce: own?.maxBounceRate != null,
      complaint: own?.maxComplaintRate != null,
      minSample: own?.minSample != null,
    },
  };
}

/** "5 %", "0.1 %", "0.08 %". */
export function percent(rate: number): string {
  return `${Number((rate * 100).toPrecision(3)).toLocaleString('en', { maximumFractionDigits: 3 })} %`;
}

export function toApiReputation(name: string, s: ReputationSettings): ProviderReputation {
  return {
    name,
    maxBounceRate: s.maxBounceRate,
    maxComplaintRate: s.maxComplaintRate,
    minSample: s.minSample,
    window: s.window,
    edited: s.edited,
    source: s.source,
    keepWarm: s.keepWarm,
    summary: describeReputation(s),
  };
}

export function describeReputation(s: ReputationSettings): string {
  return (
    `Paused during a send when ${percent(s.maxBounceRate)} or more of its recent messages bounce, or ` +
    `${percent(s.maxComplaintRate)} or more are reported as spam — judged only once it has handled at least ` +
    `${s.minSample.toLocaleString('en')} messages of the send. Keep-warm: ${s.keepWarm ? 'on' : 'off'}.`
  );
}

export interface ReputationChange {
  /** A fraction (0.05), null: the provider's own limit; undefined: unchanged. */
  maxBounceRate?: number | null | undefined;
  maxComplaintRate?: number | null | undefined;
  minSample?: number | null | undefined;
  keepWarm?: boolean | undefined;
}

function checkRate(what: string, v: number | null | undefined): void {
  if (v === null || v === undefined) return;
  if (!Number.isFinite(v) || v <= 0 || v > 1)
    throw userError(`The ${what} limit must be more than 0 % and at most 100 %.`, {
      code: 'bad_reputation_limit',
      safe: 'Nothing was changed.',
      next: `Give a percentage such as 5% (bounces) or 0.1% (complaints), or "default" for the provider's own.`,
    });
}

/** Records what the person changed about a provider's reputation guard. */
export function changeReputation(engine: Engine, p: ProviderRow, c: ReputationChange): ReputationSettings {
  checkRate('bounce', c.maxBounceRate);
  checkRate('complaint', c.maxComplaintRate);
  if (c.minSample != null && (!Number.isInteger(c.minSample) || c.minSample < 1 || c.minSample > 1_000_000))
    throw userError('The fewest messages a rate is judged on must be a whole number from 1 to 1,000,000.', {
      code: 'bad_reputation_sample',
      safe: 'Nothing was changed.',
      next: `Give a number such as ${DEFAULT_MIN_SAMPLE} (the default).`,
    });
  const repo = engine.repos.reputation;
  const own = repo.get(p.id);
  const pick = <T>(v: T | undefined, old: T): T => (v === undefined ? old : v);
  repo.save(
    {
      providerId: p.id,
      maxBounceRate: pick(c.maxBounceRate, own?.maxBounceRate ?? null),
      maxComplaintRate: pick(c.maxComplaintRate, own?.maxComplaintRate ?? null),
      minSample: pick(c.minSample, own?.minSample ?? null),
      keepWarm: pick(c.keepWarm, own?.keepWarm ?? false),
    },
    engine.now(),
  );
  const s = reputationSettings(engine, p);
  engine.record({
    type: REPUTATION_EVENTS.changed,
    message: `"${p.name}": ${describeReputation(s)}`,
    providerId: p.id,
    data: {
      maxBounceRate: s.maxBounceRate,
      maxComplaintRate: s.maxComplaintRate,
      minSample: s.minSample,
      keepWarm: s.keepWarm,
    },
  });
  return s;
}

/** "5%", "0.1 %", "0.001" (a fraction), "default" → a fraction or null (the provider's own). */
export function parseRate(text: string, what: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'default' || t === 'none' || t === 'preset') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(t);
  const v = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1]) > 1 ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  if (!m || !Number.isFinite(v) || v <= 0 || v > 1)
    throw userError(`"${text.slice(0, 40)}" is not a ${what} limit.`, {
      code: 'bad_reputation_limit',
      safe: 'Nothing was changed.',
      next: `Give a percentage such as 5% or 0.1%, or "default" for the provider's own limit.`,
    });
  return v;
}

interface Track {
  row: ProviderRow;
  s: ReputationSettings;
  /** Delivery ids of its most recent messages: a ring of s.window slots, `next` the oldest once full. */
  recent: number[];
  next: number;
  inWindow: Set<number>;
  bounced: Set<number>;
  complained: Set<number>;
  paused: boolean;
}

export interface ReputationTrip {
  providerId: number;
  what: 'bounce' | 'complaint';
  rate: number;
  limit: number;
  count: number;
  outOf: number;
}

/**
 * One run's watch over its providers' reputation. The run tells it each message a provider accepted
 * (`sent`) or refused as unknown (`bounced`), and calls `poll` now and then to pick up bounce reports
 * and complaints recorded since it started. When a rate crosses its limit, the provider is switched
 * off, `onPause` lets the run fail over (it answers whether another provider is left), and the pause
 * is recorded for the continuity service to alert the team.
 */
export class ReputationWatch {
  private readonly tracks = new Map<number, Track>();
  private lastEventId: number;
  private readonly campaignName: string;

  constructor(
    private readonly engine: Engine,
    private readonly campaignId: number,
    rows: readonly ProviderRow[],
    private readonly onPause: (providerId: number) => boolean,
  ) {
    for (const row of rows)
      this.tracks.set(row.id, {
        row,
        s: reputationSettings(engine, row),
        recent: [],
        next: 0,
        inWindow: new Set(),
        bounced: new Set(),
        complained: new Set(),
        paused: false,
      });
    this.lastEventId = engine.repos.reputation.lastEventId();
    this.campaignName = requireCampaign(engine, campaignId).name;
  }

  isPaused(providerId: number): boolean {
    return this.tracks.get(providerId)?.paused === true;
  }

  /** A message the provider accepted. */
  sent(providerId: number, deliveryId: number): void {
    this.push(providerId, deliveryId);
  }

  /** A message the provider refused because the address does not exist (a hard bounce). */
  bounced(providerId: number, deliveryId: number): void {
    const t = this.push(providerId, deliveryId);
    if (!t) return;
    t.bounced.add(deliveryId);
    this.judge(t);
  }

  /** Bounce reports and complaints recorded since the last poll (any source but this send's replies). */
  poll(): void {
    const repo = this.engine.repos.reputation;
    const reports = repo.suppressionsAfter(this.lastEventId);
    if (reports.length === 0) return;
    this.lastEventId = reports[reports.length - 1]!.eventId;
    const touched = new Set<Track>();
    for (const r of reports) {
      if (r.source === 'send') continue; // this run's own SMTP bounces: counted as they happened
      for (const email of r.emails) {
        for (const d of repo.acceptedTo(this.campaignId, email)) {
          const t = this.tracks.get(d.providerId);
          if (!t || !t.inWindow.has(d.id)) continue;
          (r.reason === 'complained' ? t.complained : t.bounced).add(d.id);
          touched.add(t);
        }
      }
    }
    for (const t of touched) this.judge(t);
  }

  /** Where each provider stands now (for progress and tests). */
  rates(): { providerId: number; messages: number; bounces: number; complaints: number; paused: boolean }[] {
    return [...this.tracks.values()].map((t) => ({
      providerId: t.row.id,
      messages: t.recent.length,
      bounces: t.bounced.size,
      complaints: t.complained.size,
      paused: t.paused,
    }));
  }

  private push(providerId: number, deliveryId: number): Track | undefined {
    const t = this.tracks.get(providerId);
    if (!t || t.inWindow.has(deliveryId)) return t;
    if (t.recent.length < t.s.window) t.recent.push(deliveryId);
    else {
      // The window is full: the oldest message leaves it, with its bounce or complaint.
      const old = t.recent[t.next]!;
      t.inWindow.delete(old);
      t.bounced.delete(old);
      t.complained.delete(old);
      t.recent[t.next] = deliveryId;
      t.next = (t.next + 1) % t.s.window;
    }
    t.inWindow.add(deliveryId);
    return t;
  }

  private judge(t: Track): void {
    if (t.paused) return;
    const n = t.recent.length;
    if (n < t.s.minSample) return;
    const b = t.bounced.size / n;
    const c = t.complained.size / n;
    const trip: ReputationTrip | null =
      b >= t.s.maxBounceRate
        ? {
            providerId: t.row.id,
            what: 'bounce',
            rate: b,
            limit: t.s.maxBounceRate,
            count: t.bounced.size,
            outOf: n,
          }
        : c >= t.s.maxComplaintRate
          ? {
              providerId: t.row.id,
              what: 'complaint',
              rate: c,
              limit: t.s.maxComplaintRate,
              count: t.complained.size,
              outOf: n,
            }
          : null;
    if (trip) this.pause(t, trip);
  }

  private pause(t: Track, trip: ReputationTrip): void {
    t.paused = true;
    const { engine } = this;
    const name = t.row.name;
    engine.repos.providers.setEnabled(t.row.id, false, engine.now());
    engine.repos.providers.setHealth(t.row.id, 'paused', engine.now());
    const others = this.onPause(t.row.id);
    const next = [...this.tracks.values()].find((x) => !x.paused && x.row.id !== t.row.id);
    const what =
      trip.what === 'bounce'
        ? `${trip.count} of its last ${trip.outOf} messages bounced (${percent(trip.rate)})`
        : `${trip.count} of its last ${trip.outOf} messages were reported as spam (${percent(trip.rate)})`;
    const limit = `${trip.what === 'bounce' ? 'bounces' : 'complaints'} at ${percent(trip.limit)}`;
    engine.record({
      type: REPUTATION_EVENTS.paused,
      severity: 'error',
      providerId: t.row.id,
      campaignId: this.campaignId,
      message:
        `"${name}" was paused while sending "${this.campaignName}": ${what}, and the limit set for it is ${limit} ` +
        `(${t.s.edited[trip.what] ? 'your setting' : t.s.source}). Understudy stopped sending through it before its provider suspends the account; ` +
        (others
          ? `the rest goes through ${next ? `"${next.row.name}"` : 'the next provider'}. `
          : `no other provider is left, so the campaign is paused with everything not yet sent kept safe. `) +
        `Clean the list (or leave out risky addresses when sending), then turn "${name}" back on under Providers.`,
      data: {
        ...trip,
        campaign: this.campaignName,
        othersLeft: others,
        notify: true,
        title: `${name} paused: too many ${trip.what === 'bounce' ? 'bounces' : 'spam complaints'}`,
      },
    });
  }
}

/** Whether a chain has a cold, warming or small backup for `recipients` people (the offer is made then). */
function coldOrSmall(engine: Engine, chain: readonly ProviderRow[], recipients: number): string | null {
  const why: string[] = [];
  for (const p of chain) {
    const w = providerWarmup(engine, p);
    if (w.state !== 'warm') why.push(`"${p.name}" is ${w.state === 'cold' ? 'cold' : 'still warming up'}`);
    else if (p.caps.perDay !== null && p.caps.perDay < recipients)
      why.push(`"${p.name}" sends at most ${p.caps.perDay.toLocaleString('en')} a day`);
  }
  return why.length ? why.join(', ') : null;
}

function byReason(rows: readonly RiskyRow[]): { reason: RiskyReason; count: number }[] {
  const m = new Map<RiskyReason, number>();
  for (const r of rows) m.set(r.reason, (m.get(r.reason) ?? 0) + 1);
  return [...m.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}

export function describeReasons(rows: readonly { reason: RiskyReason; count: number }[]): string {
  return rows.map((r) => `${r.count.toLocaleString('en')} ${RISKY_WORDS[r.reason]}`).join(', ');
}

/**
 * Who would be left out of a campaign with "skip risky", and whether Understudy offers it (a backup in
 * the chain is cold, warming up, or has a daily cap below the audience). Reads only.
 */
export function riskyOffer(
  engine: Engine,
  campaignId: number,
  opts: { via?: string | undefined } = {},
): RiskyOffer {
  const c = requireCampaign(engine, campaignId);
  const repo = engine.repos.reputation;
  const queued = engine.repos.deliveries.counts(campaignId);
  let rows: RiskyRow[];
  let people: number;
  if (queued.total > 0) {
    rows = repo.riskyQueued(campaignId);
    people = queued.queued + queued.claimed;
  } else {
    // Not started yet: the people it would go to (its list, or the audience of its segment).
    const ids =
      c.segment !== null && c.segment !== undefined
        ? engine.repos.audience.subscriberIds(campaignId)
        : c.listId !== null
          ? [...engine.repos.subscribers.iterate(c.listId)]
              .filter((s) => s.status === 'subscribed' && !engine.repos.suppressions.get(s.emailNorm))
              .map((s) => s.id)
          : [];
    rows = repo.riskyAmong(ids);
    people = ids.length;
  }
  const chain = opts.via
    ? [requireProvider(engine, opts.via)]
    : engine.repos.providers.all('smtp').filter((p) => p.enabled);
  const why = coldOrSmall(engine, chain, people);
  const reasons = byReason(rows);
  const n = rows.length;
  const summary =
    n === 0
      ? 'Nobody on this campaign is likely to hurt a backup’s reputation.'
      : `${n.toLocaleString('en')} ${n === 1 ? 'person is' : 'people are'} most likely to hurt ${why ? 'a cold or small backup' : 'a backup'}’s reputation (${describeReasons(reasons)}).` +
        (why ? ` ${why[0]!.toUpperCase()}${why.slice(1)}: leaving them out is recommended.` : '');
  return { campaignId, count: n, byReason: reasons, offered: why !== null && n > 0, why, summary };
}

/**
 * Leaves the risky people of a campaign's outbox out (skipped, `risky:<why>`), with one timeline event
 * that says how many and why. Only queued rows change; nothing is dropped without a record.
 */
export function leaveOutRisky(engine: Engine, campaignId: number): number {
  const repo = engine.repos.reputation;
  const rows = repo.riskyQueued(campaignId);
  const n = repo.leaveOut(rows, engine.now());
  if (n > 0) {
    const reasons = byReason(rows);
    engine.record({
      type: REPUTATION_EVENTS.leftOut,
      severity: 'warning',
      message: `${n.toLocaleString('en')} ${n === 1 ? 'person was' : 'people were'} left out of "${requireCampaign(engine, campaignId).name}" to protect the backup's reputation: ${describeReasons(reasons)}. They are listed as skipped in the report; nobody was unsubscribed or suppressed.`,
      campaignId,
      data: { count: n, byReason: reasons },
    });
  }
  return n;
}

/** People left out as risky, per reason, over some campaigns (the report). */
export function leftOutRisky(
  engine: Engine,
  campaignIds: readonly number[],
): { campaignId: number; reason: RiskyReason; count: number }[] {
  return engine.repos.reputation.leftOut(campaignIds);
}
