/**
 * Which provider sends the next message: the chain's order and sharing (README "Chain").
 *
 * - Order: providers are grouped in tiers by `priority`, lower first. The first tier with a member
 *   that may send now is used; a member is skipped while it is switched off for this run (mass
 *   rejection, or paused by the reputation watch), its breaker is open or paused, or its caps would
 *   make the next message wait more than `overflowMs` (it overflows to the next tier).
 * - Sharing: inside the tier, smooth weighted round-robin (nginx) over the whole tier. The next message
 *   goes to the member whose turn it is and waits for it if it is busy (all its connections in use, or
 *   its half-open probe still out), so a campaign is split by weight rather than by whichever
 *   connection happens to be free. Weights all 0 share equally; a weight of 0 beside others gets nothing.
 *
 * No SMTP here: members carry their breaker and limiter, and the caller applies the breaker's
 * transitions (events, health) through `onTransitions`.
 */
import type { BreakerTransition, CircuitBreaker } from './breaker';
import type { RateLimiter } from './limiter';
import type { ProviderRow } from '../db/repos/providers';

export interface ChainMember {
  row: Pick<ProviderRow, 'id' | 'name' | 'priority' | 'weight' | 'maxConnections'>;
  limiter: Pick<RateLimiter, 'waitMs'>;
  breaker: CircuitBreaker;
  /** Its transport once opened: how many messages a connection holds at once. */
  transport: { readonly depth?: number | undefined } | null;
  /** Messages handed to it whose outcome is not known yet. */
  inflight: number;
  /** Smooth weighted round-robin's running weight. */
  current: number;
}

export interface ChooserOptions<M extends ChainMember> {
  /** A member whose caps make the next message wait longer than this overflows to the next tier. */
  overflowMs: number;
  /** When the member whose turn it is is busy, look again after this long at most. */
  busyRetryMs: number;
  /**
   * Switched off for this run (the mass-rejection guard's trip, or paused by the reputation watch over
   * its bounce/complaint limit): never chosen, never waited for.
   */
  isOff: (m: M) => boolean;
  /** The breaker moved (half-open, unpaused) while being checked. */
  onTransitions: (m: M, ts: BreakerTransition[]) => void;
}

/** The tier in use changed: failover to a worse one, or failback to a better one. */
export interface TierChange {
  worse: boolean;
  /** Names of the tier's members, quoted: `"A", "B"`. */
  from: string;
  to: string;
}

export interface Choice<M> {
  /** Who sends the next message now (null: nobody; look again at `retryAt`). */
  member: M | null;
  retryAt: number;
  tierChange: TierChange | null;
}

export class ProviderChooser<M extends ChainMember> {
  private lastTier: number | null = null;
  private lastTierNames = '';

  constructor(
    private readonly members: readonly M[],
    private readonly opts: ChooserOptions<M>,
  ) {}

  /** Picks the member for the next message at `at` (ms), or says when to look again. */
  choose(at: number): Choice<M> {
    const tiers = this.usableTiers(at);
    const order = [...tiers.keys()].sort((a, b) => a - b);
    if (order.length === 0) return { member: null, retryAt: this.nextChance(at), tierChange: null };
    const tierKey = order[0]!;
    const tier = tiers.get(tierKey)!;
    const names = tier.map((m) => `"${m.row.name}"`).join(', ');
    const tierChange =
      this.lastTier !== null && tierKey !== this.lastTier
        ? { worse: tierKey > this.lastTier, from: this.lastTierNames, to: names }
        : null;
    this.lastTier = tierKey;
    this.lastTierNames = names;
    const weight = weightsOf(tier);
    const best = turnOf(tier, weight);
    const wait = best.limiter.waitMs(at);
    if (wait > 0 || this.isBusy(best))
      return { member: null, retryAt: at + (wait > 0 ? wait : this.opts.busyRetryMs), tierChange };
    advance(tier, best, weight);
    return { member: best, retryAt: at, tierChange };
  }

  /** The members that may send now (or soon enough), by priority. */
  private usableTiers(at: number): Map<number, M[]> {
    const tiers = new Map<number, M[]>();
    for (const m of this.members) {
      if (this.opts.isOff(m)) continue;
      const c = m.breaker.check(at);
      this.opts.onTransitions(m, c.transitions);
      if (m.breaker.blockedUntil(at) !== null) continue;
      const probeBusy = m.breaker.state === 'half_open' && m.breaker.probeInFlight;
      if (!c.allowed && !probeBusy) continue;
      if (m.limiter.waitMs(at) > this.opts.overflowMs) continue;
      const tier = tiers.get(m.row.priority) ?? [];
      tier.push(m);
      tiers.set(m.row.priority, tier);
    }
    return tiers;
  }

  /** Nobody can send: the earliest moment a breaker or a cap lets someone. */
  private nextChance(at: number): number {
    let retryAt = Number.POSITIVE_INFINITY;
    for (const m of this.members) {
      if (this.opts.isOff(m)) continue;
      const blocked = m.breaker.blockedUntil(at);
      retryAt = Math.min(retryAt, Math.max(blocked ?? at, at + m.limiter.waitMs(at)));
    }
    return retryAt;
  }

  private isBusy(m: M): boolean {
    return (
      m.inflight >= m.row.maxConnections * (m.transport?.depth ?? 1) ||
      (m.breaker.state === 'half_open' && m.breaker.probeInFlight)
    );
  }
}

/** A member's weight in its tier: weights all 0 count as all 1 (an equal share). */
function weightsOf<M extends ChainMember>(tier: readonly M[]): (m: M) => number {
  const allZero = tier.every((m) => m.row.weight === 0);
  return (m) => (allZero ? 1 : m.row.weight);
}

/** Whose turn it is in the tier (smooth weighted round-robin), without taking the turn. */
function turnOf<M extends ChainMember>(tier: readonly M[], weight: (m: M) => number): M {
  let best: M | null = null;
  for (const m of tier) {
    const w = weight(m);
    if (w > 0 && (!best || m.current + w > best.current + weight(best))) best = m;
  }
  return best!;
}

/** `chosen` takes its turn: everyone gains its weight, the chosen one gives the tier's total back. */
function advance<M extends ChainMember>(tier: readonly M[], chosen: M, weight: (m: M) => number): void {
  let total = 0;
  for (const m of tier) {
    m.current += weight(m);
    total += weight(m);
  }
  chosen.current -= total;
}
