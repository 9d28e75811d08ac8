/**
 * A campaign run: what moves the outbox to the providers.
 *
 * 1. Prepare (prepare.ts, shared with the dry run): audience, list, settings, chain, compiled message.
 * 2. Take the campaign's lease (campaign_runs): one live run per campaign, across processes. Rows a
 *    dead run left 'claimed' are put back in the queue first (see "in flight" below).
 * 3. Begin: a first run materializes the audience into the outbox; a mirrored campaign is taken over
 *    from its ESP in the transaction that marks it 'sending'.
 * 4. The loop (campaignRun.ts): claim, choose, dispatch, record, flush, drain.
 * 5. Finish (finish.ts): the campaign's status, the run's row, the summary.
 *
 * In flight and duplicates (RFC 1047). A message whose connection drops, or whose reply times out,
 * after the final "." may have been delivered. Policy: it is resent once, at once, with the same
 * Message-ID (so any copy is recognisable and receivers that dedupe on Message-ID drop it); if that
 * resend is uncertain too, it is not resent again automatically but recorded failed_temp/'uncertain'
 * for the person to decide (`retry-failed`). After a crash, kill or power cut, every row still
 * 'claimed' is resent once on resume. Only claimed rows can have been accepted without their outcome
 * being written, and claimed rows never exceed `window`, so duplicates per failure are bounded by the
 * messages in flight at that moment — never more.
 */
import { hostname } from 'node:os';
import type { Engine } from '../../engine';
import type { RunRow } from '../../db/repos/campaignRuns';
import type { ObligationRow } from '../../db/repos/obligations';
import type { SendSummary } from '../../api/sending';
import { queueBackupTag, takeCustody, tryCustodyNow } from '../../mirror/esp/custody';
import { messageIdFor } from '../render';
import { ownIdentity } from '../../lease';
import { runIsDead } from '../../runs';
import { DEFAULT_TUNING, type SendTuning } from '../tuning';
import { breakerFor, limiterFor, sendingContext } from '../context';
import { providerSecret } from '../providers';
import { requireCampaign } from '../campaigns';
import { leaveOutRisky } from '../reputation';
import { CampaignRun } from './campaignRun';
import { dryRun } from './dryRun';
import { finish, summaryOf } from './finish';
import { prepareRun, type Prepared } from './prepare';
import type { RunOptions, Slot } from './types';

export type { RunOptions } from './types';
export { currentSummary } from './finish';

/** Subscribers enqueued per transaction when a campaign starts (see deliveries.enqueue). */
const ENQUEUE_CHUNK = 50_000;
/** Page cache while sending (KiB): the outbox is walked once, in order; its working set is small. */
const SENDING_CACHE_KIB = 4 * 1024;

export async function runCampaign(
  engine: Engine,
  campaignId: number,
  opts: RunOptions = {},
): Promise<SendSummary> {
  const t0 = Date.now();
  const tuning: SendTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const campaign = requireCampaign(engine, campaignId);
  if (opts.dryRun) return dryRun(engine, campaign, opts, t0);
  const prepared = await prepareRun(engine, campaign, opts, false);
  const slots = await slotsOf(engine, prepared, tuning);

  const lease = engine.repos.campaignRuns.start(
    {
      campaignId,
      via: opts.via ?? null,
      dryRun: false,
      pid: process.pid,
      host: hostname(),
      now: engine.now(),
      identity: ownIdentity(),
    },
    (r) => runIsDead(engine, r, tuning.staleMs),
  );
  if (!lease.started) {
    return {
      ...summaryOf(engine, campaignId, 'already_running', t0, 0),
      message: `Campaign ${campaignId} is already being sent by another process (pid ${lease.run.pid} on ${lease.run.host}).`,
    };
  }
  const run = lease.run;
  const control = attachControl(engine, campaignId, opts.signal);
  const releaseCache = engine.repos.deliveries.useSendingCache(SENDING_CACHE_KIB);
  let begun: { released: number; taken: ObligationRow | undefined };
  try {
    begun = begin(engine, prepared, slots, lease.interrupted, opts);
  } catch (e) {
    releaseCache();
    throw e;
  }

  // Tried at once, beside the send (retried by the continuity service until the ESP confirms).
  const custody = begun.taken
    ? tryCustodyNow(engine, campaignId, { evenIfDown: true }).catch(() => undefined)
    : undefined;
  const loop = new CampaignRun({
    engine,
    campaign,
    slots,
    render: prepared.render,
    tuning,
    signal: control.signal,
    run,
    opts,
  });
  const finished = control.running(loop.execute().finally(() => custody));
  try {
    const { state, resent } = await finished;
    const summary = finish(engine, campaignId, run, state, t0, resent + begun.released, slots);
    // A mirrored campaign sent here: its recipients are tagged at the ESP once it answers.
    if (state === 'finished') queueBackupTag(engine, campaignId);
    return summary;
  } catch (e) {
    engine.repos.campaignRuns.finish(run.id, 'failed', {}, (e as Error).message, engine.now());
    engine.record({
      type: 'send.failed',
      severity: 'error',
      message: `Sending campaign ${campaignId} stopped on an error: ${(e as Error).message}. What was sent is recorded; sending it again continues from there.`,
      campaignId,
    });
    throw e;
  } finally {
    control.detach();
    for (const s of slots) s.transport?.close();
    releaseCache();
  }
}

/** The chain as this run uses it: each provider with its secret, its limiter and its breaker. */
async function slotsOf(engine: Engine, prepared: Prepared, tuning: SendTuning): Promise<Slot[]> {
  const breakerOpts = {
    threshold: tuning.breakerThreshold,
    cooldownMs: tuning.breakerCooldownMs,
    maxCooldownMs: tuning.breakerMaxCooldownMs,
  };
  const slots: Slot[] = [];
  for (const row of prepared.chain) {
    slots.push({
      row,
      secret: await providerSecret(engine, row, prepared.store ?? undefined),
      transport: null,
      limiter: limiterFor(engine, row),
      breaker: breakerFor(engine, row.id, breakerOpts),
      inflight: 0,
      current: 0,
    });
  }
  return slots;
}

/**
 * The run's abort controller, where pause/cancel (control.ts, through the sending context), the
 * caller's signal and the engine's close reach it. The engine closes only once the loop has settled.
 */
function attachControl(engine: Engine, campaignId: number, outer: AbortSignal | undefined) {
  const ctx = sendingContext(engine);
  const controller = new AbortController();
  ctx.runs.set(campaignId, controller);
  const onOuterAbort = () => controller.abort(outer?.reason === 'shutdown' ? 'shutdown' : 'pause');
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let finished: Promise<unknown> | null = null;
  engine.onClose(async () => {
    if (ctx.runs.get(campaignId) === controller) {
      controller.abort('shutdown');
      await finished?.catch(() => undefined);
    }
  });
  return {
    signal: controller.signal,
    /** The loop is running: the engine's close waits for it. */
    running<T>(p: Promise<T>): Promise<T> {
      finished = p;
      return p;
    },
    detach(): void {
      outer?.removeEventListener('abort', onOuterAbort);
      if (ctx.runs.get(campaignId) === controller) ctx.runs.delete(campaignId);
    },
  };
}

/**
 * Before the first message: the campaign becomes 'sending' (taken over from its ESP in the same
 * transaction when it is mirrored), its audience is enqueued once, rows a dead run left claimed go back
 * to the queue, and the timeline says the run started or resumed.
 */
function begin(
  engine: Engine,
  prepared: Prepared,
  slots: Slot[],
  interrupted: RunRow[],
  opts: RunOptions,
): { released: number; taken: ObligationRow | undefined } {
  const { campaign, list, settings, target, render } = prepared;
  const campaignId = campaign.id;
  const deliveries = engine.repos.deliveries;
  const firstStart = campaign.status === 'draft' || campaign.status === 'scheduled';
  // The audience is materialized once, in ranges (deliveries.enqueue); its marker goes first so a
  // crash anywhere before the last range makes the next run finish the enqueue before sending.
  if (firstStart) deliveries.beginEnqueue(campaignId);
  // A mirrored campaign sent from here is taken over from its ESP in the same transaction: the duty
  // to unschedule it there is durable before the first message leaves.
  const taken = engine.db.transaction(() => {
    engine.repos.campaigns.transition(
      campaignId,
      ['draft', 'scheduled', 'sending', 'sent', 'failed'],
      'sending',
      engine.now(),
    );
    return takeCustody(engine, campaignId, 'send');
  })();
  const mid = (c: number, s: number) => messageIdFor(c, s, settings.messageIdDomain, settings.messageIdScope);
  let enqueued = 0;
  if (firstStart || deliveries.enqueuePending(campaignId)) {
    enqueued = target.audience
      ? deliveries.enqueueAudience(campaignId, mid, engine.now())
      : deliveries.enqueue(campaignId, list.id, mid, engine.now(), { chunkSize: ENQUEUE_CHUNK });
  }
  // We hold the lease: any row still 'claimed' was in flight when the previous run stopped.
  const released = deliveries.releaseClaimed(campaignId, engine.now(), 'interrupted');
  // Asked for: the people most likely to hurt a backup's reputation are skipped, with their reason.
  if (opts.skipRisky) leaveOutRisky(engine, campaignId);
  if (released > 0 || interrupted.length > 0) {
    engine.record({
      type: 'send.resumed',
      severity: 'warning',
      message: `Campaign ${campaignId} resumed after an interruption. ${released} message(s) were in flight and are sent once more with the same Message-ID (a copy may already have arrived).`,
      campaignId,
      data: { inFlight: released, interruptedRuns: interrupted.map((r) => r.id) },
    });
  } else {
    engine.record({
      type: 'send.started',
      message: `Sending campaign ${campaignId} "${campaign.subject}" to "${list.name}" through ${slots.map((s) => `"${s.row.name}"`).join(', ')}${enqueued ? ` (${enqueued} recipients)` : ''}.`,
      campaignId,
      listId: list.id,
      data: {
        enqueued,
        providers: slots.map((s) => s.row.name),
        via: opts.via ?? null,
        warnings: [...render.warnings],
      },
    });
  }
  return { released, taken };
}
