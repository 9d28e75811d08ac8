/** The circuit breaker's transitions. */
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  TRANSITIONS,
  transitionEffect,
  type BreakerTransition,
} from '../../../electron/engine/sending/breaker';
import { EVENT_WORDS } from '../../../electron/engine/api/words';

const opts = { threshold: 3, cooldownMs: 1000, maxCooldownMs: 8000 };

describe('CircuitBreaker', () => {
  it('opens after repeated soft failures, probes once after the cool-down, closes on success', () => {
    const b = new CircuitBreaker(1, opts);
    expect(b.onFailure(false, '450', 0)).toEqual([]);
    expect(b.onFailure(false, '450', 0)).toEqual([]);
    expect(b.onFailure(false, '450', 0)[0]?.type).toBe('opened');
    expect(b.check(100).allowed).toBe(false);
    const later = b.retryAt! + 1;
    const c = b.check(later);
    expect(c.allowed).toBe(true);
    expect(c.transitions).toEqual([{ type: 'half_open' }]);
    b.onDispatch();
    expect(b.check(later).allowed).toBe(false); // one probe at a time
    expect(b.onSuccess()).toEqual([{ type: 'closed' }]);
    expect(b.check(later).allowed).toBe(true);
  });

  it('a success between soft failures resets the count', () => {
    const b = new CircuitBreaker(1, opts);
    b.onFailure(false, 'x', 0);
    b.onFailure(false, 'x', 0);
    b.onSuccess();
    expect(b.onFailure(false, 'x', 0)).toEqual([]);
    expect(b.state).toBe('closed');
  });

  it('opens at once on a hard failure, and a failed probe doubles the cool-down', () => {
    const b = new CircuitBreaker(1, opts);
    b.onFailure(true, 'ECONNREFUSED', 0);
    const first = b.retryAt!;
    b.check(first);
    b.onDispatch();
    b.onFailure(false, 'still refused', first);
    expect(b.state).toBe('open');
    expect(b.retryAt! - first).toBeGreaterThan(1.5 * 1000 * 0.8);
  });

  it('a quota pause blocks until its time and then ends by itself', () => {
    const b = new CircuitBreaker(1, opts);
    b.pause(5000, 'daily limit');
    expect(b.check(4999).allowed).toBe(false);
    expect(b.blockedUntil(0)).toBe(5000);
    const c = b.check(5000);
    expect(c.allowed).toBe(true);
    expect(c.transitions).toEqual([{ type: 'unpaused' }]);
  });

  it('persists and restores its state', () => {
    const b = new CircuitBreaker(7, opts);
    b.onFailure(true, 'auth', Date.UTC(2026, 0, 1));
    b.pause(Date.UTC(2026, 0, 2), 'quota');
    const restored = new CircuitBreaker(7, opts, b.toRow(new Date().toISOString()));
    expect(restored.state).toBe('open');
    expect(restored.pausedUntil).toBe(Date.UTC(2026, 0, 2));
    expect(restored.check(Date.UTC(2026, 0, 1, 12)).allowed).toBe(false);
  });
});

/** Issue 12 §3: what each transition does to the provider is one row of a table, not a branch. */
describe('the table of transitions', () => {
  const at = Date.UTC(2026, 0, 1, 12);
  const every: BreakerTransition[] = [
    { type: 'opened', reason: '421 try later', retryAt: at },
    { type: 'half_open' },
    { type: 'closed' },
    { type: 'paused', reason: 'daily limit', until: at },
    { type: 'unpaused' },
  ];

  it('has one row per transition the breaker makes', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(every.map((t) => t.type).sort());
  });

  it.each([
    ['opened', 'down', 'provider.down', 'error'],
    ['half_open', null, 'provider.half_open', undefined],
    ['closed', 'operational', 'provider.up', undefined],
    ['paused', 'paused', 'provider.paused', 'warning'],
    ['unpaused', 'unknown', 'provider.resumed', undefined],
  ] as const)('%s: health %s, event %s', (type, health, event, severity) => {
    const e = transitionEffect(
      every.find((t) => t.type === type)!,
      'Relay',
    );
    expect(e.health).toBe(health);
    expect(e.type).toBe(event);
    expect(e.severity).toBe(severity);
    expect(e.message).toContain('"Relay"');
    expect(EVENT_WORDS).toHaveProperty(event);
  });

  it('says until when, and why', () => {
    const opened = transitionEffect(every[0]!, 'Relay');
    expect(opened.message).toBe(
      '"Relay" is failing (421 try later); its circuit breaker is open until 2026-01-01T12:00:00.000Z, then one message probes it.',
    );
    expect(opened.data).toEqual({
      reason: '421 try later',
      retryAt: '2026-01-01T12:00:00.000Z',
      breaker: 'open',
    });
    expect(transitionEffect(every[3]!, 'Relay').data).toEqual({
      reason: 'daily limit',
      until: '2026-01-01T12:00:00.000Z',
    });
  });

  it('the transitions a breaker returns are the rows the run applies', () => {
    const b = new CircuitBreaker(1, opts);
    const seen = [
      ...b.onFailure(true, 'refused', 0),
      ...b.check(b.retryAt!).transitions,
      ...b.onSuccess(),
      ...b.pause(5000, 'quota'),
      ...b.check(5000).transitions,
    ].map((t) => transitionEffect(t, 'Relay').type);
    expect(seen).toEqual([
      'provider.down',
      'provider.half_open',
      'provider.up',
      'provider.paused',
      'provider.resumed',
    ]);
  });
});
