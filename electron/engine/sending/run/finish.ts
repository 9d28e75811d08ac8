/** How a run ends: the campaign's new status, the run's row, the summary and the event that says so. */
import type { Engine } from '../../engine';
import type { SendSummary } from '../../api/sending';
import type { RunRow } from '../../db/repos/campaignRuns';
import { requireCampaign } from '../campaigns';
import type { LoopState, Slot } from './types';

export function summaryOf(
  engine: Engine,
  campaignId: number,
  state: SendSummary['state'],
  t0: number,
  resent: number,
): SendSummary {
  const c = engine.repos.deliveries.counts(campaignId);
  return {
    campaign: campaignId,
    state,
    sent: c.sent,
    failed: c.failedPerm + c.failedTemp,
    skipped: c.skipped,
    suppressed: c.suppressed,
    queued: c.queued + c.claimed,
    byProvider: engine.repos.deliveries.sentByProvider(campaignId),
    resentUncertain: resent,
    durationMs: Date.now() - t0,
    message: '',
  };
}

/** Where a campaign stands now, as a summary (a `send --wait` whose campaign another process finished). */
export function currentSummary(engine: Engine, campaignId: number, message: string): SendSummary {
  return { ...summaryOf(engine, campaignId, 'finished', Date.now(), 0), durationMs: 0, message };
}

export function finish(
  engine: Engine,
  campaignId: number,
  run: RunRow,
  state: LoopState,
  t0: number,
  resent: number,
  slots: Slot[],
): SendSummary {
  const now = engine.now();
  if (state === 'cancelled') engine.repos.deliveries.skipRemaining(campaignId, 'cancelled', now, true);
  const s = summaryOf(engine, campaignId, state === 'interrupted' ? 'waiting' : state, t0, resent);
  const counts = `${s.sent} sent, ${s.failed} failed, ${s.skipped} skipped, ${s.suppressed} suppressed`;
  // Names, not numbers: a person knows "Spring sale", not campaign 1 (the number stays in the data).
  const named = `"${requireCampaign(engine, campaignId).name}"`;
  let message: string;
  if (state === 'finished' && s.queued === 0) {
    engine.repos.campaigns.transition(campaignId, ['sending'], 'sent', now);
    // No command line here: the app shows this too; the CLI adds its own hint (cli/commands/send.ts).
    message = `${named} is done: ${counts}.${s.failed ? ' The failed ones can be resent with “Retry failed”.' : ''}`;
    engine.record({ type: 'send.finished', message, campaignId, data: { ...s } });
  } else if (state === 'paused') {
    engine.repos.campaigns.transition(campaignId, ['sending'], 'paused', now);
    message = `${named} is paused: ${counts}, ${s.queued} not yet sent.`;
    engine.record({ type: 'send.paused', message, campaignId, data: { ...s } });
  } else if (state === 'cancelled') {
    engine.repos.campaigns.transition(campaignId, ['sending', 'paused'], 'cancelled', now);
    message = `${named} was cancelled: ${counts}.`;
    engine.record({ type: 'send.cancelled', message, campaignId, data: { ...s } });
  } else if (state === 'interrupted') {
    message = `Sending campaign ${campaignId} stopped for shutdown: ${counts}, ${s.queued} not yet sent; it resumes when Understudy starts again.`;
    engine.record({ type: 'send.interrupted', message, campaignId, data: { ...s } });
  } else {
    const blocked = slots
      .map(
        (x) =>
          `"${x.row.name}" ${x.breaker.pausedUntil ? `paused until ${new Date(x.breaker.pausedUntil).toISOString()}` : x.breaker.state === 'open' ? `down (${x.breaker.reason ?? 'failing'})` : 'at its cap'}`,
      )
      .join('; ');
    message = `${named} is waiting: no provider can send now (${blocked}). ${counts}, ${s.queued} not yet sent; they go out when a provider is available.`;
    engine.record({ type: 'send.waiting', severity: 'warning', message, campaignId, data: { ...s } });
  }
  const runState =
    state === 'finished' && s.queued > 0 ? 'waiting' : state === 'interrupted' ? 'interrupted' : state;
  engine.repos.campaignRuns.finish(run.id, runState, { ...s, message }, null, now);
  return { ...s, message };
}
