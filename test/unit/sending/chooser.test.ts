/**
 * Issue 12 §3: the choice of provider, without SMTP. Members carry a real CircuitBreaker and a real
 * RateLimiter; the chooser decides who sends the next message by the chain's order (priority tiers,
 * overflow past a cap) and sharing (smooth weighted round-robin inside a tier).
 */
import { describe, expect, it } from 'vitest';
import { ProviderChooser, type ChainMember, type TierChange } from '../../../electron/engine/sending/chooser';
import { CircuitBreaker, type BreakerTransition } from '../../../electron/engine/sending/breaker';
import { RateLimiter } from '../../../electron/engine/sending/limiter';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const NO_CAPS = { perSecond: null, perMinute: null, perHour: null, perDay: null };

/** A member as the run has it: a real limiter it takes from. */
type Member = ChainMember & { limiter: RateLimiter };

let nextId = 1;
function member(
  name: string,
  o: {
    priority?: number;
    weight?: number;
    maxConnections?: number;
    perSecond?: number;
    perMinute?: number;
  } = {},
): Member {
  const id = nextId++;
  return {
    row: {
      id,
      name,
      priority: o.priority ?? 1,
      weight: o.weight ?? 1,
      maxConnections: o.maxConnections ?? 100,
    },
    limiter: new RateLimiter({
      ...NO_CAPS,
      perSecond: o.perSecond ?? null,
      perMinute: o.perMinute ?? null,
    }),
    breaker: new CircuitBreaker(id, { threshold: 3, cooldownMs: 1000, maxCooldownMs: 8000 }),
    transport: null,
    inflight: 0,
    current: 0,
  };
}

function chooser(members: Member[], off: Set<string> = new Set()) {
  const transitions: [string, BreakerTransition['type']][] = [];
  const c = new ProviderChooser(members, {
    overflowMs: 5000,
    busyRetryMs: 1000,
    isOff: (m) => off.has(m.row.name),
    onTransitions: (m, ts) => ts.forEach((t) => transitions.push([m.row.name, t.type])),
  });
  return { c, transitions };
}

/** Who sends the next n messages at `at` (each dispatched and settled at once). */
function sequence(c: ProviderChooser<Member>, n: number, at = T0): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const choice = c.choose(at);
    out.push(choice.member?.row.name ?? '-');
  }
  return out;
}

describe('the choice of provider', () => {
  it('shares a tier by weight, smoothly (3:1 is A A B A, not A A A B)', () => {
    const { c } = chooser([member('A', { weight: 3 }), member('B', { weight: 1 })]);
    expect(sequence(c, 8)).toEqual(['A', 'A', 'B', 'A', 'A', 'A', 'B', 'A']);
  });

  it('weights all 0 share equally; a weight of 0 beside others gets nothing', () => {
    expect(sequence(chooser([member('A', { weight: 0 }), member('B', { weight: 0 })]).c, 4)).toEqual([
      'A',
      'B',
      'A',
      'B',
    ]);
    expect(sequence(chooser([member('A', { weight: 0 }), member('B', { weight: 2 })]).c, 3)).toEqual([
      'B',
      'B',
      'B',
    ]);
  });

  it('uses the lower priority first and fails over when its breaker opens, then back', () => {
    const primary = member('Primary', { priority: 1 });
    const backup = member('Backup', { priority: 2 });
    const { c, transitions } = chooser([backup, primary]); // order in the array does not matter
    expect(sequence(c, 2)).toEqual(['Primary', 'Primary']);
    primary.breaker.onFailure(true, 'ECONNREFUSED', T0);
    const over = c.choose(T0);
    expect(over.member?.row.name).toBe('Backup');
    expect(over.tierChange).toEqual<TierChange>({ worse: true, from: '"Primary"', to: '"Backup"' });
    expect(c.choose(T0).tierChange).toBeNull(); // said once
    // After the cool-down the breaker is half-open: one probe goes to the primary, a failback.
    const later = primary.breaker.retryAt! + 1;
    const back = c.choose(later);
    expect(back.member?.row.name).toBe('Primary');
    expect(back.tierChange).toEqual<TierChange>({ worse: false, from: '"Backup"', to: '"Primary"' });
    expect(transitions).toEqual([['Primary', 'half_open']]);
  });

  it('waits for the member whose turn it is when it is busy, rather than taking another', () => {
    const a = member('A', { maxConnections: 1 });
    const b = member('B', { maxConnections: 1 });
    const { c } = chooser([a, b]);
    const first = c.choose(T0);
    expect(first.member).toBe(a);
    a.inflight = 1;
    const second = c.choose(T0);
    expect(second.member).toBe(b);
    b.inflight = 1;
    const third = c.choose(T0);
    expect(third.member).toBeNull();
    expect(third.retryAt).toBe(T0 + 1000);
    // The transport's depth (messages a connection holds at once) makes room.
    a.transport = { depth: 3 };
    expect(c.choose(T0).member).toBe(a);
  });

  it('overflows past a member whose cap would make the next message wait too long', () => {
    const capped = member('Capped', { priority: 1, perSecond: 1 });
    const next = member('Next', { priority: 2 });
    const { c } = chooser([capped, next]);
    expect(c.choose(T0).member).toBe(capped);
    capped.limiter.take(T0);
    // The cap frees in under a second (< overflowMs): it is waited for, not overflowed.
    const wait = c.choose(T0);
    expect(wait.member).toBeNull();
    expect(wait.retryAt).toBeGreaterThan(T0);
    expect(wait.retryAt).toBeLessThanOrEqual(T0 + 1000);

    // A cap that frees only in a minute (> overflowMs): the next tier takes the message.
    const slow = member('Slow', { priority: 1, perMinute: 1 });
    const other = member('Other', { priority: 2 });
    const o = chooser([slow, other]).c;
    expect(o.choose(T0).member).toBe(slow);
    slow.limiter.take(T0);
    const over = o.choose(T0);
    expect(over.member).toBe(other);
    expect(over.tierChange?.worse).toBe(true);
  });

  it('never chooses a member switched off, and says when someone can send again', () => {
    const a = member('A');
    const b = member('B');
    const { c } = chooser([a, b], new Set(['A']));
    expect(sequence(c, 3)).toEqual(['B', 'B', 'B']);
    b.breaker.pause(T0 + 60_000, 'daily limit');
    const none = c.choose(T0);
    expect(none.member).toBeNull();
    expect(none.retryAt).toBe(T0 + 60_000);
  });

  it('with nobody left at all, looks again never', () => {
    const a = member('A');
    const { c } = chooser([a], new Set(['A']));
    expect(c.choose(T0)).toEqual({ member: null, retryAt: Number.POSITIVE_INFINITY, tierChange: null });
  });
});
