/**
 * The one source of a campaign's send numbers (issue 15 §4): the progress bar, its time left and the
 * tiles under it all come from `sendNumbers`, so they never disagree. While the campaign is sending,
 * the run's live ticks (send.progress) are used, being fresher than the last load; otherwise the
 * saved counts. A campaign that is not sending shows no time left, whatever its last tick said.
 */
import type { Campaign } from '../../api/shapes';
import type { SendProgress } from '../../../../electron/engine/api/sending';

export interface SendNumbers {
  /** Messages accepted per provider ("Sent through"). */
  byProvider: Record<string, number>;
  total: number;
  sent: number;
  /** Permanent failures, and temporary ones not yet retried. */
  failed: number;
  /** Skipped: suppressed, unsubscribed since, or cancelled. */
  skipped: number;
  /** Not yet settled: queued, on the wire, or waiting for a provider. */
  waiting: number;
  /** What the bar fills with: sent + failed + skipped. */
  done: number;
  perSecond: number | null;
  provider: string | null;
  /** An estimate only while messages are going out; null otherwise (paused, waiting, done). */
  secondsLeft: number | null;
  /** Said instead of a time left, when the send is not moving. */
  status: string | undefined;
}

export function sendNumbers(
  c: Pick<Campaign, 'status' | 'counts'> & { byProvider?: Record<string, number> },
  live?: SendProgress,
): SendNumbers {
  const k = c.counts;
  const tick = c.status === 'sending' ? live : undefined;
  const total = tick ? tick.total : k.total;
  const sent = tick ? tick.sent : k.sent;
  const failed = tick ? tick.failed : k.failedPerm + k.failedTemp;
  const skipped = tick ? tick.skipped + tick.suppressed : k.skipped + k.suppressed;
  const waiting = Math.max(0, total - sent - failed - skipped);
  const moving = tick?.state === 'sending' && tick.perSecond > 0 && waiting > 0;
  return {
    total,
    sent,
    failed,
    skipped,
    waiting,
    done: sent + failed + skipped,
    perSecond: tick ? tick.perSecond : null,
    provider: tick?.provider ?? null,
    secondsLeft: moving ? waiting / tick.perSecond : null,
    // "Sent through": the live run's counts while it runs, so they agree with the tiles.
    byProvider: tick?.byProvider ?? c.byProvider ?? {},
    status: statusWords(c.status, tick),
  };
}

function statusWords(status: Campaign['status'], tick: SendProgress | undefined): string | undefined {
  switch (status) {
    case 'paused':
      return 'Paused: nothing is being sent until you resume it';
    case 'sending':
      if (!tick) return undefined;
      if (tick.state === 'waiting') return 'Waiting for a sending account to be free';
      if (tick.state === 'finishing') return 'Finishing';
      return undefined;
    case 'sent':
      return 'Done';
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return 'Stopped';
    default:
      return undefined;
  }
}
