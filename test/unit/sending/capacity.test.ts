/**
 * The capacity forecast against the limiter itself (issue 16, §4): each chain is driven message by
 * message through real RateLimiters on a ManualClock with the run's chain rules (priority tiers,
 * overflow when the next message would wait more than 5 s, smooth weighted round-robin in a tier,
 * a down provider carries nothing), and the forecast's finish must be within 5 % of the simulated one.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../electron/engine/clock';
import { RateLimiter, warmupCapAt, type WarmupState } from '../../../electron/engine/sending/limiter';
import { forecastCapacity, type CapacityProvider } from '../../../electron/engine/sending/capacity';
import { ProviderChooser } from '../../../electron/engine/sending/chooser';
import { CircuitBreaker } from '../../../electron/engine/sending/breaker';

const caps = (c: Partial<Record<'perSecond' | 'perMinute' | 'perHour' | 'perDay', number>>) => ({
  perSecond: c.perSecond ?? null,
  perMinute: c.perMinute ?? null,
  perHour: c.perHour ?? null,
  perDay: c.perDay ?? null,
});

const T0 = Date.UTC(2026, 11, 4, 8, 0, 0, 0); // a Friday, 08:00 UTC
const sec = (ms: number) => Math.floor(ms / 1000);

let ids = 0;
function provider(p: Partial<CapacityProvider> & { caps: CapacityProvider['caps'] }): CapacityProvider {
  ids++;
  return {
    id: ids,
    name: `p${ids}`,
    priority: 1,
    weight: 1,
    maxConnections: 5,
    usage: [],
    warmup: null,
    unavailable: null,
    ...p,
  };
}

/**
 * Sends `n` messages through real limiters, chosen by the run's own ProviderChooser (chooser.ts);
 * returns each provider's count and the last send.
 */
function simulateChain(chain: CapacityProvider[], n: number, overflowMs = 5_000) {
  const clock = new ManualClock(T0);
  const slots = chain
    .filter((p) => p.unavailable === null)
    .map((p) => ({
      row: p,
      limiter: new RateLimiter(p.caps, p.usage, p.warmup),
      breaker: new CircuitBreaker(p.id, { threshold: 5, cooldownMs: 30_000, maxCooldownMs: 900_000 }),
      transport: null,
      inflight: 0,
      current: 0,
      sent: 0,
    }));
  const chooser = new ProviderChooser(slots, {
    overflowMs,
    busyRetryMs: 1000,
    isOff: () => false,
    onTransitions: () => undefined,
  });
  let sent = 0;
  let last = T0;
  while (sent < n) {
    const at = clock.now();
    const { member, retryAt } = chooser.choose(at);
    if (!member) {
      clock.advance(retryAt - at);
      continue;
    }
    member.limiter.take(at);
    member.sent++;
    sent++;
    last = at;
  }
  return { lastMs: last, perProvider: slots.map((s) => s.sent) };
}

function compare(chain: CapacityProvider[], n: number) {
  const sim = simulateChain(chain, n);
  const f = forecastCapacity({ nowMs: T0, remaining: n, providers: chain });
  expect(f.deliverable).toBe(n);
  const simulated = sim.lastMs - T0;
  const predicted = f.finishAtMs! - T0;
  // Within 5 % of the simulated duration (and a second of rounding for very short runs).
  expect(Math.abs(predicted - simulated)).toBeLessThanOrEqual(Math.max(1000, 0.05 * simulated));
  return { sim, f };
}

const cold = (
  perHourStart: number,
  growth = 1.4,
  days = 20,
  startSecond: number | null = null,
): WarmupState => ({
  curve: { perHourStart, dailyGrowth: growth, days },
  startSecond,
});

describe('forecastCapacity against the limiter', () => {
  it('one provider, per-second cap binding (10/s, 3,000 messages ≈ 5 minutes)', () => {
    const { f } = compare([provider({ caps: caps({ perSecond: 10 }) })], 3000);
    expect(f.firstBatch).toBeNull();
  });

  it('per-second cap binding under a large daily cap (SES 14/s, 50,000/day; 20,000 messages)', () => {
    compare([provider({ caps: caps({ perSecond: 14, perDay: 50_000 }) })], 20_000);
  });

  it('several providers in priority order: daily caps binding (500/day then 2,000/day; 12,400)', () => {
    const a = provider({ caps: caps({ perDay: 500 }), priority: 1 });
    const b = provider({ caps: caps({ perDay: 2000 }), priority: 2 });
    const { f, sim } = compare([a, b], 12_400);
    expect(f.providers.map((p) => p.messages)).toEqual(sim.perProvider);
    expect(f.firstBatch?.messages).toBe(2500);
  });

  it('daily cap already partly used in the current window (Gmail 500/day, 300 sent 2 h ago)', () => {
    const usage = [{ second: sec(T0) - 7200, count: 300 }];
    const { f } = compare([provider({ caps: caps({ perDay: 500 }), usage })], 1200);
    expect(f.firstBatch?.messages).toBe(200);
  });

  it('warm-up binding: a cold provider at 20/hour growing 1.4× a day (2,000 messages)', () => {
    compare([provider({ caps: caps({ perSecond: 10, perDay: 100_000 }), warmup: cold(20) })], 2000);
  });

  it('warm-up part-way: day 3 of the curve, with a warm backup behind it', () => {
    const started = sec(T0) - 3 * 86_400 - 600;
    const a = provider({ caps: caps({ perDay: 10_000 }), warmup: cold(20, 1.4, 20, started), priority: 1 });
    const b = provider({ caps: caps({ perDay: 300 }), priority: 2 });
    compare([a, b], 4000);
  });

  it('one provider down carries nothing: the chain finishes on the others', () => {
    const a = provider({ caps: caps({ perSecond: 50 }), priority: 1, unavailable: 'down' });
    const b = provider({ caps: caps({ perMinute: 30, perDay: 10_000 }), priority: 2 });
    const c = provider({ caps: caps({ perDay: 100 }), priority: 3 });
    const { f } = compare([a, b, c], 3000);
    expect(f.providers[0]!.messages).toBe(0);
  });

  it('per-minute cap overflows to the next tier (Microsoft 365 30/min with a 5/s backup)', () => {
    const a = provider({ caps: caps({ perMinute: 30, perDay: 10_000 }), priority: 1 });
    const b = provider({ caps: caps({ perSecond: 5 }), priority: 2 });
    const { f, sim } = compare([a, b], 5000);
    expect(f.providers.map((p) => p.messages)).toEqual(sim.perProvider);
  });

  it('load sharing by weight in one tier (3:1, 6/s and 2/s)', () => {
    const a = provider({ caps: caps({ perSecond: 6 }), weight: 3 });
    const b = provider({ caps: caps({ perSecond: 2 }), weight: 1 });
    const { f, sim } = compare([a, b], 4000);
    expect(f.providers.map((p) => p.messages)).toEqual(sim.perProvider);
  });

  it('a huge campaign at a slow steady rate is extrapolated past the step budget, and says so', () => {
    const f = forecastCapacity({
      nowMs: T0,
      remaining: 3_000_000,
      providers: [provider({ caps: caps({ perSecond: 1 }) })],
    });
    expect(f.estimated).toBe(true);
    const exact = 2_999_999_000;
    expect(Math.abs(f.finishAtMs! - T0 - exact)).toBeLessThanOrEqual(0.05 * exact);
  });

  it('all providers down: nothing deliverable, no finish time', () => {
    const f = forecastCapacity({
      nowMs: T0,
      remaining: 100,
      providers: [provider({ caps: caps({ perDay: 10 }), unavailable: 'down' })],
    });
    expect(f).toMatchObject({ deliverable: 0, finishAtMs: null });
  });

  it('a months-long campaign jumps over the daily waits; past a year it is not deliverable', () => {
    const one = [provider({ caps: caps({ perDay: 2000 }) })];
    const f = forecastCapacity({ nowMs: T0, remaining: 400_000, providers: one });
    expect(f.finishAtMs! - T0).toBe(199 * 86_400_000);
    const g = forecastCapacity({ nowMs: T0, remaining: 1_000_000, providers: one });
    expect(g).toMatchObject({ finishAtMs: null, deliverable: 732_000 });
  });
});

describe('warm-up curve', () => {
  it('starts at the first send and grows by the daily factor, then ends', () => {
    const w = cold(20, 1.4, 3, 1000);
    expect(warmupCapAt(w, 1000)).toBe(20);
    expect(warmupCapAt(w, 1000 + 86_400)).toBe(28);
    expect(warmupCapAt(w, 1000 + 2 * 86_400)).toBe(39);
    expect(warmupCapAt(w, 1000 + 3 * 86_400)).toBe(Number.POSITIVE_INFINITY);
  });

  it('the limiter enforces it: a cold provider sends 20 in its first hour', () => {
    const lim = new RateLimiter(caps({ perSecond: 10 }), [], cold(20));
    const clock = new ManualClock(T0);
    let n = 0;
    while (clock.now() < T0 + 3_600_000) {
      const w = lim.waitMs(clock.now());
      if (w === 0) {
        lim.take(clock.now());
        n++;
      } else clock.advance(w);
    }
    expect(n).toBe(20);
  });
});
