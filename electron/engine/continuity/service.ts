/**
 * The continuity engine as one running thing: the health monitor, the scheduler, scheduled backups,
 * the backup mailbox and drills, each on its own cadence, plus resuming sends a crash or shutdown
 * interrupted. The desktop app, browser mode and `understudy run` each start one per engine.
 *
 * Shutdown loses nothing: stop() ends the loop, aborts running sends with reason 'shutdown' (the
 * sending engine leaves them 'sending' and they resume from exactly what is not sent at the next
 * start), waits for them to write their last outcomes, and only then lets the engine close.
 */
import type { Engine } from '../engine';
import { Scheduler, type SchedulerPorts } from './scheduler';
import { HealthMonitor, type Probes } from './health';
import { backupIfDue, backupSettings } from './backups';
import { alertRecorded, notify } from './notify';
import { onHealthChange } from './incidents';
import type { EventRow } from '../db/repos/events';
import type { PeriodicJob } from '../api/continuity';
import { SendingEventType } from '../api/sending';
import { REPUTATION_EVENTS } from '../api/reputation';
import { CUSTODY_EVENTS } from '../api/custody';

export interface ServiceParts {
  ports: SchedulerPorts;
  probes: Probes;
  /** Resume runs a crash or shutdown interrupted (the sending engine's resumeInterruptedRuns). */
  resumeInterrupted?: (signal: AbortSignal) => Promise<unknown>;
  /** Periodic work beyond the core loop (sync, inbox processing, drills), each with its own interval. */
  periodic?: PeriodicWork[];
  /** Maximum time between passes (ms). */
  maxSleepMs?: number;
  /** What Understudy owes the ESPs (custody duties, push-back); adapters.ts binds it. */
  custody?: CustodyPort;
}

/**
 * The ESP side of closing the loops: duties to unschedule taken-over campaigns (tried every pass, with
 * their own backoff) and, when an ESP answers again, everything it must be told, before anything else.
 */
export interface CustodyPort {
  /** The due duties (all ESPs). */
  obligations(signal: AbortSignal): Promise<unknown>;
  /** An ESP is back: its duties and its queued unsubscribes/bounces/complaints, one result line. */
  recovered(providerId: number, incidentId: number | null, signal: AbortSignal): Promise<unknown>;
  /** Queued push-backs of ESPs that answer (a retry of a recovery that did not finish). */
  pushBack(signal: AbortSignal): Promise<unknown>;
}

/** One periodic job: its interval (null: not scheduled now) and what it does. */
export interface PeriodicWork {
  name: string;
  everyMs: () => number | null;
  /** A reason to skip it this time (its ESP is down…): it is tried again at the next pass, not after a whole interval. */
  skip?: () => string | null;
  /** What it did, in one line (shown as the job's last result). */
  run: (signal: AbortSignal) => Promise<unknown>;
}

/** Events recorded below continuity asking for a person's attention, raised as alerts here. */
const RAISED_HERE: ReadonlySet<string> = new Set([
  SendingEventType.massRejection,
  REPUTATION_EVENTS.paused,
  CUSTODY_EVENTS.alert,
  CUSTODY_EVENTS.doubleSend,
  CUSTODY_EVENTS.espSent,
]);

/** How often queued push-backs are retried for ESPs that answer. */
const PUSHBACK_RETRY_MS = 10 * 60_000;

export class ContinuityService {
  readonly scheduler: Scheduler;
  readonly monitor: HealthMonitor;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly lastRun = new Map<string, number>();
  /** The last result of each step and job, for `jobs()`. */
  private readonly results = new Map<
    string,
    { at: string; result: PeriodicJob['lastResult']; detail: string | null }
  >();
  private started = false;
  /** ESPs that came back (provider id → the incident that closed), finished at the next pass. */
  private readonly recoveries = new Map<number, number | null>();

  constructor(
    private readonly engine: Engine,
    private readonly parts: ServiceParts,
  ) {
    this.scheduler = new Scheduler(engine, { ...parts.ports, signal: this.stopper.signal });
    this.monitor = new HealthMonitor(engine, parts.probes);
    engine.services.continuity.service = this;
    // Listened to from the start (not only once the loop runs): a test or "check now" that drives
    // the monitor directly sees its recoveries finished at the next pass too.
    engine.bus.on('health.changed', (c) => {
      if (c.kind === 'esp' && c.from === 'down' && c.to !== 'down')
        this.recoveries.set(c.providerId, c.incidentId);
    });
    engine.bus.on('event', (row) => this.raise(row));
  }

  static of(engine: Engine): ContinuityService | undefined {
    return engine.services.continuity.service ?? undefined;
  }

  get running(): boolean {
    return this.started && !this.stopper.signal.aborted;
  }

  /** Starts the loops. Registers stop() to run before the engine closes. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.engine.onClose(() => this.stop());
    // A health change may release a held campaign: run a pass at once.
    this.engine.bus.on('health.changed', () => this.poke());
    this.engine.bus.on('event', (row) => this.onEvent(row));
    this.loop = this.run();
  }

  /**
   * Events of the layers below that a person should see: finished/failed sends, and the events recorded
   * asking for a person's attention (`data.notify`, `data.title`): a provider switched off for rejecting
   * everyone or paused by the reputation guard, a custody duty still unmet near the ESP's send time, a
   * campaign the ESP sent although Understudy held it. Those layers sit below continuity, so they record
   * the fact and the alert (desktop notification, team email) is raised here, from the moment the
   * service exists: a pass driven directly (a test, "check now") raises its custody alerts too.
   */
  private raise(e: EventRow): void {
    if (this.stopper.signal.aborted) return;
    if (e.type === 'send.finished' || e.type === 'send.failed') {
      const ok = e.type === 'send.finished';
      alertRecorded(this.engine, e, ok ? 'Campaign sent' : 'Campaign send failed', ok ? 'info' : 'error');
    } else if (RAISED_HERE.has(e.type) && e.data.notify === true) {
      alertRecorded(
        this.engine,
        e,
        typeof e.data.title === 'string' ? e.data.title : 'A provider was paused',
      );
    }
  }

  /**
   * While the loop runs: a provider whose circuit breaker opened mid-send is down now, so its incident
   * opens at once rather than at the next probe.
   */
  private onEvent(e: EventRow): void {
    if (this.stopper.signal.aborted) return;
    if (e.type === 'provider.down' && e.providerId !== null) {
      const t = this.engine.repos.health.byId(e.providerId);
      if (t && !this.engine.repos.incidents.openFor(t.id))
        onHealthChange(this.engine, t, 'degraded', 'down', e.message);
      this.poke();
    }
  }

  /** Runs a pass now instead of at the next wake-up. */
  poke(): void {
    this.wake?.();
  }

  /** One pass of everything that is due. Exposed for tests and for "check now". */
  async pass(): Promise<void> {
    const signal = this.stopper.signal;
    await this.guard('health', () => this.monitor.tick());
    if (signal.aborted) return;
    const custody = this.parts.custody;
    if (custody) {
      // An ESP that answers again is told everything first: before the scheduler, before any sync.
      for (const [providerId, incidentId] of [...this.recoveries]) {
        if (signal.aborted) return;
        this.recoveries.delete(providerId);
        await this.guard('recovery', () => custody.recovered(providerId, incidentId, signal));
      }
      await this.guard('obligations', () => custody.obligations(signal));
      if (signal.aborted) return;
      if (
        this.engine.clock.now() - (this.lastRun.get('pushback') ?? Number.NEGATIVE_INFINITY) >=
        PUSHBACK_RETRY_MS
      ) {
        this.lastRun.set('pushback', this.engine.clock.now());
        await this.guard('pushback', () => custody.pushBack(signal));
      }
    }
    if (signal.aborted) return;
    await this.guard('scheduler', () => this.scheduler.tick());
    if (signal.aborted) return;
    await this.guard('backup', () => backupIfDue(this.engine));
    for (const p of this.parts.periodic ?? []) {
      if (signal.aborted) return;
      const every = p.everyMs();
      if (every === null) continue;
      const last = this.lastRun.get(p.name) ?? Number.NEGATIVE_INFINITY;
      if (this.engine.clock.now() - last < every) continue;
      const why = p.skip?.() ?? null;
      if (why !== null) {
        this.results.set(p.name, { at: this.engine.now(), result: 'skipped', detail: why });
        continue;
      }
      this.lastRun.set(p.name, this.engine.clock.now());
      await this.guard(p.name, () => p.run(signal));
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    if (this.parts.resumeInterrupted) {
      const resuming = this.guard('resume', () => this.parts.resumeInterrupted!(signal));
      void resuming;
    }
    while (!signal.aborted) {
      await this.pass();
      if (signal.aborted) break;
      const backupEvery = backupSettings(this.engine).intervalMinutes * 60_000;
      const ms = Math.min(
        this.parts.maxSleepMs ?? 30_000,
        this.scheduler.nextWakeMs(),
        this.monitor.nextWakeMs(),
        backupEvery,
      );
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(ms, 50));
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.wake = null;
    }
  }

  /** Every step and periodic job with its interval and last result. */
  jobs(): PeriodicJob[] {
    const core: [string, number | null][] = [
      ['health', null],
      ['recovery', null],
      ['obligations', null],
      ['pushback', PUSHBACK_RETRY_MS],
      ['scheduler', null],
      ['backup', backupSettings(this.engine).intervalMinutes * 60_000],
    ];
    const all: [string, number | null][] = [
      ...core,
      ...(this.parts.periodic ?? []).map((p) => [p.name, p.everyMs()] as [string, number | null]),
    ];
    return all.map(([name, everyMs]) => {
      const r = this.results.get(name);
      return {
        name,
        everyMs,
        lastRunAt: r?.at ?? null,
        lastResult: r?.result ?? null,
        detail: r?.detail ?? null,
      };
    });
  }

  private async guard(what: string, fn: () => Promise<unknown>): Promise<void> {
    const at = this.engine.now();
    try {
      const r = await fn();
      this.results.set(what, { at, result: 'ok', detail: typeof r === 'string' ? r : null });
    } catch (e) {
      this.results.set(what, { at, result: 'failed', detail: (e as Error)?.message ?? String(e) });
      if (this.stopper.signal.aborted) return;
      notify(this.engine, `Continuity: ${what} failed`, {
        type: 'continuity.error',
        severity: 'error',
        message: `The ${what} step failed: ${(e as Error)?.message ?? String(e)}. It is tried again at the next pass; nothing else is affected.`,
        data: { step: what },
      });
    }
  }

  /** Stops the loops and waits for running sends to settle. Idempotent. */
  async stop(): Promise<void> {
    if (!this.stopper.signal.aborted) this.stopper.abort('shutdown');
    await this.loop;
    await this.scheduler.idle();
    const slot = this.engine.services.continuity;
    if (slot.service === this) slot.service = null;
  }
}
