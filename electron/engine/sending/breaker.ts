/**
 * A provider's circuit breaker and quota pause.
 *
 * closed → open: at once on a hard failure (connection refused, TLS, auth, sender refused), or after
 * `threshold` consecutive soft failures (4xx replies, dropped connections) with no success between.
 * open → half_open: after a cool-down that doubles with each trip (capped); one probe message is let
 * through. Its success closes the breaker; its failure opens it again for longer.
 * A quota reply (daily limit, throttling) pauses the provider until its window resets instead: that is
 * not a failure of the provider, and when the pause ends it is simply available again.
 *
 * The state is persisted (provider_breakers) at every transition, so the next run — or the next start
 * of the app — does not hammer a provider that is down or out of quota.
 */
import type { BreakerRow, BreakerState } from '../db/repos/providerState';
import type { ProviderHealth } from '../db/repos/providers';

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

export type BreakerTransition =
  | { type: 'opened'; reason: string; retryAt: number }
  | { type: 'half_open' }
  | { type: 'closed' }
  | { type: 'paused'; reason: string; until: number }
  | { type: 'unpaused' };

/** What a transition does outside the breaker: the provider's health and the timeline event. */
export interface TransitionEffect {
  /** The provider's health from now on (null: left as it is). */
  health: ProviderHealth | null;
  type: 'provider.down' | 'provider.half_open' | 'provider.up' | 'provider.paused' | 'provider.resumed';
  severity?: 'warning' | 'error';
  message: string;
  data?: Record<string, string>;
}

type EffectOf<K extends BreakerTransition['type']> = (
  t: Extract<BreakerTransition, { type: K }>,
  name: string,
) => TransitionEffect;

const iso = (t: number) => new Date(t).toISOString();

/**
 * The table of transitions: for each, the provider's health and the event a person reads. One row a
 * transition (the compiler checks every transition has one); the run applies a row, never decides.
 * A half-open breaker leaves the health as it is: the probe has not answered yet.
 */
export const TRANSITIONS: { [K in BreakerTransition['type']]: EffectOf<K> } = {
  opened: (t, name) => ({
    health: 'down',
    type: 'provider.down',
    severity: 'error',
    message: `"${name}" is failing (${t.reason}); its circuit breaker is open until ${iso(t.retryAt)}, then one message probes it.`,
    data: { reason: t.reason, retryAt: iso(t.retryAt), breaker: 'open' },
  }),
  half_open: (_t, name) => ({
    health: null,
    type: 'provider.half_open',
    message: `Probing "${name}" with one message to see whether it is back.`,
    data: { breaker: 'half_open' },
  }),
  closed: (_t, name) => ({
    health: 'operational',
    type: 'provider.up',
    message: `"${name}" is accepting mail again; its circuit breaker is closed.`,
    data: { breaker: 'closed' },
  }),
  paused: (t, name) => ({
    health: 'paused',
    type: 'provider.paused',
    severity: 'warning',
    message: `"${name}" reported a sending limit (${t.reason}); it rests until ${iso(t.until)}. No subscriber is affected.`,
    data: { reason: t.reason, until: iso(t.until) },
  }),
  unpaused: (_t, name) => ({
    health: 'unknown',
    type: 'provider.resumed',
    message: `"${name}"'s sending limit window has reset; it is used again.`,
  }),
};

/** The row of the table for one transition. */
export function transitionEffect(t: BreakerTransition, name: string): TransitionEffect {
  return (TRANSITIONS[t.type] as (t: BreakerTransition, name: string) => TransitionEffect)(t, name);
}

export class CircuitBreaker {
  state: BreakerState = 'closed';
  failures = 0;
  trips = 0;
  openedAt: number | null = null;
  retryAt: number | null = null;
  pausedUntil: number | null = null;
  reason: string | null = null;
  /** A half-open breaker lets exactly one message through at a time. */
  probeInFlight = false;

  constructor(
    readonly providerId: number,
    private readonly opts: BreakerOptions,
    saved?: BreakerRow,
  ) {
    if (saved) {
      this.state = saved.state === 'half_open' ? 'open' : saved.state;
      this.failures = saved.failures;
      this.trips = saved.trips;
      this.openedAt = saved.openedAt ? Date.parse(saved.openedAt) : null;
      this.retryAt = saved.retryAt ? Date.parse(saved.retryAt) : null;
      this.pausedUntil = saved.pausedUntil ? Date.parse(saved.pausedUntil) : null;
      this.reason = saved.reason;
      if (this.state === 'open' && this.retryAt === null) this.retryAt = 0;
    }
  }

  /**
   * Whether a message may go to this provider now, moving open → half_open and ending a finished pause.
   * Returns the transitions that happened (for events) and the answer.
   */
  check(now: number): { allowed: boolean; transitions: BreakerTransition[] } {
    const transitions: BreakerTransition[] = [];
    if (this.pausedUntil !== null) {
      if (now < this.pausedUntil) return { allowed: false, transitions };
      this.pausedUntil = null;
      this.reason = this.state === 'closed' ? null : this.reason;
      transitions.push({ type: 'unpaused' });
    }
    if (this.state === 'open') {
      if (this.retryAt !== null && now < this.retryAt) return { allowed: false, transitions };
      this.state = 'half_open';
      this.probeInFlight = false;
      transitions.push({ type: 'half_open' });
    }
    if (this.state === 'half_open') return { allowed: !this.probeInFlight, transitions };
    return { allowed: true, transitions };
  }

  /** When this provider may be tried again (null: now, as far as the breaker is concerned). */
  blockedUntil(now: number): number | null {
    const until = Math.max(this.pausedUntil ?? 0, this.state === 'open' ? (this.retryAt ?? 0) : 0);
    return until > now ? until : null;
  }

  onDispatch(): void {
    if (this.state === 'half_open') this.probeInFlight = true;
  }

  onSuccess(): BreakerTransition[] {
    const wasDown = this.state !== 'closed';
    this.failures = 0;
    this.probeInFlight = false;
    if (!wasDown) return [];
    this.state = 'closed';
    this.trips = 0;
    this.openedAt = null;
    this.retryAt = null;
    this.reason = null;
    return [{ type: 'closed' }];
  }

  /** A failure attributable to the provider. `hard` opens the breaker at once. */
  onFailure(hard: boolean, reason: string, now: number): BreakerTransition[] {
    this.probeInFlight = false;
    this.failures++;
    if (this.state === 'open') return [];
    if (this.state === 'half_open' || hard || this.failures >= this.opts.threshold) {
      this.trips++;
      const cooldown = Math.min(this.opts.maxCooldownMs, this.opts.cooldownMs * 2 ** (this.trips - 1));
      // ±20 % jitter so several app instances don't probe a recovering provider in lockstep.
      const retryAt = now + Math.round(cooldown * (0.8 + Math.random() * 0.4));
      this.state = 'open';
      this.openedAt = now;
      this.retryAt = retryAt;
      this.reason = reason;
      return [{ type: 'opened', reason, retryAt }];
    }
    return [];
  }

  /** A quota or rate-limit reply: rest until `until`. */
  pause(until: number, reason: string): BreakerTransition[] {
    this.probeInFlight = false;
    if (this.pausedUntil !== null && this.pausedUntil >= until) return [];
    this.pausedUntil = until;
    this.reason = reason;
    return [{ type: 'paused', reason, until }];
  }

  toRow(nowIso: string): BreakerRow {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      providerId: this.providerId,
      state: this.state,
      failures: this.failures,
      trips: this.trips,
      openedAt: iso(this.openedAt),
      retryAt: iso(this.retryAt),
      pausedUntil: iso(this.pausedUntil),
      reason: this.reason,
      updatedAt: nowIso,
    };
  }
}
