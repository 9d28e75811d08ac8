/**
 * The knobs of a campaign run, with the reasons for their defaults. Tests shorten the waits; nothing
 * here is a person's setting (those are the providers' caps and the chain).
 */
import { STALE_MS } from '../lease';

export interface SendTuning {
  /**
   * Most deliveries 'claimed' at once (queued locally, on the wire, or awaiting their outcome write).
   * This is the bound on duplicates after a crash: only claimed rows can have been accepted by a server
   * without their outcome being recorded. Default: 8 per connection of the chain, at least 32 — enough
   * to keep every connection busy while a batch commits (one fsync per batch, synchronous=FULL).
   */
  window: number | null;
  /** Outcomes written per transaction, and the longest an outcome waits to be written. */
  flushEvery: number;
  flushMs: number;
  /** Attempts before a temporarily failing delivery is given up as failed_temp. */
  maxAttempts: number;
  /** Backoff for 4xx: base × 2^(attempt-1), "full jitter" between half and all of it, capped. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Consecutive soft provider failures that open the breaker. */
  breakerThreshold: number;
  breakerCooldownMs: number;
  breakerMaxCooldownMs: number;
  /** Pause after a throttling reply (421 rate, SES 454 Throttling). */
  ratePauseMs: number;
  /** A provider whose caps make the next message wait longer than this overflows to the next tier. */
  overflowMs: number;
  /** How long a run waits for an unavailable chain before it stops as 'waiting' (resumed later). */
  maxWaitMs: number;
  /** Heartbeat of the run row; a run silent for `staleMs` is considered dead. */
  heartbeatMs: number;
  staleMs: number;
  /** Progress events at most this often. */
  progressMs: number;
}

export const DEFAULT_TUNING: SendTuning = {
  window: null,
  flushEvery: 200,
  flushMs: 100,
  maxAttempts: 6,
  retryBaseMs: 60_000,
  retryMaxMs: 3_600_000,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
  breakerMaxCooldownMs: 15 * 60_000,
  ratePauseMs: 60_000,
  overflowMs: 5_000,
  maxWaitMs: 10 * 60_000,
  heartbeatMs: 1_000,
  staleMs: STALE_MS,
  progressMs: 250,
};

/** Exponential backoff with jitter for the n-th attempt (1-based). */
export function backoffMs(t: SendTuning, attempt: number, random = Math.random): number {
  const ceiling = Math.min(t.retryMaxMs, t.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
