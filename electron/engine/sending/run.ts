/**
 * A campaign run: the loop that moves the outbox to the providers.
 *
 * 1. Take the campaign's lease (campaign_runs): one live run per campaign, across processes. Rows a
 *    dead run left 'claimed' are put back in the queue first (see "in flight" below).
 * 2. Claim a batch of due deliveries in one transaction (status and suppressions checked there), never
 *    holding more than `window` claimed rows.
 * 3. For each message: choose a provider (priority tiers for failover, smooth weighted round-robin
 *    inside a tier for spreading), wait for its rate limiter and a free connection, render, send through
 *    its pooled transport.
 * 4. Classify every failure (classify.ts): retry with backoff and jitter, hand over to the next provider
 *    (breaker open, quota pause), bounce and suppress, or give up — and write outcomes in batched
 *    transactions together with the send counts of the rate limiter and the run's heartbeat.
 * 5. Believe a provider's "unknown user" only while it accepts other people (massReject.ts): one that
 *    rejects everyone is switched off, the bounces it caused in this run are rolled back, and its
 *    deliveries fail over.
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
import { judgeLease, ownIdentity } from './lease';
import type { Engine } from '../engine';
import { userError, isUnderstudyError } from '../errors';
import type { SecretStore } from '../secrets';
import type { ProviderRow } from '../db/repos/providers';
import type { AppliedBounce, ClaimedDelivery, DeliveryOutcome } from '../db/repos/deliveries';
import type { CampaignRow } from '../db/repos/campaigns';
import type { RunRow } from '../db/repos/campaignRuns';
import {
  SendingEventType,
  type SendProgress,
  type SendSummary,
  type SuppressionRolledBackData,
} from '../api/sending';
import { SUPPRESSION_EVENTS } from '../api/suppressions';
import { compileCampaign, messageIdFor, type RenderedMessage, type RenderSubscriber } from './render';
import { classifySmtpFailure, parseReply, type Classification } from './classify';
import { createSmtpTransport, type MailTransport } from './transport';
import { DEFAULT_TUNING, backoffMs, type SendTuning } from './tuning';
import { breakerFor, limiterFor, secretStoreOf, sendingContext } from './context';
import type { BreakerTransition, CircuitBreaker } from './breaker';
import type { RateLimiter } from './limiter';
import { requireSendingSettings, unsubscribeSecret } from './settings';
import { noProviderError, providerSecret, requireProvider } from './providers';
import { requireCampaign, toRenderCampaign } from './campaigns';
import { campaignCapacity } from './campaignCapacity';
import { normalizeEmail } from '../mirror/email';
import { recordSuppressionsAdded } from '../mirror/suppressions';
// eslint-disable-next-line local/engine-layers -- removed by h/run
import { notify as notifyPerson } from '../continuity/notify';
import { MassRejectionGuard, type MassRejectTrip } from './massReject';
import { queueBackupTag, takeCustody, tryCustodyNow } from '../mirror/esp/custody';
import type { ObligationRow } from '../db/repos/obligations';
import { randomBytes } from 'node:crypto';
import { audienceRepo } from '../db/repos/campaignAudience';

export interface RunOptions {
  /** Send only through this provider (no failover). */
  via?: string;
  /** Render and count every message without sending or changing anything. */
  dryRun?: boolean;
  /** Abort: reason 'shutdown' leaves the campaign 'sending' (resumed at next start); else it pauses. */
  signal?: AbortSignal;
  onProgress?: (p: SendProgress) => void;
  taskId?: string;
  secrets?: SecretStore;
  tuning?: Partial<SendTuning>;
  /** Transport factory (tests, the null transport of the memory benchmark). */
  transportFor?: (p: ProviderRow, secret: string | undefined) => MailTransport;
}

interface Slot {
  row: ProviderRow;
  secret: string | undefined;
  transport: MailTransport | null;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
  inflight: number;
  current: number;
}

interface Item {
  d: ClaimedDelivery;
  /** Attempts made in this claim (written with the outcome). */
  attempts: number;
  requeues: number;
  uncertain: boolean;
  /** Providers whose reply refused this message for an account reason (sender, relay, policy). */
  refusedBy?: Set<number>;
}

type StopReason = 'pause' | 'cancel' | 'shutdown' | null;

/** Subscribers enqueued per transaction when a campaign starts (see deliveries.enqueue). */
const ENQUEUE_CHUNK = 50_000;
/** Page cache while sending (KiB): the outbox is walked once, in order; its working set is small. */
const SENDING_CACHE_KIB = 4 * 1024;

// eslint-disable-next-line max-lines-per-function -- split by h/run
export async function runCampaign(
  engine: Engine,
  campaignId: number,
  opts: RunOptions = {},
): Promise<SendSummary> {
  const t0 = Date.now();
  const tuning: SendTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const campaign = requireCampaign(engine, campaignId);
  if (opts.dryRun) return dryRun(engine, campaign, opts, t0);

  if (campaign.status === 'cancelled')
    throw userError(`"${campaign.name}" was cancelled and cannot be sent.`, {
      code: 'campaign_cancelled',
      safe: 'Nothing was sent.',
      next: 'Create a new campaign to send this content again.',
    });
  if (campaign.status === 'paused')
    throw userError(`"${campaign.name}" is paused.`, {
      code: 'campaign_paused',
      safe: 'Nothing was sent.',
      next: `Resume it with \`understudy resume ${campaignId}\`.`,
      appNext: 'Resume it with the Resume button on the campaign.',
    });
  const before = engine.repos.deliveries.counts(campaignId);
  if (campaign.status === 'sent' && before.queued + before.claimed === 0)
    throw userError(`"${campaign.name}" has already been sent.`, {
      code: 'campaign_sent',
      safe: 'Nothing was sent again.',
      next: `To resend only to the recipients that failed, run \`understudy retry-failed ${campaignId}\`.`,
      appNext: 'To resend only to the recipients that failed, use “Retry failed” on the campaign.',
    });
  const target = sendTarget(engine, campaign);
  const list = engine.repos.lists.byId(target.listId)!;
  const settings = requireSendingSettings(engine, campaign.fromEmail);

  // The chain: one provider with --via, else every enabled SMTP provider.
  const chain = opts.via
    ? [requireProvider(engine, opts.via)]
    : engine.repos.providers.all('smtp').filter((p) => p.enabled);
  if (chain.length === 0) throw noProviderError();
  const store = secretStoreOf(engine, opts.secrets);
  const render = compileCampaign(toRenderCampaign(campaign), {
    ...settings,
    listName: list.name,
    unsubscribeSecret: await unsubscribeSecret(engine, store),
  });
  const breakerOpts = {
    threshold: tuning.breakerThreshold,
    cooldownMs: tuning.breakerCooldownMs,
    maxCooldownMs: tuning.breakerMaxCooldownMs,
  };
  const slots: Slot[] = [];
  for (const row of chain) {
    slots.push({
      row,
      secret: await providerSecret(engine, row, store),
      transport: null,
      limiter: limiterFor(engine, row),
      breaker: breakerFor(engine, row.id, breakerOpts),
      inflight: 0,
      current: 0,
    });
  }

  // The lease.
  const ctx = sendingContext(engine);
  const isDead = (r: RunRow) => runIsDead(engine, r, tuning.staleMs);
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
    isDead,
  );
  if (!lease.started) {
    return {
      ...summaryOf(engine, campaignId, 'already_running', t0, 0),
      message: `Campaign ${campaignId} is already being sent by another process (pid ${lease.run.pid} on ${lease.run.host}).`,
    };
  }
  const run = lease.run;
  const controller = new AbortController();
  ctx.runs.set(campaignId, controller);
  const onOuterAbort = () => controller.abort(opts.signal?.reason === 'shutdown' ? 'shutdown' : 'pause');
  if (opts.signal?.aborted) onOuterAbort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const onEngineClose = () => controller.abort('shutdown');
  let finished: Promise<{ state: LoopState; resent: number }> | null = null;
  engine.onClose(async () => {
    if (ctx.runs.get(campaignId) === controller) {
      onEngineClose();
      await finished?.catch(() => undefined);
    }
  });

  const firstStart = campaign.status === 'draft' || campaign.status === 'scheduled';
  let taken: ObligationRow | undefined;
  const releaseCache = engine.repos.deliveries.useSendingCache(SENDING_CACHE_KIB);
  let enqueued = 0;
  let released: number;
  try {
    // The audience is materialized once, in ranges (deliveries.enqueue); its marker goes first so a
    // crash anywhere before the last range makes the next run finish the enqueue before sending.
    if (firstStart) engine.repos.deliveries.beginEnqueue(campaignId);
    // A mirrored campaign sent from here is taken over from its ESP in the same transaction: the duty
    // to unschedule it there is durable before the first message leaves.
    taken = engine.db.transaction(() => {
      engine.repos.campaigns.transition(
        campaignId,
        ['draft', 'scheduled', 'sending', 'sent', 'failed'],
        'sending',
        engine.now(),
      );
      return takeCustody(engine, campaignId, 'send');
    })();
    const mid = (c: number, s: number) =>
      messageIdFor(c, s, settings.messageIdDomain, settings.messageIdScope);
    if ((firstStart || engine.repos.deliveries.enqueuePending(campaignId)) && target.audience)
      enqueued = engine.repos.deliveries.enqueueAudience(campaignId, mid, engine.now());
    else if (firstStart || engine.repos.deliveries.enqueuePending(campaignId))
      enqueued = engine.repos.deliveries.enqueue(
        campaignId,
        list.id,
        (c, s) => messageIdFor(c, s, settings.messageIdDomain, settings.messageIdScope),
        engine.now(),
        { chunkSize: ENQUEUE_CHUNK },
      );
    // We hold the lease: any row still 'claimed' was in flight when the previous run stopped.
    released = engine.repos.deliveries.releaseClaimed(campaignId, engine.now(), 'interrupted');
    if (released > 0 || lease.interrupted.length > 0) {
      engine.record({
        type: 'send.resumed',
        severity: 'warning',
        message: `Campaign ${campaignId} resumed after an interruption. ${released} message(s) were in flight and are sent once more with the same Message-ID (a copy may already have arrived).`,
        campaignId,
        data: { inFlight: released, interruptedRuns: lease.interrupted.map((r) => r.id) },
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
  } catch (e) {
    releaseCache();
    throw e;
  }

  // Tried at once, beside the send (retried by the continuity service until the ESP confirms).
  const custody = taken
    ? tryCustodyNow(engine, campaignId, { evenIfDown: true }).catch(() => undefined)
    : undefined;
  finished = loop(engine, campaign, slots, render, tuning, controller.signal, run, opts).finally(
    () => custody,
  );
  try {
    const { state, resent } = await finished;
    const summary = finish(engine, campaignId, run, state, t0, resent + released, slots);
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
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (ctx.runs.get(campaignId) === controller) ctx.runs.delete(campaignId);
    for (const s of slots) s.transport?.close();
    releaseCache();
  }
}

type LoopState = 'finished' | 'paused' | 'cancelled' | 'waiting' | 'interrupted';

// eslint-disable-next-line max-lines-per-function -- split by h/run
async function loop(
  engine: Engine,
  campaign: CampaignRow,
  slots: Slot[],
  render: (s: RenderSubscriber) => RenderedMessage,
  t: SendTuning,
  signal: AbortSignal,
  run: RunRow,
  opts: RunOptions,
): Promise<{ state: LoopState; resent: number }> {
  const repo = engine.repos.deliveries;
  const id = campaign.id;
  const now = () => engine.clock.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const totalConnections = slots.reduce((a, s) => a + s.row.maxConnections, 0);
  const window = t.window ?? Math.max(32, 8 * totalConnections);

  const queue: Item[] = [];
  let inflight = 0;
  let pending: DeliveryOutcome[] = [];
  const sendCounts = new Map<string, { providerId: number; second: number; count: number }>();
  let lastFlush = Date.now();
  let lastBeat = Date.now();
  let lastProgress = 0;
  let noneDueUntil = 0;
  let stop: StopReason = null;
  let resent = 0;
  let lastTier: number | null = null;
  let lastTierNames = '';
  const base = repo.counts(id);
  const live = {
    sent: base.sent,
    failed: base.failedPerm + base.failedTemp,
    skipped: base.skipped,
    suppressed: base.suppressed,
  };
  const started = Date.now();
  let sentThisRun = 0;
  // Bounces of this run by provider (what `record` applied), so a provider fault can undo them.
  const guard = new MassRejectionGuard(base.total);
  const bounceOwner = new Map<number, number>();
  const ledger = new Map<number, AppliedBounce[]>();
  const noteBounces = (applied: AppliedBounce[]) => {
    for (const b of applied) {
      const pid = bounceOwner.get(b.deliveryId);
      if (pid === undefined) continue;
      bounceOwner.delete(b.deliveryId);
      const l = ledger.get(pid) ?? [];
      l.push(b);
      ledger.set(pid, l);
    }
  };
  /**
   * In the transaction that writes a batch of outcomes: the run's heartbeat, and one suppression.added
   * event per address a bounce suppressed, with the status the subscriber had before, so removing the
   * suppression can give it back.
   */
  const inRecordTransaction = (applied: AppliedBounce[]) => {
    engine.repos.campaignRuns.heartbeat(run.id, engine.now());
    for (const b of applied) {
      if (!b.suppressionAdded) continue;
      const pid = bounceOwner.get(b.deliveryId) ?? null;
      const provider = pid === null ? undefined : slots.find((x) => x.row.id === pid)?.row.name;
      recordSuppressionsAdded(
        engine,
        [
          {
            email: b.emailNorm,
            reason: 'bounced',
            detail: b.detail,
            previous: b.previous ? [{ subscriberId: b.subscriberId, status: b.previous.status }] : [],
            extra: { subscriberId: b.subscriberId, deliveryId: b.deliveryId },
          },
        ],
        {
          source: 'send',
          how: provider ? `"${provider}" refused it during sending` : 'refused during sending',
          campaignId: id,
          providerId: pid,
          each: true,
        },
      );
    }
  };
  let lastProvider: string | null = null;

  let wake: (() => void) | null = null;
  const notify = () => wake?.();
  const sleep = (ms: number) =>
    new Promise<void>((res) => {
      const done = () => {
        clearTimeout(timer);
        wake = null;
        res();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      wake = done;
    });
  const onAbort = () => {
    stop = signal.reason === 'shutdown' ? 'shutdown' : signal.reason === 'cancel' ? 'cancel' : 'pause';
    notify();
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });

  const flush = () => {
    if (pending.length === 0 && sendCounts.size === 0) return;
    const batch = pending;
    pending = [];
    const counts = [...sendCounts.values()];
    sendCounts.clear();
    noteBounces(repo.record(batch, counts, engine.now(), inRecordTransaction));
    lastFlush = Date.now();
    lastBeat = lastFlush;
  };

  const progress = (state: SendProgress['state'], force = false) => {
    const wall = Date.now();
    if (!force && wall - lastProgress < t.progressMs) return;
    lastProgress = wall;
    const p: SendProgress = {
      campaignId: id,
      ...(opts.taskId ? { taskId: opts.taskId } : {}),
      sent: live.sent,
      failed: live.failed,
      skipped: live.skipped,
      suppressed: live.suppressed,
      queued: Math.max(0, base.total - live.sent - live.failed - live.skipped - live.suppressed),
      total: base.total,
      inFlight: inflight,
      perSecond: sentThisRun / Math.max(0.001, (wall - started) / 1000),
      provider: lastProvider,
      state,
    };
    opts.onProgress?.(p);
    engine.bus.emit('send.progress', p);
  };

  const applyTransitions = (s: Slot, ts: BreakerTransition[]) => {
    for (const tr of ts) {
      const pid = s.row.id;
      const name = s.row.name;
      if (tr.type === 'opened') {
        s.row = { ...s.row, health: 'down' };
        engine.repos.providers.setHealth(pid, 'down', engine.now());
        engine.record({
          type: 'provider.down',
          severity: 'error',
          message: `"${name}" is failing (${tr.reason}); its circuit breaker is open until ${iso(tr.retryAt)}, then one message probes it.`,
          providerId: pid,
          campaignId: id,
          data: { reason: tr.reason, retryAt: iso(tr.retryAt), breaker: 'open' },
        });
      } else if (tr.type === 'half_open') {
        engine.record({
          type: 'provider.half_open',
          message: `Probing "${name}" with one message to see whether it is back.`,
          providerId: pid,
          campaignId: id,
          data: { breaker: 'half_open' },
        });
      } else if (tr.type === 'closed') {
        s.row = { ...s.row, health: 'operational' };
        engine.repos.providers.setHealth(pid, 'operational', engine.now());
        engine.record({
          type: 'provider.up',
          message: `"${name}" is accepting mail again; its circuit breaker is closed.`,
          providerId: pid,
          campaignId: id,
          data: { breaker: 'closed' },
        });
      } else if (tr.type === 'paused') {
        s.row = { ...s.row, health: 'paused' };
        engine.repos.providers.setHealth(pid, 'paused', engine.now());
        engine.record({
          type: 'provider.paused',
          severity: 'warning',
          message: `"${name}" reported a sending limit (${tr.reason}); it rests until ${iso(tr.until)}. No subscriber is affected.`,
          providerId: pid,
          campaignId: id,
          data: { reason: tr.reason, until: iso(tr.until) },
        });
      } else if (tr.type === 'unpaused') {
        s.row = { ...s.row, health: 'unknown' };
        engine.repos.providers.setHealth(pid, 'unknown', engine.now());
        engine.record({
          type: 'provider.resumed',
          message: `"${name}"'s sending limit window has reset; it is used again.`,
          providerId: pid,
          campaignId: id,
        });
      }
      engine.repos.providerState.saveBreaker(s.breaker.toRow(engine.now()));
    }
  };

  /** Picks a provider for the next message, or says when to look again. */
  const choose = (at: number): { slot: Slot | null; retryAt: number } => {
    const tiers = new Map<number, Slot[]>();
    for (const s of slots) {
      if (guard.isTripped(s.row.id)) continue; // switched off for rejecting everyone
      const c = s.breaker.check(at);
      applyTransitions(s, c.transitions);
      const blocked = s.breaker.blockedUntil(at) !== null;
      const probeBusy = s.breaker.state === 'half_open' && s.breaker.probeInFlight;
      if (blocked) continue;
      if (!c.allowed && !probeBusy) continue;
      if (s.limiter.waitMs(at) > t.overflowMs) continue;
      const tier = tiers.get(s.row.priority) ?? [];
      tier.push(s);
      tiers.set(s.row.priority, tier);
    }
    const order = [...tiers.keys()].sort((a, b) => a - b);
    if (order.length === 0) {
      let retryAt = Number.POSITIVE_INFINITY;
      for (const s of slots) {
        if (guard.isTripped(s.row.id)) continue;
        const b = s.breaker.blockedUntil(at);
        const l = s.limiter.waitMs(at);
        retryAt = Math.min(retryAt, Math.max(b ?? at, at + l));
      }
      return { slot: null, retryAt };
    }
    const tierKey = order[0]!;
    const tier = tiers.get(tierKey)!;
    const names = tier.map((s) => `"${s.row.name}"`).join(', ');
    if (lastTier !== null && tierKey !== lastTier) {
      const worse = tierKey > lastTier;
      engine.record({
        type: worse ? 'send.failover' : 'send.failback',
        severity: worse ? 'warning' : 'info',
        message: worse
          ? `Campaign ${id}: ${lastTierNames} unavailable; sending continues through ${names}.`
          : `Campaign ${id}: ${names} available again; sending returns to it.`,
        campaignId: id,
        data: { from: lastTierNames, to: names },
      });
    }
    lastTier = tierKey;
    lastTierNames = names;
    // Smooth weighted round-robin (nginx) over the whole tier: the next message goes to the member
    // whose turn it is, and waits for it if it is busy, so a campaign is split by weight rather than
    // by whichever connection happens to be free.
    const allZero = tier.every((s) => s.row.weight === 0);
    const weightOf = (s: Slot) => (allZero ? 1 : s.row.weight);
    let total = 0;
    let best: Slot | null = null;
    for (const s of tier) {
      const w = weightOf(s);
      total += w;
      if (w > 0 && (!best || s.current + w > best.current + weightOf(best))) best = s;
    }
    const b = best!;
    const wait = b.limiter.waitMs(at);
    const busy =
      b.inflight >= b.row.maxConnections * (b.transport?.depth ?? 1) ||
      (b.breaker.state === 'half_open' && b.breaker.probeInFlight);
    if (wait > 0 || busy) return { slot: null, retryAt: at + (wait > 0 ? wait : t.heartbeatMs) };
    for (const s of tier) s.current += weightOf(s);
    b.current -= total;
    return { slot: b, retryAt: at };
  };

  const outcome = (item: Item, o: Omit<DeliveryOutcome, 'id' | 'attempts'>) => {
    pending.push({ ...o, id: item.d.id, attempts: item.attempts });
  };

  const onResult = (item: Item, s: Slot, err: unknown, response: string | null) => {
    const at = now();
    if (err === null) {
      applyTransitions(s, s.breaker.onSuccess());
      if (s.row.health !== 'operational') {
        // First accepted message of this provider since it was unknown, down or paused.
        engine.repos.providers.setHealth(s.row.id, 'operational', engine.now());
        s.row = { ...s.row, health: 'operational' };
      }
      const r = parseReply(response ?? '');
      outcome(item, {
        state: 'sent',
        providerId: s.row.id,
        smtpCode: r.code ?? 250,
        smtpEnhanced: r.enhanced,
        smtpReply: clip(response ?? ''),
        errorClass: item.uncertain ? 'resent_uncertain' : null,
      });
      live.sent++;
      sentThisRun++;
      lastProvider = s.row.name;
      guard.accepted(s.row.id, item.d.email);
      return;
    }
    const e = err as {
      code?: string;
      originalCode?: string;
      responseCode?: number;
      response?: string;
      command?: string;
      message?: string;
      sentNothing?: boolean;
    };
    let cls: Classification = classifySmtpFailure(e);
    // A provider found rejecting everyone: its "unknown user" is its own failure, nobody's bounce.
    if (cls.delivery === 'recipient_perm' && guard.isTripped(s.row.id))
      cls = { ...cls, delivery: 'requeue', provider: 'down' };
    // What it says about the provider.
    if (cls.provider === 'ok') applyTransitions(s, s.breaker.onSuccess());
    else if (cls.provider === 'soft') applyTransitions(s, s.breaker.onFailure(false, cls.reason, at));
    else if (cls.provider === 'down') applyTransitions(s, s.breaker.onFailure(true, cls.reason, at));
    else {
      const until =
        cls.quotaWindow === 'day'
          ? Math.max(at + 15 * 60_000, s.limiter.windowResetsAt(at, 86_400) ?? at + 86_400_000)
          : at + t.ratePauseMs;
      applyTransitions(s, s.breaker.pause(until, cls.reason));
    }
    const base = {
      providerId: s.row.id,
      smtpCode: cls.code,
      smtpEnhanced: cls.enhanced,
      smtpReply: clip(cls.reason),
    };
    switch (cls.delivery) {
      case 'requeue': {
        // The provider failed before the message left: no attempt against the recipient.
        item.attempts = Math.max(0, item.attempts - 1);
        item.requeues++;
        if (cls.provider === 'down' && cls.code !== null) {
          // An SMTP reply refused it for the account's sake. Once every provider still in use has
          // refused it, it waits for the person (retry-failed) instead of probing each breaker again
          // and again: not failed_perm, nobody suppressed.
          (item.refusedBy ??= new Set()).add(s.row.id);
          const inUse = slots.filter((x) => !guard.isTripped(x.row.id));
          if (inUse.length > 0 && inUse.every((x) => item.refusedBy!.has(x.row.id))) {
            outcome(item, { ...base, state: 'failed_temp', errorClass: 'account_refused' });
            live.failed++;
            return;
          }
        }
        if (item.requeues <= 20) {
          queue.unshift(item);
          return;
        }
        return retryLater(item, base, 'provider_unavailable', at);
      }
      case 'retry':
        return retryLater(item, base, 'temporary', at);
      case 'uncertain':
        if (!item.uncertain) {
          item.uncertain = true;
          resent++;
          queue.unshift(item);
          return;
        }
        outcome(item, { ...base, state: 'failed_temp', errorClass: 'uncertain' });
        live.failed++;
        return;
      case 'recipient_perm': {
        const norm = normalizeEmail(item.d.email) ?? item.d.email.toLowerCase();
        outcome(item, {
          ...base,
          state: 'failed_perm',
          errorClass: 'bounced',
          bounce: { emailNorm: norm, subscriberId: item.d.subscriberId, detail: clip(cls.reason) },
        });
        live.failed++;
        bounceOwner.set(item.d.id, s.row.id);
        const trip = guard.rejected(s.row.id, item.d.email);
        if (trip) tripMassRejection(s, trip, cls.reason);
        return;
      }
      case 'message_perm':
        outcome(item, { ...base, state: 'failed_perm', errorClass: 'rejected' });
        live.failed++;
        return;
    }
  };

  /**
   * A provider rejected everyone (massReject.ts): switch it off, open an incident that says so, undo
   * the bounces it caused in this run (one audit event per address), and let its deliveries fail over.
   */
  const tripMassRejection = (s: Slot, trip: MassRejectTrip, reply: string) => {
    flush(); // every bounce of this run is in the database, and in the ledger
    const pid = s.row.id;
    const name = s.row.name;
    const at = now();
    const what =
      trip.rule === 'streak'
        ? `rejected ${trip.rejected} different people in a row as unknown`
        : trip.rule === 'majority'
          ? `rejected ${trip.rejected} of the last ${trip.outOf} people it was given as unknown`
          : `rejected ${trip.rejected} different people as unknown and accepted nobody`;
    const reason = `${what}: the account's fault, not theirs`;
    // Open the breaker without the usual "probes it later" event: the incident below says what happened,
    // and a switched-off provider is probed by nobody until a person turns it back on.
    s.breaker.onFailure(true, reason, at);
    engine.repos.providerState.saveBreaker(s.breaker.toRow(engine.now()));
    engine.repos.providers.setEnabled(pid, false, engine.now());
    engine.repos.providers.setHealth(pid, 'paused', engine.now());
    s.row = { ...s.row, enabled: false, health: 'paused' };
    const incident =
      engine.repos.incidents.openFor(pid) ??
      engine.repos.incidents.open(pid, `${name} rejected everyone as unknown`, engine.now());
    const bounces = ledger.get(pid) ?? [];
    ledger.delete(pid);
    const done = repo.rollbackBounces(bounces, engine.now(), (rows) => {
      for (const r of rows) {
        engine.record({
          type: SUPPRESSION_EVENTS.rolledBack,
          severity: 'warning',
          message: `${r.emailNorm} is no longer suppressed: "${name}" said the address was unknown, but it was rejecting everyone.${r.restoredStatus ? ` Their status is back to ${r.restoredStatus}.` : ''}`,
          providerId: pid,
          campaignId: id,
          incidentId: incident.id,
          data: {
            email: r.emailNorm,
            subscriberId: r.subscriberId,
            deliveryId: r.deliveryId,
            restoredStatus: r.restoredStatus,
            suppressionRemoved: r.suppressionRemoved,
            requeued: r.requeued,
            reason: 'mass_rejection',
            reply: clip(reply),
          } satisfies SuppressionRolledBackData,
        });
      }
    });
    const restored = done.filter((r) => r.requeued).length;
    const others = slots.some((x) => !guard.isTripped(x.row.id));
    live.failed = Math.max(0, live.failed - restored);
    noneDueUntil = 0;
    notifyPerson(engine, `${name} paused: it rejected everyone`, {
      type: SendingEventType.massRejection,
      severity: 'error',
      providerId: pid,
      campaignId: id,
      incidentId: incident.id,
      message:
        `"${name}" ${what}; that is the account's problem, not theirs. Understudy paused it and restored them` +
        ` (${restored} ${restored === 1 ? 'person' : 'people'}: no longer suppressed; ${others ? 'their messages go out through the next provider' : 'their messages wait for a provider that works'}).` +
        ` Check the account's settings with its provider, then turn "${name}" back on under Providers.`,
      data: { rule: trip.rule, rejected: trip.rejected, domains: trip.domains, restored, reply: clip(reply) },
    });
  };

  const retryLater = (
    item: Item,
    base: { providerId: number; smtpCode: number | null; smtpEnhanced: string | null; smtpReply: string },
    errorClass: string,
    at: number,
  ) => {
    const total = item.d.attempts + item.attempts;
    if (total >= t.maxAttempts) {
      outcome(item, { ...base, state: 'failed_temp', errorClass });
      live.failed++;
    } else {
      outcome(item, {
        ...base,
        state: 'queued',
        errorClass,
        nextAttemptAt: iso(at + backoffMs(t, Math.max(1, total))),
      });
    }
  };

  const dispatch = (item: Item, s: Slot) => {
    const at = now();
    s.inflight++;
    inflight++;
    item.attempts++;
    s.breaker.onDispatch();
    s.limiter.take(at);
    const second = Math.floor(at / 1000);
    const key = `${s.row.id}:${second}`;
    const c = sendCounts.get(key);
    if (c) c.count++;
    else sendCounts.set(key, { providerId: s.row.id, second, count: 1 });
    let message: RenderedMessage;
    try {
      message = { ...render(subscriberOf(item.d)), messageId: item.d.messageId };
    } catch (e) {
      s.inflight--;
      inflight--;
      outcome(item, {
        state: 'failed_perm',
        providerId: null,
        errorClass: 'render',
        smtpReply: clip(isUnderstudyError(e) ? e.message : String((e as Error)?.message ?? e)),
      });
      live.failed++;
      return;
    }
    s.transport ??= opts.transportFor
      ? opts.transportFor(s.row, s.secret)
      : createSmtpTransport(s.row, s.secret);
    s.transport.send(message).then(
      (info) => {
        s.inflight--;
        inflight--;
        onResult(item, s, null, info.response);
        notify();
      },
      (err: unknown) => {
        s.inflight--;
        inflight--;
        onResult(item, s, err ?? new Error('unknown transport error'), null);
        notify();
      },
    );
  };

  let state: LoopState = 'finished';
  let dispatched = 0;
  try {
    for (;;) {
      if (stop) break;
      const wall = Date.now();
      if (pending.length >= t.flushEvery || (pending.length > 0 && wall - lastFlush >= t.flushMs)) flush();
      if (wall - lastBeat >= t.heartbeatMs) {
        engine.repos.campaignRuns.heartbeat(run.id, engine.now());
        lastBeat = wall;
        // Another process (or the UI through another engine) may have paused or cancelled it.
        const status = engine.repos.campaigns.byId(id)?.status;
        if (status === 'paused') stop = 'pause';
        else if (status === 'cancelled') stop = 'cancel';
        if (stop) break;
      }
      progress('sending');

      const at = now();
      // Refill at half the window, in one go: few commits (one fsync each), connections never idle.
      if (queue.length + inflight <= window / 2 && at >= noneDueUntil) {
        // Outcomes still pending are written in the same commit as the claim, so they free their room.
        const want = window - queue.length - inflight;
        let got;
        if (pending.length > 0 || sendCounts.size > 0) {
          // Write the finished outcomes and take the next batch in one commit.
          const batch = pending;
          const counts = [...sendCounts.values()];
          pending = [];
          sendCounts.clear();
          got = repo.recordAndClaim(batch, counts, engine.now(), inRecordTransaction, {
            campaignId: id,
            limit: want,
            dueBy: iso(at),
          });
          noteBounces(got.bounces);
          lastFlush = Date.now();
          lastBeat = lastFlush;
        } else got = repo.claim(id, want, iso(at));
        const { claimed, skipped } = got;
        for (const sk of skipped) {
          if (sk.reason === 'suppressed') live.suppressed++;
          else live.skipped++;
        }
        for (const d of claimed) queue.push({ d, attempts: 0, requeues: 0, uncertain: false });
        if (claimed.length + skipped.length < want) noneDueUntil = at + 250;
      }

      if (queue.length === 0) {
        if (inflight === 0) {
          if (pending.length > 0) {
            flush();
            noneDueUntil = 0;
            continue;
          }
          const next = repo.nextDue(id);
          if (next === null) break; // everything has an outcome
          const wait = Date.parse(next) - now();
          if (wait <= 0) {
            noneDueUntil = 0;
            continue;
          }
          if (wait > t.maxWaitMs) {
            state = 'waiting';
            break;
          }
          progress('waiting');
          await sleep(Math.min(wait, t.heartbeatMs));
          noneDueUntil = 0;
          continue;
        }
        await sleep(t.flushMs);
        continue;
      }

      const choice = choose(at);
      if (!choice.slot) {
        const wait = choice.retryAt - at;
        if (inflight === 0 && wait > t.maxWaitMs) {
          state = 'waiting';
          break;
        }
        if (inflight === 0) progress('waiting');
        await sleep(Math.min(Math.max(wait, 5), t.heartbeatMs));
        continue;
      }
      dispatch(queue.shift()!, choice.slot);
      // Yield now and then so completions, timers and signals are never starved by a long burst.
      if (++dispatched % 64 === 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Messages on the wire finish (their outcome is recorded); nothing new starts.
    while (inflight > 0) await sleep(t.flushMs);
    // Claimed but never handed to a transport: back to the queue, untouched.
    for (const item of queue.splice(0)) {
      pending.push({
        id: item.d.id,
        state: 'queued',
        providerId: null,
        attempts: item.attempts,
        nextAttemptAt: engine.now(),
        ...(item.uncertain ? { errorClass: 'uncertain' } : {}),
      });
    }
    flush();
    progress('finishing', true);
  }
  if (stop === 'pause') state = 'paused';
  else if (stop === 'cancel') state = 'cancelled';
  else if (stop === 'shutdown') state = 'interrupted';
  return { state, resent };
}

/** Who a campaign goes to: its whole list, or the audience of its segment/tag/group mirrored at sync. */
interface SendTarget {
  listId: number;
  audience: boolean;
}

/**
 * The outbox sends to a whole list, or — for a campaign aimed at a segment, tags or groups at its ESP —
 * to exactly the audience the last sync resolved (campaign_audience). A target the ESP's API could not
 * enumerate, or not resolved yet, is refused rather than sent to everyone on the list.
 */
function sendTarget(engine: Engine, c: CampaignRow): SendTarget {
  if (c.segment !== null && c.segment !== undefined) {
    const a = audienceRepo(engine.db).get(c.id);
    if (!a || a.state !== 'resolved')
      throw userError(
        a
          ? `Understudy cannot send campaign ${c.id} through a backup because ${a.reason ?? 'its ESP cannot list who it targets'}.`
          : `Campaign ${c.id} targets a segment of its audience that has not been resolved yet.`,
        {
          code: 'segment_unsupported',
          safe: 'Nothing was sent: sending it to the whole list could reach people it was not meant for.',
          next:
            a?.next ??
            'Sync the ESP connection (`understudy sync`) so Understudy learns who the segment holds, then send again.',
          appNext: a?.next ?? 'Sync the ESP connection (ESP connections screen), then send again.',
        },
      );
    const listId = c.listId ?? audienceRepo(engine.db).firstListId(c.id);
    if (listId === null)
      throw userError(`Campaign ${c.id} targets a segment that holds nobody Understudy can mail.`, {
        code: 'audience_empty',
        safe: 'Nothing was sent.',
        next: 'Check the segment at the ESP, sync again, and send once it holds subscribed people.',
      });
    return { listId, audience: true };
  }
  if (c.listId === null)
    throw userError(`Campaign ${c.id} has no list to send to.`, {
      code: 'no_list',
      safe: 'Nothing was sent.',
      next: 'Create a local campaign for a list with `understudy campaigns add --list NAME ...`.',
      appNext: 'Create a new campaign for a list on the Campaigns screen.',
    });
  return { listId: c.listId, audience: false };
}

function subscriberOf(d: ClaimedDelivery): RenderSubscriber {
  return {
    id: d.subscriberId,
    email: d.email,
    firstName: d.firstName,
    lastName: d.lastName,
    mergeFields: d.mergeFields,
    tags: d.tags,
  };
}

function clip(s: string): string {
  const t = s.replace(/[\r\n]+/g, ' ');
  return t.length > 500 ? `${t.slice(0, 497)}...` : t;
}

/** Whether the process holding a 'running' row is gone, a zombie, a reused pid or silent (lease.ts). */
export function runIsDead(engine: Engine, r: RunRow, staleMs: number): boolean {
  if (r.host === hostname() && r.pid === process.pid && (!r.identity || r.identity === ownIdentity()))
    return !sendingContext(engine).runs.has(r.campaignId);
  return judgeLease(r, engine.clock.now(), staleMs).dead;
}

/** Where a campaign stands now, as a summary (a `send --wait` whose campaign another process finished). */
export function currentSummary(engine: Engine, campaignId: number, message: string): SendSummary {
  return { ...summaryOf(engine, campaignId, 'finished', Date.now(), 0), durationMs: 0, message };
}

function summaryOf(
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

function finish(
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

/** Renders every message and counts who would get it, without sending or changing anything. */
async function dryRun(
  engine: Engine,
  campaign: CampaignRow,
  opts: RunOptions,
  t0: number,
): Promise<SendSummary> {
  const target = sendTarget(engine, campaign);
  const list = engine.repos.lists.byId(target.listId)!;
  const settings = requireSendingSettings(engine, campaign.fromEmail);
  const chain = opts.via
    ? [requireProvider(engine, opts.via)]
    : engine.repos.providers.all('smtp').filter((p) => p.enabled);
  const render = compileCampaign(
    toRenderCampaign(campaign),
    // A throwaway key: dry-run links are never sent, and the real key stays in the secret store.
    { ...settings, listName: list.name, unsubscribeSecret: randomBytes(16).toString('hex') },
  );
  let would = 0;
  const skipped = 0;
  let suppressed = 0;
  let failed = 0;
  let n = 0;
  // A campaign aimed at a segment counts exactly its mirrored audience, not the whole list.
  const people = target.audience
    ? audienceRepo(engine.db)
        .subscriberIds(campaign.id)
        .map((id) => engine.repos.subscribers.byId(id))
        .filter((s) => s !== undefined)
    : engine.repos.subscribers.iterate(list.id);
  for (const s of people) {
    if (opts.signal?.aborted) break;
    if (s.status !== 'subscribed') continue;
    if (engine.repos.suppressions.get(s.emailNorm)) {
      suppressed++;
      continue;
    }
    try {
      render(s);
      would++;
    } catch {
      failed++;
    }
    if (++n % 5000 === 0) {
      opts.onProgress?.({
        campaignId: campaign.id,
        sent: would,
        failed,
        skipped,
        suppressed,
        queued: 0,
        total: n,
        inFlight: 0,
        perSecond: 0,
        provider: null,
        state: 'sending',
      });
      await new Promise((r) => setImmediate(r));
    }
  }
  const capacity =
    chain.map((p) => `"${p.name}"${p.caps.perDay ? ` (${p.caps.perDay}/day)` : ''}`).join(', ') ||
    'no provider yet';
  // When they would arrive through the chain as it is now (issue 16 §4).
  const forecast =
    chain.length > 0 ? campaignCapacity(engine, campaign.id, { via: opts.via, remaining: would }) : null;
  const finish = forecast ? `\n${[forecast.summary, ...forecast.notes].join('\n')}` : '';
  return {
    campaign: campaign.id,
    state: 'dry_run',
    sent: would,
    failed,
    skipped,
    suppressed,
    queued: would,
    byProvider: {},
    resentUncertain: 0,
    durationMs: Date.now() - t0,
    message: `Dry run of campaign ${campaign.id}: ${would} message(s) would be sent through ${capacity}; ${suppressed} suppressed; ${failed} could not be rendered. Nothing was sent or changed.${render.warnings.length ? ` Review: ${render.warnings.join(' ')}` : ''}${finish}`,
  };
}
