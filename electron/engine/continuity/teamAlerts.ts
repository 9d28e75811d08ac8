/**
 * The team alert channel: an email to the addresses in `policy --alert-to` (and the Settings screen)
 * when something needs a person — an ESP down or back, a backup provider down, back or paused, an
 * unschedule duty still unmet as the ESP's send time nears, a stale mirror, a failed drill. Each says
 * what happened, what Understudy did, and what the person should do, in plain words.
 *
 * Throttled so an outage is not a storm: outage start and end always go out; anything else at most
 * once per kind and subject (provider, campaign) in ALERT_THROTTLE_MINUTES. Sent through the first
 * healthy backup provider within its caps (sending/teamMail.ts), one at a time, in order.
 *
 * Every alert reaches this channel through `alert()` (notify.ts); events the sending engine records
 * itself (a provider resting at its limit) are picked up from the timeline.
 */
import { z } from 'zod';
import type { Engine } from '../engine';
import type { EventRow } from '../db/repos/events';
import type { ProviderRow } from '../db/repos/providers';
import type { MailTransport } from '../sending/transport';
import { ALERT_EVENTS, ALERT_KINDS, ALERT_THROTTLE_MINUTES, type AlertKind } from '../api/continuity';
import { CUSTODY_EVENTS } from '../api/custody';
import { MIRROR_EVENTS } from '../api/esp';
import { SendingEventType } from '../api/sending';
import { REPUTATION_EVENTS } from '../api/reputation';
import { sendTeamMail } from '../sending/teamMail';
import { displayTime } from '../time';
import { TIME_ZONE_KEY } from './scheduler';
import { systemZone } from '../time';

export const ALERT_SETTINGS_KEY = 'continuity.alerts';
export const AlertSettingsSchema = z.object({
  to: z.array(z.string()).max(20).default([]),
  from: z.string().optional(),
});
export type AlertSettings = z.infer<typeof AlertSettingsSchema>;

export function alertSettings(engine: Engine): AlertSettings {
  const parsed = AlertSettingsSchema.safeParse(engine.repos.settings.get(ALERT_SETTINGS_KEY) ?? {});
  return parsed.success ? parsed.data : { to: [] };
}

interface Classified {
  kind: AlertKind;
  subject: string;
  /** Outage start and end: never throttled. */
  always: boolean;
}

/** Which alert (if any) a timeline event raises. */
export function classifyAlert(engine: Engine, row: EventRow): Classified | null {
  const pid = String(row.providerId ?? '');
  const isEsp = () => row.providerId !== null && engine.repos.health.byId(row.providerId)?.kind === 'esp';
  switch (row.type) {
    case 'incident.opened':
      return { kind: isEsp() ? ALERT_KINDS.espDown : ALERT_KINDS.providerDown, subject: pid, always: true };
    case 'incident.closed':
      if (row.data.from === undefined) return null; // closed by hand: nothing happened to the provider
      return { kind: isEsp() ? ALERT_KINDS.espUp : ALERT_KINDS.providerUp, subject: pid, always: true };
    case 'provider.paused':
    case SendingEventType.massRejection:
    case REPUTATION_EVENTS.paused:
      return { kind: ALERT_KINDS.providerPaused, subject: pid, always: false };
    case CUSTODY_EVENTS.alert:
      // One per threshold (30, 10, 2 minutes before): each is a new, more urgent fact.
      return {
        kind: ALERT_KINDS.custody,
        subject: `${row.campaignId ?? ''}:${String(row.data.minutesBefore ?? '')}`,
        always: false,
      };
    case CUSTODY_EVENTS.doubleSend:
      return { kind: ALERT_KINDS.doubleSend, subject: String(row.campaignId ?? ''), always: false };
    case MIRROR_EVENTS.stale:
      return { kind: ALERT_KINDS.staleMirror, subject: pid, always: false };
    case 'drill.failed':
      return { kind: ALERT_KINDS.drillFailed, subject: pid, always: false };
    default:
      return null;
  }
}

/** What Understudy did and what the person should do, per kind (the "what happened" is the event's). */
function guidance(kind: AlertKind, name: string): { did: string; todo: string } {
  switch (kind) {
    case ALERT_KINDS.espDown:
      return {
        did: `Understudy opened an incident and checks ${name} again at least every minute. Campaigns due while it is down follow their outage policy (wait, pause, or send through your backup email accounts). Any campaign sent through a backup will be unscheduled at ${name} as soon as it answers, so nobody gets it twice.`,
        todo: 'Nothing right away. Open Understudy to see which campaigns are affected. If a campaign must go out now, open it and choose "Send via backup".',
      };
    case ALERT_KINDS.espUp:
      return {
        did: `Understudy closed the incident. It is now unscheduling at ${name} anything it sent in the meantime, passing on the unsubscribes, bounces and complaints it collected, and syncing your lists again.`,
        todo: 'Nothing, unless another alert asks you to. The incident report in Understudy shows what happened.',
      };
    case ALERT_KINDS.providerDown:
      return {
        did: `Understudy stopped using ${name} and sends through your other backup accounts, if you have any. It keeps checking ${name} and uses it again when it works.`,
        todo: `Check the ${name} account with its provider (password, billing, sending limits).`,
      };
    case ALERT_KINDS.providerUp:
      return { did: `Understudy uses ${name} again.`, todo: 'Nothing.' };
    case ALERT_KINDS.providerPaused:
      return {
        did: `Understudy stopped sending through ${name} for now, so the account is not harmed; the rest goes through the next backup account, if there is one.`,
        todo: `Look at ${name} in Understudy. If the messages were refused for their content or the sender address, fix that before turning it back on.`,
      };
    case ALERT_KINDS.custody:
      return {
        did: 'Understudy keeps trying to unschedule the campaign at the ESP until the ESP confirms.',
        todo: 'Unschedule the campaign at the ESP by hand now, as described above. Otherwise your subscribers may get it twice.',
      };
    case ALERT_KINDS.doubleSend:
      return {
        did: 'Understudy stopped its own send of this campaign and recorded the double send in the incident.',
        todo: 'Consider a short apology to the people who got it twice. Understudy can prepare one.',
      };
    case ALERT_KINDS.staleMirror:
      return {
        did: `Understudy keeps trying to sync ${name}; if it is down, the sync runs as soon as it is back.`,
        todo: `Until it syncs, your lists and campaigns in Understudy may miss recent changes at ${name}. If this lasts, open Understudy and check the connection (its API key may have changed).`,
      };
    case ALERT_KINDS.drillFailed:
      return {
        did: `Understudy recorded the failed drill; ${name} stays in your backup chain.`,
        todo: `Check the ${name} account: send a test from it, or look at its settings (password, sender address). A backup that does not work cannot help in an outage.`,
      };
  }
}

/** The event's message in plain words: sentences that are commands for a terminal are left out. */
function plain(message: string): string {
  return message
    .split(/(?<=\.)\s+/)
    .filter((s) => !s.includes('`'))
    .join(' ');
}

export interface TeamAlertOptions {
  transportFor?: (p: ProviderRow, secret: string | undefined) => MailTransport;
}

export class TeamAlerts {
  private readonly last = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private readonly onEvent = (row: EventRow) => {
    // Alerts come through alert() (the sink); events recorded without it are picked up here.
    if (row.data?.notify === true) return;
    this.offer(row, row.type === 'provider.paused' ? 'A backup account is resting' : row.type);
  };

  constructor(
    private readonly engine: Engine,
    private readonly opts: TeamAlertOptions = {},
  ) {}

  start(): this {
    this.engine.services.alerts.sink = (row, title) => this.offer(row, title);
    this.engine.bus.on('event', this.onEvent);
    return this;
  }

  stop(): void {
    this.engine.services.alerts.sink = null;
    this.engine.bus.off('event', this.onEvent);
  }

  /** Resolves when every alert offered so far was sent or given up. */
  idle(): Promise<void> {
    return this.queue;
  }

  offer(row: EventRow, title: string): void {
    const c = classifyAlert(this.engine, row);
    if (!c) return;
    const settings = alertSettings(this.engine);
    if (!settings.to.length) return;
    const key = `${c.kind}:${c.subject}`;
    const now = this.engine.clock.now();
    const prev = this.last.get(key);
    if (!c.always && prev !== undefined && now - prev < ALERT_THROTTLE_MINUTES * 60_000) {
      this.engine.record({
        type: ALERT_EVENTS.throttled,
        severity: 'debug',
        message: `Alert "${title}" not emailed: the same alert went out less than ${ALERT_THROTTLE_MINUTES} min ago.`,
        providerId: row.providerId,
        campaignId: row.campaignId,
        data: { kind: c.kind, eventId: row.id },
      });
      return;
    }
    this.last.set(key, now);
    this.queue = this.queue.then(() => this.deliver(row, title, c.kind, settings));
  }

  private async deliver(row: EventRow, title: string, kind: AlertKind, s: AlertSettings): Promise<void> {
    const name =
      (row.providerId !== null ? this.engine.repos.health.byId(row.providerId)?.name : undefined) ??
      'the provider';
    const { did, todo } = guidance(kind, name);
    const zoneSetting = this.engine.repos.settings.get<string>(TIME_ZONE_KEY);
    const zone = typeof zoneSetting === 'string' && zoneSetting ? zoneSetting : systemZone();
    const text = [
      'What happened',
      plain(row.message),
      '',
      'What Understudy did',
      did,
      '',
      'What you should do',
      todo,
      '',
      `— Understudy, ${displayTime(row.at, zone)}`,
      '',
    ].join('\n');
    const from = s.from ?? s.to[0]!;
    try {
      const r = await sendTeamMail(this.engine, {
        from,
        to: s.to,
        subject: `[Understudy] ${title}`,
        text,
        ...(this.opts.transportFor ? { transportFor: this.opts.transportFor } : {}),
      });
      this.engine.record({
        type: ALERT_EVENTS.sent,
        message: `Alert "${title}" emailed to ${s.to.join(', ')} through ${r.provider}.`,
        providerId: r.providerId,
        data: { kind, eventId: row.id },
      });
    } catch (e) {
      this.engine.record({
        type: ALERT_EVENTS.failed,
        severity: 'warning',
        message: `Alert "${title}" could not be emailed to ${s.to.join(', ')}: ${(e as Error).message}. It is still shown in Understudy.`,
        data: { kind, eventId: row.id },
      });
    }
  }
}

/** Starts the team alert channel of this engine (once); stopped when the engine closes. */
export function startTeamAlerts(engine: Engine, opts: TeamAlertOptions = {}): TeamAlerts {
  const slot = engine.services.continuity;
  if (slot.teamAlerts) return slot.teamAlerts;
  const t = new TeamAlerts(engine, opts).start();
  slot.teamAlerts = t;
  engine.onClose(async () => {
    await t.idle();
    t.stop();
    slot.teamAlerts = null;
  });
  return t;
}
