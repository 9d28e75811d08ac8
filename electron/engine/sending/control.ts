/**
 * Pause, resume, cancel, retry the failed ones, and resume whatever a crash, kill or shutdown
 * interrupted. Each is a compare-and-set on the campaign's status, so two windows or a window and a
 * script never both act on the same campaign; a run in this process is told at once, a run in another
 * process notices at its next heartbeat (about a second).
 */
import type { Engine } from '../engine';
import { userError } from '../errors';
import { statusesAllowing, type Campaign, type SendSummary } from '../api/sending';
import { requireCampaign, toApiCampaign } from './campaigns';
import { runCampaign, type RunOptions } from './run';
import { runIsDead, stopCampaignSend } from '../runs';
import { sendingContext } from './context';
import { DEFAULT_TUNING } from './tuning';
import { takeCustody } from '../mirror/esp/custody';

export function pauseCampaign(engine: Engine, id: number): Campaign {
  const c = requireCampaign(engine, id);
  if (c.status === 'paused') return toApiCampaign(engine, c);
  // Paused here: a mirrored campaign is taken over from its ESP in the same transaction.
  engine.db.transaction(() => {
    if (!engine.repos.campaigns.transition(id, statusesAllowing('pause'), 'paused', engine.now())) {
      throw userError(`Campaign ${id} is ${c.status}, so there is nothing to pause.`, {
        code: 'not_sending',
        safe: 'Nothing was changed.',
      });
    }
    takeCustody(engine, id, 'pause');
  })();
  sendingContext(engine).runs.get(id)?.abort('pause');
  if (!engine.repos.campaignRuns.running(id).length)
    engine.record({ type: 'send.paused', message: `Campaign ${id} paused.`, campaignId: id });
  return toApiCampaign(engine, requireCampaign(engine, id));
}

export async function resumeCampaign(
  engine: Engine,
  id: number,
  opts: RunOptions = {},
): Promise<SendSummary> {
  const c = requireCampaign(engine, id);
  if (c.status !== 'paused' && c.status !== 'sending') {
    throw userError(`Campaign ${id} is ${c.status}, not paused.`, {
      code: 'not_paused',
      safe: 'Nothing was sent.',
      next:
        c.status === 'draft' || c.status === 'scheduled'
          ? `Start it with \`understudy send ${id}\`.`
          : undefined,
      appNext:
        c.status === 'draft' || c.status === 'scheduled'
          ? 'Start it with the Send button on the campaign.'
          : undefined,
    });
  }
  engine.repos.campaigns.transition(id, ['paused'], 'sending', engine.now());
  return runCampaign(engine, id, opts);
}

export function cancelCampaign(engine: Engine, id: number): Campaign {
  const c = requireCampaign(engine, id);
  if (c.status === 'cancelled') return toApiCampaign(engine, c);
  // Cancelled here: a mirrored campaign is taken over from its ESP in the same transaction.
  if (!stopCampaignSend(engine, id, () => takeCustody(engine, id, 'cancel'))) {
    throw userError(`Campaign ${id} is ${c.status} and cannot be cancelled.`, {
      code: 'not_cancellable',
      safe: 'Nothing was changed.',
    });
  }
  return toApiCampaign(engine, requireCampaign(engine, id));
}

/** "Resend only to those that failed": temporary and permanent failures go back to the queue once. */
export async function retryFailed(engine: Engine, id: number, opts: RunOptions = {}): Promise<SendSummary> {
  const c = requireCampaign(engine, id);
  if (!['sent', 'sending', 'paused', 'failed'].includes(c.status))
    throw userError(
      `Campaign ${id} is ${c.status}; only a campaign that has been sent has failures to resend.`,
      {
        code: 'nothing_to_retry',
        safe: 'Nothing was sent.',
      },
    );
  if (c.status === 'paused')
    throw userError(`Campaign ${id} is paused.`, {
      safe: 'Nothing was sent.',
      next: `Resume it with \`understudy resume ${id}\` first.`,
      appNext: 'Resume it with the Resume button on the campaign first.',
    });
  const n = engine.repos.deliveries.requeueFailed(id, engine.now());
  engine.record({
    type: 'send.retry_failed',
    message: `Resending campaign ${id} to the ${n} recipient(s) whose delivery failed (suppressed addresses stay excluded).`,
    campaignId: id,
    data: { requeued: n },
  });
  if (n === 0 && c.status === 'sent') {
    const counts = engine.repos.deliveries.counts(id);
    return {
      campaign: id,
      state: 'finished',
      sent: counts.sent,
      failed: 0,
      skipped: counts.skipped,
      suppressed: counts.suppressed,
      queued: 0,
      byProvider: engine.repos.deliveries.sentByProvider(id),
      resentUncertain: 0,
      durationMs: 0,
      message: `Campaign ${id} has no failed deliveries; nothing was resent.`,
    };
  }
  return runCampaign(engine, id, opts);
}

/**
 * Resumes every campaign left 'sending' without a live run (crash, kill -9, power cut, shutdown).
 * The app and `understudy run` call this at start; each resumes from exactly what is not yet sent.
 */
export async function resumeInterruptedRuns(
  engine: Engine,
  opts: Omit<RunOptions, 'via' | 'dryRun'> = {},
): Promise<SendSummary[]> {
  const staleMs = opts.tuning?.staleMs ?? DEFAULT_TUNING.staleMs;
  const due = engine.repos.campaigns.byStatus('sending').filter((c) => {
    const runs = engine.repos.campaignRuns.running(c.id);
    return runs.every((r) => runIsDead(engine, r, staleMs)) && !sendingContext(engine).runs.has(c.id);
  });
  const results: SendSummary[] = [];
  for (const c of due) {
    const via = engine.repos.campaignRuns.latest(c.id)?.via ?? undefined;
    results.push(await runCampaign(engine, c.id, { ...opts, ...(via ? { via } : {}) }));
  }
  return results;
}

/**
 * Resolves once no live process holds the campaign's lease (finished, paused, or found dead by
 * runIsDead), or when `signal` aborts. Polls the campaign_runs row about once a heartbeat: the holder
 * is another process, so there is no event to wait on.
 */
export async function waitForLease(engine: Engine, id: number, signal?: AbortSignal): Promise<void> {
  const t = DEFAULT_TUNING;
  while (!signal?.aborted) {
    const live = engine.repos.campaignRuns.running(id).some((r) => !runIsDead(engine, r, t.staleMs));
    if (!live) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, t.heartbeatMs);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
