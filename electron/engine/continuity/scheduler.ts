/**
 * The scheduler: fires campaigns at their UTC instant, applies the catch-up policy to send times that
 * passed while nothing was running, applies the outage policy when a campaign's ESP or provider is down
 * at its send time, and carries out pause, resume, reschedule and cancel locally and at the ESP.
 *
 * Every decision is persisted (campaign status, campaign_schedules) before anything is sent, and
 * firing is claimed with a guarded UPDATE, so two engines on one database (the app and `understudy
 * run`) never fire a campaign twice and a restart resumes exactly where it was. "Now" comes from the
 * engine's Clock; tests drive it with a ManualClock.
 */
import type { Engine } from '../engine';
import type { ScheduledCampaign } from '../db/repos/schedules';
import { userError } from '../errors';
import { campaignAllows } from '../api/sending';
import { catchUpSettings, policyFor } from './policy';
import { notify } from './notify';
import {
  displayTime,
  humanDuration,
  refusePastSendTime,
  resolveTime,
  systemZone,
  type ResolvedTime,
} from '../time';
import type { EspControl, Sender, SendSummary } from './ports';
import type { Severity } from '../api/common';
import type { TimelineEventType } from '../api/words';
import { takeCustody, type TakeReason } from '../mirror/esp/custody';

export const TIME_ZONE_KEY = 'continuity.timeZone';

export interface SchedulerPorts {
  sender: Sender;
  esp?: EspControl | undefined;
  /** Aborted (reason 'shutdown') when the engine stops: running sends stop and resume at next start. */
  signal?: AbortSignal | undefined;
}

export type Decision =
  'sent' | 'left_to_esp' | 'asked' | 'skipped' | 'paused' | 'waiting' | 'backup' | 'no_backup' | 'released';

export interface TickResult {
  decisions: { campaignId: number; decision: Decision }[];
}

export class Scheduler {
  private readonly running = new Map<number, Promise<void>>();
  private ticking: Promise<TickResult> | null = null;
  /** Campaigns whose handling failed: retried with backoff, not at every pass. */
  private readonly retryAt = new Map<number, { at: number; failures: number }>();

  constructor(
    private readonly engine: Engine,
    private readonly ports: SchedulerPorts,
  ) {}

  /** The person's zone: settings, else the system's. */
  zone(): string {
    const z = this.engine.repos.settings.get(TIME_ZONE_KEY);
    return typeof z === 'string' && z ? z : systemZone();
  }

  /** One pass over due campaigns and holds. Safe to call at any time; overlapping calls share a pass. */
  tick(): Promise<TickResult> {
    this.ticking ??= this.pass().finally(() => (this.ticking = null));
    return this.ticking;
  }

  /** Milliseconds until the next thing the scheduler must do (capped, so health changes are seen). */
  nextWakeMs(capMs = 30_000): number {
    const now = this.engine.clock.now();
    const at = [this.engine.repos.schedules.nextDueAt(), this.engine.repos.schedules.nextWaitEnd()]
      .filter((x): x is string => x !== null)
      .map((x) => Date.parse(x) - now);
    return Math.max(0, Math.min(capMs, ...at));
  }

  /** Resolves when every send this scheduler started has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  isRunning(campaignId: number): boolean {
    return this.running.has(campaignId);
  }

  private async pass(): Promise<TickResult> {
    const decisions: TickResult['decisions'] = [];
    const note = (campaignId: number, decision: Decision) => decisions.push({ campaignId, decision });
    const nowMs = this.engine.clock.now();
    const nowIso = this.engine.now();

    for (const c of this.engine.repos.schedules.held().map((x) => this.withPrimary(x))) {
      if (c.hold !== 'outage' || !['scheduled', 'paused'].includes(c.status)) continue;
      try {
        const down = c.providerHealth === 'down';
        if (c.waitUntil && !down) {
          this.engine.repos.schedules.setHold(c.id, null, nowIso);
          this.record(
            c,
            'outage.released',
            `${c.providerName ?? 'The provider'} is back; "${label(c)}" goes out normally.`,
          );
          note(c.id, 'released');
          note(c.id, await this.fireNormally(this.engine.repos.schedules.get(c.id)!));
        } else if (c.waitUntil && down && Date.parse(c.waitUntil) <= nowMs) {
          note(c.id, await this.sendThroughBackups(c, `${c.providerName} is still down after the wait`));
        }
      } catch (e) {
        this.failed(c, e);
      }
    }

    const cu = catchUpSettings(this.engine);
    for (const c of this.engine.repos.schedules.due(nowIso).map((x) => this.withPrimary(x))) {
      if ((this.retryAt.get(c.id)?.at ?? 0) > nowMs) continue;
      try {
        const lateMs = nowMs - Date.parse(c.scheduledAt!);
        // A mirrored campaign its ESP still holds was the ESP's to send while we were not running:
        // no catch-up question about it unless the ESP is down (then Understudy would be the sender).
        if (c.providerKind === 'esp' && c.sender === 'esp' && c.providerHealth !== 'down') {
          note(c.id, await this.fireNormally(c));
          continue;
        }
        if (lateMs > cu.afterHours * 3_600_000 && cu.policy !== 'send') {
          if (cu.policy === 'ask') {
            this.engine.repos.schedules.setHold(c.id, 'catchup', nowIso);
            notify(this.engine, 'A missed send time needs your decision', {
              type: 'schedule.catchup_ask',
              severity: 'warning',
              campaignId: c.id,
              message: `"${label(c)}" was due ${humanDuration(lateMs)} ago (${this.shown(c)}), while Understudy was not running. It was not sent: choose "send now" or "skip".`,
              data: { lateMs },
            });
            note(c.id, 'asked');
          } else {
            this.engine.repos.campaigns.moveStatus(c.id, ['scheduled'], 'cancelled', nowIso);
            notify(this.engine, 'A missed campaign was skipped', {
              type: 'schedule.catchup_skipped',
              severity: 'warning',
              campaignId: c.id,
              message: `"${label(c)}" was due ${humanDuration(lateMs)} ago (${this.shown(c)}) and was skipped by the catch-up policy. Reschedule it to send it.`,
              data: { lateMs },
            });
            note(c.id, 'skipped');
          }
          continue;
        }
        if (lateMs > cu.graceMinutes * 60_000) {
          this.record(
            c,
            'schedule.late',
            `"${label(c)}" was due ${humanDuration(lateMs)} ago (${this.shown(c)}); sending it now.`,
            'warning',
            { lateMs },
          );
        }
        note(c.id, await this.fireAtDueTime(c));
      } catch (e) {
        this.failed(c, e);
      }
    }
    return { decisions };
  }

  /** At the send time: the outage policy if the campaign's ESP/provider is down, else a normal send. */
  private async fireAtDueTime(c: ScheduledCampaign): Promise<Decision> {
    if (c.providerId === null || c.providerHealth !== 'down') return this.fireNormally(c);
    const policy = policyFor(this.engine, c.outagePolicy);
    const nowIso = this.engine.now();
    const incidentId = this.engine.repos.incidents.openFor(c.providerId)?.id ?? null;
    if (policy.mode === 'pause') {
      const took = this.engine.db.transaction(() => {
        this.engine.repos.campaigns.moveStatus(c.id, ['scheduled'], 'paused', nowIso);
        this.engine.repos.schedules.setHold(c.id, 'outage', nowIso);
        return this.take(c, 'pause');
      })();
      notify(this.engine, 'Campaign paused: its provider is down', {
        type: 'outage.paused',
        severity: 'warning',
        campaignId: c.id,
        providerId: c.providerId,
        incidentId,
        message: `${c.providerName} is down at the send time of "${label(c)}". It is paused, as its outage policy says; resume it, or send it through a backup.`,
      });
      if (took) await this.unscheduleAtEsp(c, incidentId);
      return 'paused';
    }
    if (policy.mode === 'wait') {
      const until = new Date(this.engine.clock.now() + policy.waitMinutes * 60_000).toISOString();
      this.engine.repos.schedules.setHold(c.id, 'outage', nowIso, until);
      notify(this.engine, 'Campaign waiting for its provider', {
        type: 'outage.waiting',
        severity: 'warning',
        campaignId: c.id,
        providerId: c.providerId,
        incidentId,
        message: `${c.providerName} is down at the send time of "${label(c)}". Waiting up to ${policy.waitMinutes} min for it; then it goes out through the backups.`,
        data: { waitUntil: until },
      });
      return 'waiting';
    }
    return this.sendThroughBackups(c, `${c.providerName} is down at the send time`);
  }

  private async fireNormally(c: ScheduledCampaign): Promise<Decision> {
    if (c.providerKind === 'esp' && c.sender === 'esp') {
      if (!this.engine.repos.schedules.claimFire(c.id, this.engine.now())) return 'left_to_esp';
      this.record(
        c,
        'schedule.left_to_esp',
        `${c.providerName} is up at the send time of "${label(c)}": the ESP sends it itself.`,
      );
      return 'left_to_esp';
    }
    if (!this.engine.repos.schedules.claimFire(c.id, this.engine.now())) return 'sent';
    this.start(c, undefined);
    return 'sent';
  }

  private async sendThroughBackups(c: ScheduledCampaign, why: string): Promise<Decision> {
    const nowIso = this.engine.now();
    const incidentId =
      c.providerId === null ? null : (this.engine.repos.incidents.openFor(c.providerId)?.id ?? null);
    const backup = this.pickBackup(c.providerId);
    if (!backup) {
      this.engine.repos.campaigns.moveStatus(c.id, ['scheduled'], 'paused', nowIso);
      this.engine.repos.schedules.setHold(c.id, 'outage', nowIso);
      notify(this.engine, 'No working backup provider', {
        type: 'outage.no_backup',
        severity: 'error',
        campaignId: c.id,
        providerId: c.providerId,
        incidentId,
        message: `${why}, and no backup SMTP provider is working, so "${label(c)}" is paused. Add or fix a backup provider, then resume it.`,
      });
      return 'no_backup';
    }
    // Claimed and taken over from the ESP in one transaction: the duty to unschedule it there is
    // durable before anything is sent, and is retried until the ESP confirms.
    const claim = this.engine.db.transaction(() => {
      if (!this.engine.repos.schedules.claimFire(c.id, nowIso)) return null;
      return { took: this.take(c, 'backup') };
    })();
    if (!claim) return 'backup';
    if (claim.took) await this.unscheduleAtEsp(c, incidentId);
    if (c.status === 'paused') this.engine.repos.campaigns.moveStatus(c.id, ['paused'], 'scheduled', nowIso);
    notify(this.engine, 'Sending through a backup', {
      type: 'outage.backup',
      severity: 'warning',
      campaignId: c.id,
      providerId: c.providerId,
      incidentId,
      message: `${why}: "${label(c)}" goes out through ${backup}.`,
      data: { via: backup },
    });
    this.start(c, backup);
    return 'backup';
  }

  /**
   * Whether this campaign was the ESP's to send (then taking it over records the duty to unschedule
   * it there: call inside the transaction of the takeover).
   */
  private take(c: ScheduledCampaign, reason: TakeReason): boolean {
    if (c.providerKind !== 'esp' || c.sender !== 'esp') return false;
    // The ESP's send time is the one from before the takeover (a reschedule has just changed ours).
    takeCustody(this.engine, c.id, reason, c.scheduledAt);
    return true;
  }

  /** The first try of the duty, at once (retried by the continuity service until the ESP confirms). */
  private async unscheduleAtEsp(c: ScheduledCampaign, incidentId: number | null): Promise<void> {
    const result = this.ports.esp
      ? await this.ports.esp
          .unschedule(c.id)
          .catch((e: unknown) => ({ status: 'failed' as const, message: (e as Error).message }))
      : { status: 'not_supported' as const, message: 'No connector for this ESP is available.' };
    // A success is recorded by the custody runner (custody.unscheduled) with the ESP's answer.
    if (result.status === 'done') return;
    notify(this.engine, 'The ESP may still send this campaign', {
      type: 'esp.unschedule_failed',
      severity: 'warning',
      campaignId: c.id,
      providerId: c.providerId,
      incidentId,
      message: `Understudy could not unschedule "${label(c)}" at ${c.providerName} yet. ${result.message}`,
    });
  }

  /**
   * A campaign made in Understudy has no ESP: its "provider" for the outage policy is the primary SMTP
   * provider, the first of the chain. A mirrored campaign keeps its ESP.
   */
  withPrimary(c: ScheduledCampaign): ScheduledCampaign {
    if (c.providerId !== null) return c;
    const primary = this.engine.repos.health.targets().find((p) => p.kind === 'smtp');
    if (!primary) return c;
    return {
      ...c,
      providerId: primary.id,
      providerName: primary.name,
      providerKind: 'smtp',
      providerHealth: primary.health,
    };
  }

  /** The highest-priority enabled SMTP provider that is not down, other than `exclude`. */
  pickBackup(exclude: number | null): string | null {
    const rank = (h: string) => (h === 'operational' ? 0 : h === 'unknown' ? 1 : 2);
    const t = this.engine.repos.health
      .targets()
      .filter((p) => p.kind === 'smtp' && p.id !== exclude && p.health !== 'down' && p.health !== 'paused')
      .sort((a, b) => rank(a.health) - rank(b.health) || a.priority - b.priority || a.id - b.id);
    return t[0]?.name ?? null;
  }

  private start(c: ScheduledCampaign, via: string | undefined): void {
    const run = (async () => {
      let summary: SendSummary;
      try {
        summary = await this.ports.sender.run(c.id, {
          ...(via ? { via } : {}),
          ...(this.ports.signal ? { signal: this.ports.signal } : {}),
        });
      } catch (e) {
        notify(this.engine, 'Campaign send failed', {
          type: 'campaign.send_failed',
          severity: 'error',
          campaignId: c.id,
          message: `Sending "${label(c)}" stopped: ${(e as Error).message ?? String(e)}`,
        });
        return;
      }
      // Shutdown: the run stopped where it was and resumes at the next start; nothing to announce.
      if (this.ports.signal?.aborted) return;
      const state = typeof summary.state === 'string' ? summary.state : 'finished';
      if (state !== 'finished') {
        this.record(
          c,
          'campaign.send_stopped',
          `Sending "${label(c)}" stopped (${state}): ${String(summary.message ?? '')}`.trim(),
          'warning',
          { summary },
        );
        return;
      }
      const sent = summary.sent ?? 0;
      const failed = summary.failed ?? 0;
      // The desktop notification comes from the sending engine's own send.finished (service.ts).
      this.engine.record({
        type: 'campaign.send_finished',
        severity: failed ? 'warning' : 'info',
        campaignId: c.id,
        message: `"${label(c)}": ${sent} sent${failed ? `, ${failed} failed` : ''}${via ? ` (through ${via})` : ''}.`,
        data: { summary: summary as Record<string, unknown>, via: via ?? null },
      });
    })().finally(() => this.running.delete(c.id));
    this.running.set(c.id, run);
  }

  // ---- what a person does -------------------------------------------------------------------

  /** Schedules or reschedules a campaign at a wall-clock time in a zone (or an instant). */
  async schedule(
    campaignId: number,
    at: string | null,
    zone?: string,
    options: { sendNow?: boolean } = {},
  ): Promise<ResolvedTime & { shown: string }> {
    const c = this.require(campaignId);
    const tz = zone ?? c.timeZone ?? this.zone();
    if (options.sendNow && at)
      throw userError('Give a send time or "send now", not both.', {
        code: 'bad_time',
        safe: 'The campaign keeps its current schedule.',
      });
    if (!options.sendNow && !at)
      throw userError('A send time is needed (or "send now").', {
        code: 'bad_time',
        safe: 'The campaign keeps its current schedule.',
        next: 'Give a time such as 2026-12-01T09:30, or --now.',
        appNext: 'Pick a date and time.',
      });
    // "Send now": scheduled at this instant, so the next pass of the scheduler sends it.
    const resolved = options.sendNow
      ? resolveTime(new Date(this.engine.clock.now()).toISOString(), tz)
      : resolveTime(at!, tz);
    if (!options.sendNow)
      refusePastSendTime(
        resolved.utc,
        this.engine.clock.now(),
        tz,
        'The campaign keeps its current schedule.',
      );
    if (!campaignAllows(c, 'schedule')) {
      throw userError(`Campaign ${campaignId} is ${c.status} and cannot be rescheduled.`, {
        code: 'bad_state',
        safe: 'Nothing was changed, here or at the ESP.',
      });
    }
    // Rescheduled here, so Understudy sends it: the ESP must not send it at the old time too.
    const took = this.engine.db.transaction(() => {
      if (!this.engine.repos.schedules.schedule(campaignId, resolved, this.engine.now())) {
        throw userError(`Campaign ${campaignId} is ${c.status} and cannot be rescheduled.`, {
          code: 'bad_state',
        });
      }
      return this.take(c, 'reschedule');
    })();
    if (took) await this.unscheduleAtEsp(c, null);
    const shown = displayTime(resolved.utc, tz);
    this.record(
      { ...c, timeZone: tz },
      'schedule.set',
      `"${label(c)}" scheduled for ${shown}${resolved.note ? `. ${resolved.note}` : '.'}`,
      resolved.note ? 'warning' : 'info',
      { utc: resolved.utc, localTime: resolved.localTime, timeZone: tz, adjustment: resolved.adjustment },
    );
    return { ...resolved, shown };
  }

  async pause(campaignId: number): Promise<string> {
    const c = this.require(campaignId);
    const now = this.engine.now();
    if (c.status === 'sending') {
      if (!this.ports.sender.pause) throw userError('This campaign is sending and cannot be paused here.');
      await this.ports.sender.pause(campaignId);
      return this.record(
        c,
        'campaign.paused',
        `"${label(c)}" was paused mid-send; resume sends only what is left.`,
      ).message;
    }
    const took = this.engine.db.transaction(() => {
      if (!this.engine.repos.campaigns.moveStatus(campaignId, ['scheduled'], 'paused', now)) {
        throw userError(
          `Campaign ${campaignId} is ${c.status}; only a scheduled or sending campaign can be paused.`,
          { code: 'bad_state' },
        );
      }
      return this.take(c, 'pause');
    })();
    if (took) await this.unscheduleAtEsp(c, null);
    return this.record(
      c,
      'campaign.paused',
      `"${label(c)}" is paused; it will not be sent until you resume it.`,
    ).message;
  }

  async resume(campaignId: number): Promise<string> {
    const c = this.require(campaignId);
    const now = this.engine.now();
    if (!campaignAllows(c, 'resume'))
      throw userError(`Campaign ${campaignId} is ${c.status}, not paused.`, { code: 'bad_state' });
    this.engine.repos.schedules.setHold(campaignId, null, now);
    if (c.startedAt && this.ports.sender.resume) {
      await this.ports.sender.resume(campaignId);
      return this.record(c, 'campaign.resumed', `"${label(c)}" resumed.`).message;
    }
    this.engine.repos.campaigns.moveStatus(campaignId, ['paused'], 'scheduled', now);
    this.engine.repos.schedules.rearm(campaignId, now);
    const due = c.scheduledAt === null || Date.parse(c.scheduledAt) <= this.engine.clock.now();
    if (due) {
      // The person decided: no catch-up question, and the outage policy has been answered.
      const fresh = this.withPrimary(this.engine.repos.schedules.get(campaignId)!);
      const decision =
        fresh.providerHealth === 'down'
          ? await this.sendThroughBackups(fresh, `${fresh.providerName} is down`)
          : await this.fireNormally({
              ...fresh,
              sender: fresh.providerKind === 'esp' ? fresh.sender : 'local',
            });
      return this.record(c, 'campaign.resumed', `"${label(c)}" resumed and is being sent now (${decision}).`)
        .message;
    }
    return this.record(c, 'campaign.resumed', `"${label(c)}" resumed; it goes out at ${this.shown(c)}.`)
      .message;
  }

  async cancel(campaignId: number): Promise<string> {
    const c = this.require(campaignId);
    const now = this.engine.now();
    let took: boolean;
    if (c.status === 'sending' && this.ports.sender.cancel) {
      await this.ports.sender.cancel(campaignId);
      took = this.engine.db.transaction(() => this.take(c, 'cancel'))();
    } else {
      took = this.engine.db.transaction(() => {
        if (
          !this.engine.repos.campaigns.moveStatus(
            campaignId,
            ['draft', 'scheduled', 'paused'],
            'cancelled',
            now,
          )
        ) {
          throw userError(`Campaign ${campaignId} is ${c.status} and cannot be cancelled.`, {
            code: 'bad_state',
          });
        }
        return this.take(c, 'cancel');
      })();
    }
    this.engine.repos.schedules.setHold(campaignId, null, now);
    if (took) await this.unscheduleAtEsp(c, null);
    return this.record(c, 'campaign.cancelled', `"${label(c)}" was cancelled.`).message;
  }

  /** The answer to a catch-up question: send the late campaign now, or skip it. */
  async decideCatchUp(campaignId: number, decision: 'send' | 'skip'): Promise<string> {
    const c = this.require(campaignId);
    if (c.hold !== 'catchup')
      throw userError(`Campaign ${campaignId} is not waiting for a catch-up decision.`, {
        code: 'bad_state',
      });
    const now = this.engine.now();
    this.engine.repos.schedules.setHold(campaignId, null, now);
    if (decision === 'skip') {
      this.engine.repos.campaigns.moveStatus(campaignId, ['scheduled'], 'cancelled', now);
      return this.record(
        c,
        'schedule.catchup_skipped',
        `"${label(c)}" was skipped. Reschedule it to send it.`,
      ).message;
    }
    const d = await this.fireAtDueTime(this.withPrimary(this.engine.repos.schedules.get(campaignId)!));
    return this.record(c, 'schedule.catchup_send', `"${label(c)}" is being sent now, late (${d}).`).message;
  }

  private require(campaignId: number): ScheduledCampaign {
    const c = this.engine.repos.schedules.get(campaignId);
    if (!c)
      throw userError(`There is no campaign ${campaignId}.`, {
        code: 'not_found',
        next: 'See `understudy campaigns list`.',
        appNext: 'It may have been removed; see the Campaigns screen.',
      });
    return c;
  }

  private shown(c: ScheduledCampaign): string {
    return c.scheduledAt ? displayTime(c.scheduledAt, c.timeZone ?? this.zone()) : 'no time';
  }

  private record(
    c: ScheduledCampaign,
    type: TimelineEventType,
    message: string,
    severity: Severity = 'info',
    data: Record<string, unknown> = {},
    incidentId: number | null = null,
  ) {
    return this.engine.record({
      type,
      message,
      severity,
      campaignId: c.id,
      providerId: c.providerId,
      incidentId,
      data,
    });
  }

  private failed(c: ScheduledCampaign, e: unknown): void {
    const prev = this.retryAt.get(c.id)?.failures ?? 0;
    const waitMs = Math.min(30_000 * 2 ** prev, 30 * 60_000);
    this.retryAt.set(c.id, { at: this.engine.clock.now() + waitMs, failures: prev + 1 });
    // Say it once, and again only when it keeps failing for long (not at every retry).
    if (prev > 0 && prev % 5 !== 0) return;
    notify(this.engine, 'The scheduler could not handle a campaign', {
      type: 'schedule.error',
      severity: 'error',
      campaignId: c.id,
      message: `"${label(c)}" could not be handled at its send time: ${(e as Error)?.message ?? String(e)}. It was not sent; it will be tried again in ${humanDuration(waitMs)}.`,
    });
  }
}

function label(c: { name: string; subject: string; id: number }): string {
  return c.name || c.subject || `campaign ${c.id}`;
}
