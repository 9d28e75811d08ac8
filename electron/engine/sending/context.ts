/**
 * Per-engine sending state shared by every run in this process: the secret store the shell gave us,
 * each provider's rate limiter and circuit breaker (so two campaigns sending at once share one
 * provider's caps), and the runs in progress (so pause/cancel reach them at once).
 */
import type { Engine } from '../engine';
import type { SecretStore } from '../secrets';
import { userError } from '../errors';
import { RateLimiter, DAY_SECONDS } from './limiter';
import { CircuitBreaker, type BreakerOptions } from './breaker';
import type { ProviderRow } from '../db/repos/providers';
import { providerWarmup } from './warmup';

interface SendingContext {
  secrets?: SecretStore;
  limiters: Map<number, { limiter: RateLimiter; capsKey: string }>;
  breakers: Map<number, CircuitBreaker>;
  /** campaign id → controller of the run in this process. */
  runs: Map<number, AbortController>;
}

const contexts = new WeakMap<Engine, SendingContext>();

export function sendingContext(engine: Engine): SendingContext {
  let c = contexts.get(engine);
  if (!c) {
    c = { limiters: new Map(), breakers: new Map(), runs: new Map() };
    contexts.set(engine, c);
  }
  return c;
}

/** The app (safeStorage), browser mode and the CLI (encrypted file) each hand their store in here. */
export function useSecretStore(engine: Engine, store: SecretStore): void {
  sendingContext(engine).secrets = store;
}

export function secretStoreOf(engine: Engine, given?: SecretStore): SecretStore {
  const s = given ?? sendingContext(engine).secrets;
  if (!s) {
    throw userError('The secret store is not open, so passwords cannot be read or saved.', {
      code: 'secrets_unavailable',
      safe: 'Nothing was sent or changed.',
      next: 'In the command line, set UNDERSTUDY_PASSPHRASE or type the passphrase when asked.',
      appNext: 'Unlock the secret store with your passphrase (Providers screen), then try again.',
    });
  }
  return s;
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
