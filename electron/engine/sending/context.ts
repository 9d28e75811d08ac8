/**
 * Sending's view of the engine's services (services.ts): the secret store, each provider's rate
 * limiter and circuit breaker (built on first use, shared by every run of the engine) and the runs
 * in progress. The state lives on the engine; these are its accessors.
 */
import type { Engine } from '../engine';
import type { SecretStore } from '../secrets';
import type { SendingState } from '../services';
import { RateLimiter, DAY_SECONDS } from './limiter';
import { CircuitBreaker, type BreakerOptions } from './breaker';
import type { ProviderRow } from '../db/repos/providers';
import { providerWarmup } from './warmup';

export function sendingContext(engine: Engine): SendingState {
  return engine.services.sending;
}

/** `given`, else the engine's secret store, else a clear "locked" error. */
export function secretStoreOf(engine: Engine, given?: SecretStore): SecretStore {
  return engine.services.secrets.store(given);
}

export function limiterFor(engine: Engine, p: ProviderRow): RateLimiter {
  const ctx = sendingContext(engine);
  // A cold provider's warm-up curve is one more window (issue 16 §3); a change of state rebuilds it.
  const warmup = providerWarmup(engine, p).limiter;
  const capsKey = JSON.stringify([p.caps, warmup]);
  const have = ctx.limiters.get(p.id);
  if (have && (have.capsKey === capsKey || sameStreak(have.capsKey, p, warmup))) return have.limiter;
  const since = Math.floor(engine.clock.now() / 1000) - DAY_SECONDS;
  const limiter = new RateLimiter(p.caps, engine.repos.providerState.sendLog(p.id, since), warmup);
  ctx.limiters.set(p.id, { limiter, capsKey });
  return limiter;
}

/** A cold limiter that has started its curve in this process is the same streak the history now shows. */
function sameStreak(
  key: string,
  p: ProviderRow,
  warmup: ReturnType<typeof providerWarmup>['limiter'],
): boolean {
  return (
    warmup !== null &&
    warmup.startSecond !== null &&
    key === JSON.stringify([p.caps, { ...warmup, startSecond: null }])
  );
}

export function breakerFor(engine: Engine, providerId: number, opts: BreakerOptions): CircuitBreaker {
  const ctx = sendingContext(engine);
  let b = ctx.breakers.get(providerId);
  if (!b) {
    b = new CircuitBreaker(providerId, opts, engine.repos.providerState.breaker(providerId));
    ctx.breakers.set(providerId, b);
  }
  return b;
}

/** Forget cached state of a provider (edited or removed). */
export function forgetProvider(engine: Engine, providerId: number): void {
  const ctx = sendingContext(engine);
  ctx.limiters.delete(providerId);
  ctx.breakers.delete(providerId);
}
