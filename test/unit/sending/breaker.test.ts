/** The circuit breaker's transitions. */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../electron/engine/sending/breaker';

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
