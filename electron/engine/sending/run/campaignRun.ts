/**
 * The loop of one campaign run, as named steps (in the spirit of listmonk's manager/pipe.go):
 *
 * - `claim`: at half the window, take the next due deliveries — in the same commit as the outcomes
 *   still pending (`flush`), so their room is freed and one fsync covers both.
 * - `choose`: the provider for the next message (chooser.ts: priority tiers, weighted round-robin),
 *   with the failover/failback events.
 * - `dispatch`: count it against the provider's caps, render it, hand it to the provider's transport.
 * - `record`: what the reply means (classify.ts) for the message and for the provider — sent, retried
 *   later, handed to the next provider, resent once (uncertain), bounced, refused — and for the
 *   mass-rejection guard and the reputation watch (reputation.ts).
 * - `flush`: the one place outcomes are written (outcomes.ts).
 * - `drain`: when the loop ends, the messages on the wire finish; claimed ones never handed to a
 *   transport go back to the queue untouched; everything is written.
 *
 * A provider is out of this run's choice while the mass-rejection guard has switched it off or the
 * reputation watch has paused it (`isOff`); the watch also reads, at each heartbeat, the bounce reports
 * and complaints recorded meanwhile.
 *
 * The window bounds duplicates: never more than `window` rows are claimed (README "Duplicates").
 */
import type { Engine } from '../../engine';
import { isUnderstudyError } from '../../errors';
import type { CampaignRow } from '../../db/repos/campaigns';
import type { RunRow } from '../../db/repos/campaignRuns';
import type { DeliveryCounts, DeliveryOutcome } from '../../db/repos/deliveries';
import type { SendProgress } from '../../api/sending';
import { normalizeEmail } from '../../mirror/email';
import type { CompiledCampaign, RenderedMessage, RenderSubscriber } from '../render';
import { classifySmtpFailure, parseReply, smtpFailureOf, type Classification } from '../classify';
import { createSmtpTransport } from '../transport';
import { backoffMs, type SendTuning } from '../tuning';
import { transitionEffect, type BreakerTransition } from '../breaker';
import { ProviderChooser } from '../chooser';
import { MassRejectionGuard } from '../massReject';
import { ReputationWatch } from '../reputation';
import { OutcomeBatch, type Claimed } from './outcomes';
import { switchOffProvider } from './massRejection';
import {
  clip,
  type FailureReply,
  type Item,
  type LoopState,
  type RunOptions,
  type Slot,
  type StopReason,
} from './types';

export interface RunParts {
  engine: Engine;
  campaign: CampaignRow;
  /** The chain (the chooser orders it by priority). */
  slots: Slot[];
  render: CompiledCampaign;
  tuning: SendTuning;
  /** Aborted with 'pause', 'cancel' or 'shutdown'. */
  signal: AbortSignal;
  run: RunRow;
  opts: RunOptions;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CampaignRun {
  private readonly engine: Engine;
  private readonly id: number;
  private readonly slots: Slot[];
  private readonly t: SendTuning;
  /** Most rows claimed at once: what a crash can duplicate. */
  private readonly window: number;
  private readonly outcomes: OutcomeBatch;
  private readonly chooser: ProviderChooser<Slot>;
  private readonly guard: MassRejectionGuard;
  /** Rolling bounce/complaint rates per provider; one over its limit is paused (reputation.ts). */
  private readonly reputation: ReputationWatch;
  /** The outbox when the run started, and what it holds now (for progress). */
  private readonly base: DeliveryCounts;
  /** Messages accepted per provider: what the database held at the start, plus this run's. */
  private readonly sentBy: Record<string, number>;
  private readonly live: { sent: number; failed: number; skipped: number; suppressed: number };

  /** Claimed, not yet handed to a transport (requeued items go first). */
  private readonly queue: Item[] = [];
  /** Handed to a transport, outcome not known yet. */
  private inflight = 0;
  private stop: StopReason = null;
  /** Nothing was due at the last claim: claim again from this moment (ms). */
  private noneDueUntil = 0;
  private lastFlush = Date.now();
  private lastBeat = Date.now();
  private lastProgress = 0;
  private lastProvider: string | null = null;
  private readonly started = Date.now();
  private sentThisRun = 0;
  private dispatched = 0;
  /** Messages resent at once because their first try was uncertain. */
  private resent = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly parts: RunParts) {
    const { engine, campaign, slots, tuning } = parts;
    this.engine = engine;
    this.id = campaign.id;
    this.slots = slots;
    this.t = tuning;
    const totalConnections = slots.reduce((a, s) => a + s.row.maxConnections, 0);
    this.window = tuning.window ?? Math.max(32, 8 * totalConnections);
    this.base = engine.repos.deliveries.counts(this.id);
    this.sentBy = engine.repos.deliveries.sentByProvider(this.id);
    this.live = {
      sent: this.base.sent,
      failed: this.base.failedPerm + this.base.failedTemp,
      skipped: this.base.skipped,
      suppressed: this.base.suppressed,
    };
    this.guard = new MassRejectionGuard(this.base.total);
    this.reputation = new ReputationWatch(
      engine,
      this.id,
      slots.map((x) => x.row),
      () => this.reputationPaused(),
    );
    this.outcomes = new OutcomeBatch(
      engine,
      this.id,
      parts.run.id,
      (pid) => slots.find((x) => x.row.id === pid)?.row.name,
    );
    this.chooser = new ProviderChooser(slots, {
      overflowMs: tuning.overflowMs,
      busyRetryMs: tuning.heartbeatMs,
      isOff: (s) => this.isOff(s),
      onTransitions: (s, ts) => this.applyTransitions(s, ts),
    });
  }

  /** Sends until every message has an outcome, nobody can send for long, or the run is told to stop. */
  async execute(): Promise<{ state: LoopState; resent: number }> {
    const { signal } = this.parts;
    const onAbort = () => {
      this.stop = signal.reason === 'shutdown' ? 'shutdown' : signal.reason === 'cancel' ? 'cancel' : 'pause';
      this.wake?.();
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    let state: LoopState;
    try {
      state = await this.loop();
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.drain();
    }
    if (this.stop === 'pause') state = 'paused';
    else if (this.stop === 'cancel') state = 'cancelled';
    else if (this.stop === 'shutdown') state = 'interrupted';
    return { state, resent: this.resent };
  }

  private async loop(): Promise<'finished' | 'waiting'> {
    for (;;) {
      if (this.stop || this.keepUp()) return 'finished';
      this.progress('sending');
      const at = this.now();
      // Refill at half the window, in one go: few commits (one fsync each), connections never idle.
      if (this.queue.length + this.inflight <= this.window / 2 && at >= this.noneDueUntil) this.claim(at);
      if (this.queue.length === 0) {
        const idle = await this.idle();
        if (idle === 'again') continue;
        return idle;
      }
      const choice = this.choose(at);
      if (!choice.slot) {
        const wait = choice.retryAt - at;
        if (this.inflight === 0 && wait > this.t.maxWaitMs) return 'waiting';
        if (this.inflight === 0) this.progress('waiting');
        await this.sleep(Math.min(Math.max(wait, 5), this.t.heartbeatMs));
        continue;
      }
      this.dispatch(this.queue.shift()!, choice.slot);
      // Yield now and then so completions, timers and signals are never starved by a long burst.
      if (++this.dispatched % 64 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Writes outcomes that are due, beats the heartbeat, and sees whether another process (or the UI
   * through another engine) paused or cancelled the campaign. True when the run must stop.
   */
  private keepUp(): boolean {
    const wall = Date.now();
    const pending = this.outcomes.size;
    if (pending >= this.t.flushEvery || (pending > 0 && wall - this.lastFlush >= this.t.flushMs))
      this.flush();
    if (wall - this.lastBeat < this.t.heartbeatMs) return false;
    this.engine.repos.campaignRuns.heartbeat(this.parts.run.id, this.engine.now());
    this.lastBeat = wall;
    const status = this.engine.repos.campaigns.byId(this.id)?.status;
    if (status === 'paused') this.stop = 'pause';
    else if (status === 'cancelled') this.stop = 'cancel';
    this.reputation.poll(); // bounce reports and complaints that arrived meanwhile
    return this.stop !== null;
  }

  /** Out of this run: switched off for rejecting everyone, or paused over its bounce/complaint limit. */
  private isOff(s: Slot): boolean {
    return this.guard.isTripped(s.row.id) || this.reputation.isPaused(s.row.id);
  }

  /**
   * The reputation watch paused a provider: its share fails over to the rest of the chain, or the
   * campaign pauses when nobody is left. Answers whether another provider is left.
   */
  private reputationPaused(): boolean {
    this.noneDueUntil = 0;
    const others = this.slots.some((x) => !this.isOff(x));
    if (!others) this.stop = 'pause';
    this.wake?.();
    return others;
  }

  /** Nothing in hand: wait for messages on the wire, or for the next due delivery. */
  private async idle(): Promise<'again' | 'finished' | 'waiting'> {
    if (this.inflight > 0) {
      await this.sleep(this.t.flushMs);
      return 'again';
    }
    if (this.outcomes.size > 0) {
      this.flush();
      this.noneDueUntil = 0;
      return 'again';
    }
    const next = this.engine.repos.deliveries.nextDue(this.id);
    if (next === null) return 'finished'; // everything has an outcome
    const wait = Date.parse(next) - this.now();
    if (wait > this.t.maxWaitMs) return 'waiting';
    if (wait > 0) {
      this.progress('waiting');
      await this.sleep(Math.min(wait, this.t.heartbeatMs));
    }
    this.noneDueUntil = 0;
    return 'again';
  }

  /** claim: the next due deliveries, up to the window. */
  private claim(at: number): void {
    const want = this.window - this.queue.length - this.inflight;
    const { claimed, skipped } = this.flush({ limit: want, dueBy: iso(at) });
    for (const sk of skipped) {
      if (sk.reason === 'suppressed') this.live.suppressed++;
      else this.live.skipped++;
    }
    for (const d of claimed) this.queue.push({ d, attempts: 0, requeues: 0, uncertain: false });
    if (claimed.length + skipped.length < want) this.noneDueUntil = at + 250;
  }

  /** choose: who sends the next message, or when to look again. */
  private choose(at: number): { slot: Slot | null; retryAt: number } {
    const c = this.chooser.choose(at);
    if (c.tierChange) {
      const { worse, from, to } = c.tierChange;
      this.engine.record({
        type: worse ? 'send.failover' : 'send.failback',
        severity: worse ? 'warning' : 'info',
        message: worse
          ? `Campaign ${this.id}: ${from} unavailable; sending continues through ${to}.`
          : `Campaign ${this.id}: ${to} available again; sending returns to it.`,
        campaignId: this.id,
        data: { from, to },
      });
    }
    return { slot: c.member, retryAt: c.retryAt };
  }

  /** dispatch: counts the message against the provider's caps, renders it and hands it over. */
  private dispatch(item: Item, s: Slot): void {
    const at = this.now();
    s.inflight++;
    this.inflight++;
    item.attempts++;
    s.breaker.onDispatch();
    s.limiter.take(at);
    this.outcomes.countSend(s.row.id, at);
    let message: RenderedMessage;
    try {
      message = { ...this.parts.render(subscriberOf(item.d)), messageId: item.d.messageId };
    } catch (e) {
      s.inflight--;
      this.inflight--;
      this.outcome(item, {
        state: 'failed_perm',
        providerId: null,
        errorClass: 'render',
        smtpReply: clip(isUnderstudyError(e) ? e.message : String((e as Error)?.message ?? e)),
      });
      this.live.failed++;
      return;
    }
    const { transportFor } = this.parts.opts;
    s.transport ??= transportFor ? transportFor(s.row, s.secret) : createSmtpTransport(s.row, s.secret);
    s.transport.send(message).then(
      (info) => this.settled(item, s, null, info.response),
      (err: unknown) => this.settled(item, s, err ?? new Error('unknown transport error'), null),
    );
  }

  private settled(item: Item, s: Slot, err: unknown, response: string | null): void {
    s.inflight--;
    this.inflight--;
    if (err === null) this.recordSent(item, s, response);
    else this.recordFailure(item, s, err);
    this.wake?.();
  }

  /** record: the provider accepted the message. */
  private recordSent(item: Item, s: Slot, response: string | null): void {
    this.applyTransitions(s, s.breaker.onSuccess());
    if (s.row.health !== 'operational') {
      // First accepted message of this provider since it was unknown, down or paused.
      this.engine.repos.providers.setHealth(s.row.id, 'operational', this.engine.now());
      s.row = { ...s.row, health: 'operational' };
    }
    const r = parseReply(response ?? '');
    this.outcome(item, {
      state: 'sent',
      providerId: s.row.id,
      smtpCode: r.code ?? 250,
      smtpEnhanced: r.enhanced,
      smtpReply: clip(response ?? ''),
      errorClass: item.uncertain ? 'resent_uncertain' : null,
    });
    this.live.sent++;
    this.sentThisRun++;
    this.sentBy[s.row.name] = (this.sentBy[s.row.name] ?? 0) + 1;
    this.lastProvider = s.row.name;
    this.guard.accepted(s.row.id, item.d.email);
    this.reputation.sent(s.row.id, item.d.id);
  }

  /** record: the message failed; what it means for the provider, then for the message. */
  private recordFailure(item: Item, s: Slot, err: unknown): void {
    const at = this.now();
    let cls: Classification = classifySmtpFailure(smtpFailureOf(err));
    // A provider found rejecting everyone: its "unknown user" is its own failure, nobody's bounce.
    if (cls.delivery === 'recipient_perm' && this.guard.isTripped(s.row.id))
      cls = { ...cls, delivery: 'requeue', provider: 'down' };
    this.judgeProvider(s, cls, at);
    const reply: FailureReply = {
      providerId: s.row.id,
      smtpCode: cls.code,
      smtpEnhanced: cls.enhanced,
      smtpReply: clip(cls.reason),
    };
    switch (cls.delivery) {
      case 'requeue':
        return this.requeue(item, s, cls, reply, at);
      case 'retry':
        return this.retryLater(item, reply, 'temporary', at);
      case 'uncertain':
        if (!item.uncertain) {
          item.uncertain = true;
          this.resent++;
          this.queue.unshift(item);
          return;
        }
        return this.failed(item, { ...reply, state: 'failed_temp', errorClass: 'uncertain' });
      case 'recipient_perm':
        return this.bounce(item, s, cls, reply);
      case 'message_perm':
        return this.failed(item, { ...reply, state: 'failed_perm', errorClass: 'rejected' });
    }
  }

  /** What a failure says about the provider: its breaker counts it, opens, or pauses for a quota. */
  private judgeProvider(s: Slot, cls: Classification, at: number): void {
    let ts: BreakerTransition[];
    if (cls.provider === 'ok') ts = s.breaker.onSuccess();
    else if (cls.provider === 'soft') ts = s.breaker.onFailure(false, cls.reason, at);
    else if (cls.provider === 'down') ts = s.breaker.onFailure(true, cls.reason, at);
    else {
      const until =
        cls.quotaWindow === 'day'
          ? Math.max(at + 15 * 60_000, s.limiter.windowResetsAt(at, 86_400) ?? at + 86_400_000)
          : at + this.t.ratePauseMs;
      ts = s.breaker.pause(until, cls.reason);
    }
    this.applyTransitions(s, ts);
  }

  /** The provider failed before the message left: no attempt against the recipient; the next provider. */
  private requeue(item: Item, s: Slot, cls: Classification, reply: FailureReply, at: number): void {
    item.attempts = Math.max(0, item.attempts - 1);
    item.requeues++;
    if (cls.provider === 'down' && cls.code !== null) {
      // An SMTP reply refused it for the account's sake. Once every provider still in use has refused
      // it, it waits for the person (retry-failed) instead of probing each breaker again and again:
      // not failed_perm, nobody suppressed.
      (item.refusedBy ??= new Set()).add(s.row.id);
      const inUse = this.slots.filter((x) => !this.isOff(x));
      if (inUse.length > 0 && inUse.every((x) => item.refusedBy!.has(x.row.id)))
        return this.failed(item, { ...reply, state: 'failed_temp', errorClass: 'account_refused' });
    }
    if (item.requeues <= 20) {
      this.queue.unshift(item);
      return;
    }
    this.retryLater(item, reply, 'provider_unavailable', at);
  }

  /** A recipient's permanent failure: bounced and suppressed, unless the provider rejects everyone. */
  private bounce(item: Item, s: Slot, cls: Classification, reply: FailureReply): void {
    const norm = normalizeEmail(item.d.email) ?? item.d.email.toLowerCase();
    this.failed(item, {
      ...reply,
      state: 'failed_perm',
      errorClass: 'bounced',
      bounce: { emailNorm: norm, subscriberId: item.d.subscriberId, detail: clip(cls.reason) },
    });
    this.outcomes.bouncedBy(item.d.id, s.row.id);
    const trip = this.guard.rejected(s.row.id, item.d.email);
    if (!trip) {
      this.reputation.bounced(s.row.id, item.d.id);
      return;
    }
    this.flush(); // every bounce of this run is in the database, and in the ledger
    const restored = switchOffProvider(this.engine, {
      campaignId: this.id,
      slot: s,
      trip,
      reply: cls.reason,
      bounces: this.outcomes.takeBounces(s.row.id),
      othersInUse: this.slots.some((x) => !this.isOff(x)),
      at: this.now(),
    });
    this.live.failed = Math.max(0, this.live.failed - restored);
    this.noneDueUntil = 0;
  }

  private retryLater(item: Item, reply: FailureReply, errorClass: string, at: number): void {
    const total = item.d.attempts + item.attempts;
    if (total >= this.t.maxAttempts) return this.failed(item, { ...reply, state: 'failed_temp', errorClass });
    this.outcome(item, {
      ...reply,
      state: 'queued',
      errorClass,
      nextAttemptAt: iso(at + backoffMs(this.t, Math.max(1, total))),
    });
  }

  private failed(item: Item, o: Omit<DeliveryOutcome, 'id' | 'attempts'>): void {
    this.outcome(item, o);
    this.live.failed++;
  }

  private outcome(item: Item, o: Omit<DeliveryOutcome, 'id' | 'attempts'>): void {
    this.outcomes.add({ ...o, id: item.d.id, attempts: item.attempts });
  }

  /** The breaker moved: the provider's health and the event a person reads (breaker.ts's table). */
  private applyTransitions(s: Slot, ts: BreakerTransition[]): void {
    for (const tr of ts) {
      const effect = transitionEffect(tr, s.row.name);
      if (effect.health !== null) {
        s.row = { ...s.row, health: effect.health };
        this.engine.repos.providers.setHealth(s.row.id, effect.health, this.engine.now());
      }
      this.engine.record({
        type: effect.type,
        ...(effect.severity ? { severity: effect.severity } : {}),
        message: effect.message,
        providerId: s.row.id,
        campaignId: this.id,
        ...(effect.data ? { data: effect.data } : {}),
      });
      this.engine.repos.providerState.saveBreaker(s.breaker.toRow(this.engine.now()));
    }
  }

  /**
   * flush: writes the pending outcomes (with the send counts, the heartbeat and the bounces' events)
   * in one transaction; with `claim`, the next batch is taken in the same commit.
   */
  private flush(): void;
  private flush(claim: { limit: number; dueBy: string }): Claimed;
  private flush(claim?: { limit: number; dueBy: string }): Claimed | void {
    if (this.outcomes.empty) {
      if (claim) return this.engine.repos.deliveries.claim(this.id, claim.limit, claim.dueBy);
      return;
    }
    const got = claim ? this.outcomes.write(claim) : this.outcomes.write();
    this.lastFlush = Date.now();
    this.lastBeat = this.lastFlush;
    return got;
  }

  /** drain: the messages on the wire finish; nothing new starts; what is in hand goes back unsent. */
  private async drain(): Promise<void> {
    while (this.inflight > 0) await this.sleep(this.t.flushMs);
    // Claimed but never handed to a transport: back to the queue, untouched.
    for (const item of this.queue.splice(0)) {
      this.outcomes.add({
        id: item.d.id,
        state: 'queued',
        providerId: null,
        attempts: item.attempts,
        nextAttemptAt: this.engine.now(),
        ...(item.uncertain ? { errorClass: 'uncertain' } : {}),
      });
    }
    this.flush();
    this.progress('finishing', true);
  }

  private progress(state: SendProgress['state'], force = false): void {
    const wall = Date.now();
    if (!force && wall - this.lastProgress < this.t.progressMs) return;
    this.lastProgress = wall;
    const { live, base } = this;
    const p: SendProgress = {
      campaignId: this.id,
      ...(this.parts.opts.taskId ? { taskId: this.parts.opts.taskId } : {}),
      sent: live.sent,
      failed: live.failed,
      skipped: live.skipped,
      suppressed: live.suppressed,
      queued: Math.max(0, base.total - live.sent - live.failed - live.skipped - live.suppressed),
      total: base.total,
      inFlight: this.inflight,
      perSecond: this.sentThisRun / Math.max(0.001, (wall - this.started) / 1000),
      provider: this.lastProvider,
      byProvider: { ...this.sentBy },
      state,
    };
    this.parts.opts.onProgress?.(p);
    this.engine.bus.emit('send.progress', p);
  }

  private now(): number {
    return this.engine.clock.now();
  }

  /** Waits `ms`, or less when a message settles or the run is told to stop. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        res();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wake = done;
    });
  }
}

function subscriberOf(d: Item['d']): RenderSubscriber {
  return {
    id: d.subscriberId,
    email: d.email,
    firstName: d.firstName,
    lastName: d.lastName,
    mergeFields: d.mergeFields,
    tags: d.tags,
  };
}
