/**
 * Per-provider rate limits: per second, minute, hour and a rolling 24 hours, never above any of them.
 *
 * A classic token bucket refilled continuously lets a full bucket's worth through at once and then the
 * refill on top, so over any window of the bucket's length it may send up to twice its size — enough to
 * trip Gmail's "500 per rolling 24 hours". This limiter is the strict form of a token bucket: each
 * token comes back exactly one window after it was spent (a sliding-window log). It keeps the number
 * of messages handed to the provider per whole UTC second; the count of a w-second window at second t
 * is the sum over seconds (t-w, t]. A message is allowed only if every window stays within its cap, so
 * "never above a cap" holds for every window position at one-second resolution, and a paced sender
 * reaches the cap exactly (10/s sends 10 in every second; 500/day sends 500 per 24 h).
 *
 * The per-second counts are persisted (send_log, written with each batch of outcomes), and a limiter
 * starts from the last 24 hours of them, so a restart never resets a daily cap. Sums are kept
 * incrementally, so taking a token is O(1) amortized even with a day of history.
 */
import type { ProviderCaps } from '../db/repos/providers';
import type { Clock } from '../clock';

interface Window {
  seconds: number;
  cap: number;
  /** A cap that changes with time (the warm-up curve's messages per hour); Infinity = no cap now. */
  capAt?: (second: number) => number;
  /** Index into `log` of the first entry inside the window. */
  start: number;
  sum: number;
}

export const DAY_SECONDS = 86_400;

/**
 * A cold provider's warm-up: at most `perHourStart` messages in any hour on its first day of sending,
 * growing `dailyGrowth`× each day, for `days` days (then only its own caps apply).
 */
export interface WarmupCurve {
  perHourStart: number;
  dailyGrowth: number;
  days: number;
}

/** Where a cold provider is on its curve: `startSecond` null = it has not sent yet (day 0 starts at its first send). */
export interface WarmupState {
  curve: WarmupCurve;
  startSecond: number | null;
}

/** The warm-up cap per hour on the given second (Infinity once the warm-up is over). */
export function warmupCapAt(w: WarmupState, second: number): number {
  const start = w.startSecond ?? second;
  const day = Math.max(0, Math.floor((second - start) / DAY_SECONDS));
  if (day >= w.curve.days) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor(w.curve.perHourStart * w.curve.dailyGrowth ** day));
}

export class RateLimiter {
  private secs: number[] = [];
  private counts: number[] = [];
  private base = 0; // entries before `base` were dropped
  private readonly windows: Window[] = [];

  private readonly warmup: WarmupState | null;

  constructor(
    caps: ProviderCaps,
    history: { second: number; count: number }[] = [],
    warmup: WarmupState | null = null,
  ) {
    this.warmup = warmup ? { ...warmup } : null;
    const add = (seconds: number, cap: number | null) => {
      if (cap !== null && cap > 0) this.windows.push({ seconds, cap: Math.floor(cap), start: 0, sum: 0 });
    };
    if (caps.perSecond !== null && caps.perSecond > 0) {
      // A fractional rate (0.5/s) is one message per 1/rate seconds.
      if (caps.perSecond >= 1) add(1, Math.floor(caps.perSecond));
      else add(Math.ceil(1 / caps.perSecond), 1);
    }
    add(60, caps.perMinute);
    add(3600, caps.perHour);
    add(DAY_SECONDS, caps.perDay);
    if (this.warmup) {
      const w = this.warmup;
      this.windows.push({ seconds: 3600, cap: 0, start: 0, sum: 0, capAt: (sec) => warmupCapAt(w, sec) });
    }
    for (const h of history) this.push(h.second, h.count);
  }

  get limited(): boolean {
    return this.windows.length > 0;
  }

  /** Milliseconds until one more message may be handed over (0: now). */
  waitMs(nowMs: number): number {
    if (this.windows.length === 0) return 0;
    const now = Math.floor(nowMs / 1000);
    let waitUntilSec = now;
    for (const w of this.windows) {
      this.advance(w, now);
      const cap = w.capAt ? w.capAt(now) : w.cap;
      if (w.sum + 1 <= cap) continue;
      // Drop the oldest seconds of the window until one more fits; it fits at (that second + w).
      let excess = w.sum + 1 - cap;
      let i = w.start;
      while (excess > 0 && i < this.secs.length + this.base) {
        excess -= this.counts[i - this.base]!;
        if (excess > 0) i++;
      }
      const sec = this.secs[i - this.base] ?? now;
      waitUntilSec = Math.max(waitUntilSec, sec + w.seconds);
    }
    return waitUntilSec === now ? 0 : Math.max(1, waitUntilSec * 1000 - nowMs);
  }

  /** Records `n` messages handed over now. Call only after waitMs() returned 0. */
  take(nowMs: number, n = 1): void {
    const sec = Math.floor(nowMs / 1000);
    if (this.warmup && this.warmup.startSecond === null) this.warmup.startSecond = sec;
    this.push(sec, n);
  }

  /** How many messages may be handed over in this second without waiting (Infinity: no cap applies). */
  allowance(nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    let room = Number.POSITIVE_INFINITY;
    for (const w of this.windows) {
      this.advance(w, now);
      const cap = w.capAt ? w.capAt(now) : w.cap;
      room = Math.min(room, Math.max(0, cap - w.sum));
    }
    return room;
  }

  /** When the oldest message counted in the window of this length leaves it (ms), or null if empty. */
  windowResetsAt(nowMs: number, seconds: number): number | null {
    const now = Math.floor(nowMs / 1000);
    for (let i = 0; i < this.secs.length; i++)
      if (this.secs[i]! > now - seconds) return (this.secs[i]! + seconds) * 1000;
    return null;
  }

  /** Messages counted in the window of the given length ending now. */
  used(nowMs: number, seconds: number): number {
    const now = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = this.secs.length - 1; i >= 0 && this.secs[i]! > now - seconds; i--) sum += this.counts[i]!;
    return sum;
  }

  private push(second: number, n: number): void {
    if (this.windows.length === 0) return; // unlimited: nothing to remember
    const last = this.secs.length - 1;
    if (last >= 0 && this.secs[last] === second) this.counts[last]! += n;
    else if (last >= 0 && this.secs[last]! > second) {
      // Clock went backwards (NTP step): count it in the latest second, never lose it.
      this.counts[last]! += n;
      second = this.secs[last]!;
    } else {
      this.secs.push(second);
      this.counts.push(n);
    }
    for (const w of this.windows) {
      this.advance(w, second);
      w.sum += n;
    }
  }

  private advance(w: Window, now: number): void {
    const floor = now - w.seconds;
    while (w.start - this.base < this.secs.length && this.secs[w.start - this.base]! <= floor) {
      w.sum -= this.counts[w.start - this.base]!;
      w.start++;
    }
    this.compact(now);
  }

  /** Drops entries older than every window (and than 24 h), so memory stays bounded. */
  private compact(now: number): void {
    const keepFrom = this.windows.reduce((m, w) => Math.min(m, w.start), Number.POSITIVE_INFINITY);
    let drop = (keepFrom === Number.POSITIVE_INFINITY ? this.base + this.secs.length : keepFrom) - this.base;
    // Keep a day of history for `used()` reports: the first entry inside the last day (binary search,
    // so a day of per-second history costs O(log n) per call, not O(n)).
    let lo = 0;
    while (lo < drop) {
      const mid = (lo + drop) >> 1;
      if (this.secs[mid]! > now - DAY_SECONDS) drop = mid;
      else lo = mid + 1;
    }
    if (drop > 1024 || (drop > 0 && drop === this.secs.length)) {
      this.secs = this.secs.slice(drop);
      this.counts = this.counts.slice(drop);
      this.base += drop;
    }
  }
}

/** Paces a loop on a (possibly simulated) clock: used by the cap-accuracy test and benchmark. */
export function simulate(
  limiter: RateLimiter,
  clock: Clock & { advance(ms: number): void },
  durationMs: number,
  stepMs = 1,
): number[] {
  const sentAt: number[] = [];
  const end = clock.now() + durationMs;
  while (clock.now() < end) {
    const w = limiter.waitMs(clock.now());
    if (w === 0) {
      limiter.take(clock.now());
      sentAt.push(clock.now());
    } else clock.advance(Math.max(stepMs, Math.min(w, end - clock.now())));
  }
  return sentAt;
}
