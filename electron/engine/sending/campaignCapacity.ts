/**
 * The capacity forecast of one campaign through the current chain (issue 16, §4): reads the snapshot
 * (caps, the limiter's send_log of the last 24 h, warm-up, health, breaker pauses) and hands it to the
 * pure `forecastCapacity`, then says it in a marketer's words in the person's time zone. Used by
 * `send --dry-run`, `campaigns show`, the API (`campaignCapacity`) and the send-via-backup confirmation.
 */
import { DateTime } from 'luxon';
import type { Engine } from '../engine';
import type { ProviderRow } from '../db/repos/providers';
import type { CampaignCapacity } from '../api/capacity';
import { forecastCapacity, type CapacityForecast, type CapacityProvider } from './capacity';
import { DAY_SECONDS } from './limiter';
import { providerWarmup, type WarmupView } from './warmup';
import { requireCampaign } from './campaigns';
import { requireProvider } from './providers';
import { DEFAULT_TUNING } from './tuning';

const TIME_ZONE_KEY = 'continuity.timeZone';

export function userZone(engine: Engine, campaignZone?: string | null): string {
  const ok = (z: unknown): z is string =>
    typeof z === 'string' && z !== '' && DateTime.local().setZone(z).isValid;
  const set = engine.repos.settings.get<string>(TIME_ZONE_KEY);
  if (ok(campaignZone)) return campaignZone;
  if (ok(set)) return set;
  const sys = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return ok(sys) ? sys : 'UTC';
}

/** "today 14:05", "tomorrow 09:00", "Friday 09:00", "Mon 21 Dec 09:00", "Mon 4 Jan 2027 09:00". */
export function humanTime(ms: number, nowMs: number, zone: string): string {
  // "By" a time: round up to the next whole minute.
  const t = DateTime.fromMillis(Math.ceil(ms / 60_000) * 60_000, { zone });
  const now = DateTime.fromMillis(nowMs, { zone });
  const days = Math.round(t.startOf('day').diff(now.startOf('day'), 'days').days);
  const hm = t.toFormat('HH:mm');
  if (days === 0) return `today ${hm}`;
  if (days === 1) return `tomorrow ${hm}`;
  if (days > 1 && days < 7) return `${t.setLocale('en-GB').toFormat('cccc')} ${hm}`;
  return t.setLocale('en-GB').toFormat(t.year === now.year ? 'ccc d LLL HH:mm' : 'ccc d LLL yyyy HH:mm');
}

const n = (x: number) => x.toLocaleString('en-US');

/** What a campaign still has to send: its outbox when it has one, else its list's subscribed members. */
export function remainingOf(engine: Engine, campaignId: number): number {
  const c = requireCampaign(engine, campaignId);
  if (c.status === 'sent' || c.status === 'cancelled') return 0;
  const counts = engine.repos.deliveries.counts(c.id);
  if (counts.total > 0) return counts.queued + counts.claimed;
  if (c.listId === null) return 0;
  return engine.repos.lists.countsByStatus(c.listId).subscribed ?? 0;
}

function unavailableReason(engine: Engine, p: ProviderRow): string | null {
  if (!p.enabled) return 'switched off';
  if (p.health === 'down') return 'down';
  if (p.health === 'paused') return 'paused';
  return null;
}

export function snapshotOf(
  engine: Engine,
  chain: ProviderRow[],
): { providers: CapacityProvider[]; warmups: Map<number, WarmupView> } {
  const nowMs = engine.clock.now();
  const since = Math.floor(nowMs / 1000) - DAY_SECONDS;
  const warmups = new Map<number, WarmupView>();
  const providers = chain.map((p): CapacityProvider => {
    const w = providerWarmup(engine, p);
    warmups.set(p.id, w);
    const b = engine.repos.providerState.breaker(p.id);
    const from = [b?.pausedUntil, b?.state === 'open' ? b.retryAt : null]
      .filter((x): x is string => typeof x === 'string')
      .map((x) => Date.parse(x))
      .filter((x) => x > nowMs);
    return {
      id: p.id,
      name: p.name,
      priority: p.priority,
      weight: p.weight,
      caps: p.caps,
      maxConnections: p.maxConnections,
      usage: engine.repos.providerState.sendLog(p.id, since),
      warmup: w.limiter,
      unavailable: unavailableReason(engine, p),
      availableFromMs: from.length ? Math.max(...from) : null,
    };
  });
  return { providers, warmups };
}

/** Says a forecast in words: the sentence and the notes. */
export function describeForecast(
  f: CapacityForecast,
  chain: CapacityProvider[],
  warmups: Map<number, WarmupView>,
  nowMs: number,
  zone: string,
): { summary: string; notes: string[] } {
  const at = (ms: number) => humanTime(ms, nowMs, zone);
  const notes: string[] = [];
  for (const p of chain) {
    if (p.unavailable) notes.push(`"${p.name}" is ${p.unavailable} and carries nothing.`);
    const w = warmups.get(p.id);
    if (!p.unavailable && w && w.state !== 'warm')
      notes.push(
        w.state === 'cold'
          ? `"${p.name}" is cold (${w.lastSentDay ? `idle ${w.idleDays} days` : 'it has never sent'}): it warms up from ${n(w.capPerHour ?? 0)} an hour on its first day.`
          : `"${p.name}" is warming up (day ${(w.curveDay ?? 0) + 1} of ${w.curve?.days ?? 0}): at most ${n(w.capPerHour ?? 0)} an hour today.`,
      );
    if (!p.unavailable && Object.values(p.caps).every((c) => c === null || c <= 0))
      notes.push(`"${p.name}" has no sending limit set, so its share is an estimate.`);
  }
  let summary: string;
  if (f.remaining === 0) summary = 'Nothing is left to send for this campaign.';
  else if (chain.length === 0) summary = `No backup is set up to send the ${n(f.remaining)} messages.`;
  else if (f.deliverable === 0)
    summary = `No backup can carry this campaign now: none of them can send. Nothing of the ${n(f.remaining)} messages would go out until one is back.`;
  else if (f.finishAtMs === null)
    summary = `Backups can deliver ${n(f.deliverable)} of ${n(f.remaining)} within a year; the rest does not fit their sending limits.`;
  else if (f.firstBatch)
    summary = `Backups can deliver ${n(f.firstBatch.messages)} of ${n(f.remaining)} by ${at(f.firstBatch.byMs)}; the rest by ${at(f.finishAtMs)}.`;
  else summary = `Backups can deliver all ${n(f.remaining)} by ${at(f.finishAtMs)}.`;
  return { summary, notes };
}

export function campaignCapacity(
  engine: Engine,
  campaignId: number,
  opts: { via?: string | undefined; remaining?: number } = {},
): CampaignCapacity {
  const c = requireCampaign(engine, campaignId);
  const chain = opts.via
    ? [requireProvider(engine, opts.via)]
    : engine.repos.providers.all('smtp').filter((p) => p.enabled);
  const remaining = opts.remaining ?? remainingOf(engine, c.id);
  const nowMs = engine.clock.now();
  const { providers, warmups } = snapshotOf(engine, chain);
  const f = forecastCapacity({ nowMs, remaining, providers, overflowMs: DEFAULT_TUNING.overflowMs });
  const zone = userZone(engine, c.timeZone);
  const { summary, notes } = describeForecast(f, providers, warmups, nowMs, zone);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    campaignId: c.id,
    remaining,
    deliverable: f.deliverable,
    finishAt: iso(f.finishAtMs),
    firstBatch: f.firstBatch ? { messages: f.firstBatch.messages, by: iso(f.firstBatch.byMs)! } : null,
    timeZone: zone,
    summary,
    notes,
    estimated: f.estimated,
    providers: f.providers.map((s) => {
      const w = warmups.get(s.id);
      return {
        name: s.name,
        messages: s.messages,
        lastAt: iso(s.lastAtMs),
        unavailable: s.unavailable,
        warmup: w?.state ?? 'warm',
        capPerHour: w?.capPerHour ?? null,
      };
    }),
  };
}
