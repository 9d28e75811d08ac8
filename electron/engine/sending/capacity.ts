/**
 * Capacity and finish time, before pressing send (issue 16, §4). Pure: given a snapshot of the chain —
 * each provider's caps, what it already sent in the current windows (the limiter's persisted send_log),
 * its warm-up state and whether it can carry anything at all — and a clock reading, it says how many
 * messages the chain delivers when, and when the campaign finishes.
 *
 * It follows the run's chain semantics (chooser.ts): lower priority first; a member whose caps
 * make the next message wait more than `overflowMs` overflows to the next tier; inside a tier, smooth
 * weighted round-robin, waiting for the member whose turn it is. It steps one second at a time while
 * something can send (the whole allowance of a second at once) and jumps over waits, using the real
 * `RateLimiter` windows, so a day-long wait costs one step.
 *
 * Limits: a provider without any cap is assumed to take `UNCAPPED_PER_CONNECTION` messages a second per
 * connection (an estimate of SMTP round trips, not a measurement); retries and bounces are not modelled.
 */
import type { ProviderCaps } from '../db/repos/providers';
import { RateLimiter, type WarmupState } from './limiter';

export const UNCAPPED_PER_CONNECTION = 10;
/** Stop looking after this long: a chain that needs longer is as good as unable. */
export const HORIZON_MS = 365 * 86_400_000;
/** Seconds simulated at most; beyond, the rest is extrapolated at the average rate (about a second of work). */
export const MAX_STEPS = 200_000;
/** A pause of at least this long (longer than an hourly cap's) between bursts marks the end of the first batch ("4,000 by Friday"). */
export const BATCH_GAP_MS = 2 * 3_600_000;

export interface CapacityProvider {
  id: number;
  name: string;
  priority: number;
  weight: number;
  caps: ProviderCaps;
  maxConnections: number;
  /** Per-second send counts of the last 24 hours (send_log). */
  usage: { second: number; count: number }[];
  /** null: warm (only its caps apply). */
  warmup: WarmupState | null;
  /** Why it carries nothing (down, paused, switched off), or null when it can send. */
  unavailable: string | null;
  /** A quota pause: it carries nothing before this instant (ms). */
  availableFromMs?: number | null;
}

export interface CapacitySnapshot {
  nowMs: number;
  /** Messages still to send. */
  remaining: number;
  providers: CapacityProvider[];
  overflowMs?: number;
}

export interface ProviderShare {
  id: number;
  name: string;
  messages: number;
  /** Last message through it (ms), null if none. */
  lastAtMs: number | null;
  unavailable: string | null;
  warmingUp: boolean;
}

export interface CapacityForecast {
  remaining: number;
  /** Messages the chain can deliver within the horizon. */
  deliverable: number;
  /** When the last message goes (ms), null when the chain cannot deliver them all. */
  finishAtMs: number | null;
  /** The first batch, when the chain has to stop for an hour or more before the end. */
  firstBatch: { messages: number; byMs: number } | null;
  providers: ProviderShare[];
  /** Some provider has no cap at all: its share is an estimate. */
  estimated: boolean;
}

interface Member {
  p: CapacityProvider;
  limiter: RateLimiter;
  current: number;
  share: ProviderShare;
  uncapped: boolean;
}

export function forecastCapacity(s: CapacitySnapshot): CapacityForecast {
  const overflowMs = s.overflowMs ?? 5_000;
  const remaining = Math.max(0, Math.floor(s.remaining));
  const members: Member[] = s.providers.map((p) => {
    const limiter = new RateLimiter(p.caps, p.usage, p.warmup);
    return {
      p,
      limiter,
      current: 0,
      uncapped: !limiter.limited,
      share: {
        id: p.id,
        name: p.name,
        messages: 0,
        lastAtMs: null,
        unavailable: p.unavailable,
        warmingUp: p.warmup !== null,
      },
    };
  });
  const usable = members.filter((m) => m.p.unavailable === null);
  const estimated = usable.some((m) => m.uncapped);
  let left = remaining;
  let t = Math.floor(s.nowMs / 1000) * 1000;
  const end = s.nowMs + HORIZON_MS;
  let lastSendMs: number | null = null;
  let firstBatch: CapacityForecast['firstBatch'] = null;
  let finishAtMs: number | null = remaining === 0 ? s.nowMs : null;

  let steps = 0;
  let extrapolated = false;
  while (left > 0 && t <= end && usable.length > 0) {
    if (++steps > MAX_STEPS && lastSendMs !== null) {
      // A huge campaign at a slow steady rate: go on at the average rate so far (said as an estimate).
      const rate = (remaining - left) / Math.max(1000, t - s.nowMs);
      const finish = t + left / rate;
      extrapolated = true;
      if (finish <= end) {
        finishAtMs = Math.ceil(finish / 1000) * 1000;
        left = 0;
      } else left = Math.max(0, left - Math.floor(rate * (end - t)));
      break;
    }
    const open = (m: Member) => (m.p.availableFromMs ?? 0) <= t;
    // The top tier of members that may send now or within the overflow wait.
    let tierKey: number | null = null;
    for (const m of usable) {
      if (!open(m) || m.limiter.waitMs(t) > overflowMs) continue;
      if (tierKey === null || m.p.priority < tierKey) tierKey = m.p.priority;
    }
    if (tierKey === null) {
      // Nothing can send: jump to the first moment something can.
      let next = Number.POSITIVE_INFINITY;
      for (const m of usable) {
        const from = Math.max(t, m.p.availableFromMs ?? 0);
        next = Math.min(next, from + (from === t ? m.limiter.waitMs(t) : 0));
      }
      t = Math.max(t + 1000, Math.floor(next / 1000) * 1000);
      continue;
    }
    const tier = usable.filter(
      (m) => m.p.priority === tierKey && open(m) && m.limiter.waitMs(t) <= overflowMs,
    );
    const room = new Map<Member, number>();
    for (const m of tier) {
      const a = m.limiter.allowance(t);
      room.set(m, m.uncapped ? Math.max(1, m.p.maxConnections) * UNCAPPED_PER_CONNECTION : a);
    }
    const allZero = tier.every((m) => m.p.weight === 0);
    const weightOf = (m: Member) => (allZero ? 1 : m.p.weight);
    const taken = new Map<Member, number>();
    let sentNow = 0;
    // Smooth weighted round-robin within this second, stopping when the member whose turn it is is full.
    if (tier.length === 1) {
      const m = tier[0]!;
      const n = Math.min(left, room.get(m)!);
      if (n > 0) taken.set(m, n);
      sentNow = n;
    } else {
      let total = 0;
      for (const m of tier) total += weightOf(m);
      while (left - sentNow > 0) {
        let best: Member | null = null;
        for (const m of tier) {
          const w = weightOf(m);
          if (w > 0 && (!best || m.current + w > best.current + weightOf(best))) best = m;
        }
        if (!best) break;
        const used = taken.get(best) ?? 0;
        if (used >= room.get(best)!) break;
        for (const m of tier) m.current += weightOf(m);
        best.current -= total;
        taken.set(best, used + 1);
        sentNow++;
      }
    }
    if (sentNow > 0) {
      if (lastSendMs !== null && firstBatch === null && t - lastSendMs >= BATCH_GAP_MS)
        firstBatch = { messages: remaining - left, byMs: lastSendMs };
      for (const [m, n] of taken) {
        if (!m.uncapped) m.limiter.take(t, n);
        m.share.messages += n;
        m.share.lastAtMs = t;
      }
      left -= sentNow;
      lastSendMs = t;
      if (left === 0) finishAtMs = t;
    }
    t += 1000;
  }
  return {
    remaining,
    deliverable: remaining - left,
    finishAtMs,
    firstBatch,
    providers: members.map((m) => m.share),
    estimated: estimated || extrapolated,
  };
}
