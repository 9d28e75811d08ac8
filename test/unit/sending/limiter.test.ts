/** Caps on a simulated clock: reach the cap, never exceed it in any window, survive a restart. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../electron/engine/clock';
import { RateLimiter, simulate } from '../../../electron/engine/sending/limiter';

const caps = (c: Partial<Record<'perSecond' | 'perMinute' | 'perHour' | 'perDay', number>>) => ({
  perSecond: c.perSecond ?? null,
  perMinute: c.perMinute ?? null,
  perHour: c.perHour ?? null,
  perDay: c.perDay ?? null,
});

/** The most messages in any window of `seconds` (sliding by whole seconds). */
function maxInWindow(sentAt: number[], seconds: number): number {
  const secs = sentAt.map((t) => Math.floor(t / 1000));
  let best = 0;
  let j = 0;
  for (let i = 0; i < secs.length; i++) {
    while (secs[j]! <= secs[i]! - seconds) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('RateLimiter', () => {
  it('10/s: sends exactly 10 in every second, never 11', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 300));
    const sent = simulate(new RateLimiter(caps({ perSecond: 10 })), clock, 60_000);
    expect(maxInWindow(sent, 1)).toBe(10);
    expect(sent.length).toBeGreaterThanOrEqual(0.97 * 600);
    expect(sent.length).toBeLessThanOrEqual(610);
  });

  it('500/day rolling: 500 in the first 24 h, never 501 in any 24 h window, more only as old ones age out', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const lim = new RateLimiter(caps({ perDay: 500 }));
    const sent = simulate(lim, clock, 2 * 86_400_000, 1000);
    expect(maxInWindow(sent, 86_400)).toBe(500);
    expect(sent.length).toBe(1000);
  });

  it('combined caps (Microsoft 365: 30/min and 10,000/day) hold together', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sent = simulate(new RateLimiter(caps({ perMinute: 30, perDay: 10_000 })), clock, 3_600_000, 100);
    expect(maxInWindow(sent, 60)).toBe(30);
    expect(sent.length).toBe(60 * 30);
  });

  it('a fractional rate (0.5/s) sends one message per two seconds', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sent = simulate(new RateLimiter(caps({ perSecond: 0.5 })), clock, 20_000, 10);
    expect(maxInWindow(sent, 2)).toBe(1);
    expect(sent.length).toBe(10);
  });

  it('starts from the persisted history, so a restart does not reset a daily cap', () => {
    const t = Date.UTC(2026, 0, 1, 12);
    const history = [{ second: Math.floor(t / 1000) - 3600, count: 499 }];
    const lim = new RateLimiter(caps({ perDay: 500 }), history);
    expect(lim.waitMs(t)).toBe(0);
    lim.take(t);
    const w = lim.waitMs(t);
    // The 499 age out 23 h from now.
    expect(w).toBeGreaterThan(22 * 3_600_000);
    expect(lim.windowResetsAt(t, 86_400)).toBe((Math.floor(t / 1000) - 3600 + 86_400) * 1000);
  });

  it('unlimited providers never wait', () => {
    const lim = new RateLimiter(caps({}));
    for (let i = 0; i < 1000; i++) lim.take(1000);
    expect(lim.waitMs(1000)).toBe(0);
  });
});
