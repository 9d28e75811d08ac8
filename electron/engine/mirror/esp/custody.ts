/**
 * Custody of a mirrored campaign (DESIGN.md, "Closing the loops"). A campaign mirrored from an ESP has
 * one owner at a time: the ESP, which sends it at its own time, or Understudy, once it was sent through
 * a backup, paused, rescheduled or cancelled here. Taking it over writes, in the same transaction, the
 * duty to unschedule it at the ESP (takeCustody). The duties are drained here (runObligations):
 *
 *   pending ──(ESP answers: unscheduled, or not scheduled any more)──► done
 *   pending ──(ESP down / refused)──► pending, next try after a capped backoff (first on recovery)
 *   pending, the ESP's send time 30/10/2 min away ──► alert with what to do by hand at the ESP
 *   pending past the ESP's send time ──► ask the ESP: sent? ──► double_sent (incident) | not_sent
 *
 * Nothing here sleeps: the continuity service's pass (understudy run, serve, the app) calls
 * runObligations, the health monitor's recovery calls it at once, a sync calls it before it reads the
 * ESP's campaigns. Every outcome is a timeline event, tagged with the ESP's incident when there is one.
 */
import { DateTime } from 'luxon';
import type { Engine } from '../../engine';
import type { ObligationRow } from '../../db/repos/obligations';
import type { EventInput } from '../../db/repos/events';
import { CUSTODY_EVENTS, type CustodyView } from '../../api/custody';
import { ESP_DISPLAY_NAMES } from '../../api/esp';
import { humanDuration, systemZone } from '../../time';
import { stopCampaignSend } from '../../runs';
import { openConnector } from './connections';
import { pushBack, type PushBackSummary } from './pushback';
import { isEspKind, type EspCampaignState, type EspConnector, type EspKind } from './types';

/** Minutes before the ESP's own send time at which an unmet duty is alerted. */
export const ALERT_MINUTES = [30, 10, 2] as const;
/** Backoff between tries while the ESP does not answer: 15 s doubling, capped at 2 min. */
const BACKOFF_BASE_MS = 15_000;
const BACKOFF_CAP_MS = 120_000;
const TIME_ZONE_KEY = 'continuity.timeZone';

export type TakeReason = 'backup' | 'send' | 'pause' | 'reschedule' | 'cancel';

/** The exact thing to do by hand at each ESP so it does not send the campaign. */
const BY_HAND: Record<EspKind, (name: string) => string> = {
  mailchimp: (n) => `in Mailchimp, open Campaigns, find "${n}" and choose Unschedule (it becomes a draft).`,
  brevo: (n) => `in Brevo, open Campaigns, find "${n}" and choose Suspend.`,
  mailerlite: (n) =>
    `in MailerLite, open Campaigns, the Scheduled tab, find "${n}" and choose Cancel (it becomes a draft).`,
  kit: (n) => `in Kit, open Send, Broadcasts, open "${n}" and unschedule it (save it as a draft).`,
  sendgrid: (n) => `in SendGrid, open Marketing, Single Sends, open "${n}" and choose Unschedule.`,
  klaviyo: (n) =>
    `in Klaviyo, open Campaigns, find "${n}" and cancel its scheduled send (revert it to a draft).`,
};

function espLabel(type: string): string {
  return isEspKind(type) ? ESP_DISPLAY_NAMES[type] : type;
}

function zoneOf(engine: Engine): string {
  const z = engine.repos.settings.get<string>(TIME_ZONE_KEY);
  return typeof z === 'string' && z ? z : systemZone();
}

/** "19:58" today, "Tue 8 Dec, 19:58" another day: a person's time, in their zone, never ISO. */
export function shortTime(utc: string, zone: string, nowMs: number): string {
  const t = DateTime.fromISO(utc, { zone: 'utc' }).setZone(zone);
  const today = DateTime.fromMillis(nowMs, { zone }).hasSame(t, 'day');
  return today ? t.toFormat('HH:mm') : t.toFormat('ccc d LLL, HH:mm');
}

function label(c: { name: string; subject: string; id: number }): string {
  return c.name || c.subject || `campaign ${c.id}`;
}

/**
 * Takes a mirrored campaign over from its ESP: the campaign becomes Understudy's to send (or not), and
 * the duty to unschedule it at the ESP is recorded. Call INSIDE the transaction that takes it over
 * (a send starting, a pause, a reschedule, a cancel, the outage policy). No-op for a campaign made
 * here or one Understudy already holds. Returns the duty when this call took the campaign over.
 */
export function takeCustody(
  engine: Engine,
  campaignId: number,
  reason: TakeReason,
  espSendAt?: string | null,
): ObligationRow | undefined {
  const c = engine.repos.obligations.candidate(campaignId);
  if (!c || c.providerKind !== 'esp' || c.providerId === null || c.espCampaignId === null) return undefined;
  if (c.sender === 'local') return undefined;
  const incidentId = engine.repos.incidents.openFor(c.providerId)?.id ?? null;
  const o = engine.repos.obligations.take(
    {
      campaignId,
      providerId: c.providerId,
      espCampaignId: c.espCampaignId,
      espSendAt: espSendAt === undefined ? c.scheduledAt : espSendAt,
    },
    reason,
    incidentId,
    engine.now(),
  );
  if (o)
    engine.record({
      type: CUSTODY_EVENTS.taken,
      message: custodySentence(engine, campaignId)?.sentence ?? 'Understudy holds this campaign now.',
      campaignId,
      providerId: c.providerId,
      incidentId,
      data: { reason, espSendAt: o.espSendAt },
    });
  return o;
}

/**
 * What happens (or happened) at the ESP, in one sentence: the send-via-backup confirmation, the
 * campaign panel and `send` all show exactly this. While the ESP still holds the campaign it says
 * what taking it over (sending it from here) will do there.
 */
export function custodySentence(
  engine: Engine,
  campaignId: number,
  zone = zoneOf(engine),
): CustodyView | null {
  const c = engine.repos.schedules.get(campaignId);
  if (!c || c.providerKind !== 'esp' || c.providerId === null || c.espCampaignId === null) return null;
  const provider = engine.repos.espSync.providerById(c.providerId);
  const type = provider?.type ?? 'ESP';
  const esp = espLabel(type);
  const nowMs = engine.clock.now();
  const o = engine.repos.obligations.latestFor(campaignId);
  const espSendAt = o?.espSendAt ?? c.scheduledAt;
  const at = espSendAt ? shortTime(espSendAt, zone, nowMs) : null;
  const down = c.providerHealth === 'down';
  const base = {
    owner: c.sender,
    provider: c.providerName ?? esp,
    esp,
    obligation: o && c.sender === 'local' ? o.state : null,
    espSendAt: espSendAt ?? null,
  };
  const upcoming = espSendAt !== null && Date.parse(espSendAt) > nowMs;
  if (c.sender === 'esp' || !o) {
    if (!['draft', 'scheduled', 'paused'].includes(c.status) || c.startedAt)
      return { ...base, sentence: `${esp} sends this campaign itself.` };
    const deadline = upcoming && at ? `; if it cannot before ${at}, you will be alerted` : '';
    return {
      ...base,
      sentence: down
        ? `${esp} is down: Understudy will unschedule this campaign there as soon as ${esp} answers${deadline}.`
        : `Understudy will unschedule this campaign at ${esp} first, so ${esp} does not send it too${deadline}.`,
    };
  }
  switch (o.state) {
    case 'done':
      return {
        ...base,
        sentence: `${esp} no longer has this campaign scheduled: Understudy ${o.outcome ?? 'unscheduled it there'}${o.doneAt ? ` (${shortTime(o.doneAt, zone, nowMs)})` : ''}.`,
      };
    case 'not_sent':
      return { ...base, sentence: `${esp} did not send this campaign at its own time.` };
    case 'double_sent':
      return {
        ...base,
        sentence: `${esp} sent this campaign too: ${o.affected ?? 0} people got it twice.`,
      };
    case 'abandoned':
      return {
        ...base,
        sentence: `Understudy could not tell ${esp} (${o.outcome ?? 'the connection was removed'}).`,
      };
    default:
      return {
        ...base,
        sentence: upcoming
          ? `${down ? `${esp} is down: ` : ''}Understudy will unschedule this campaign at ${esp} as soon as ${esp} answers; if it cannot before ${at}, you will be alerted.`
          : `Understudy could not unschedule this campaign at ${esp} before its time there (${at ?? 'unknown'}); it is asking ${esp} whether it sent it.`,
      };
  }
}

/**
 * Tries a campaign's pending duty now (right after taking it over). `evenIfDown`: also when the health
 * monitor says the ESP is down (a background caller; a person waiting on a click is not held up by an
 * ESP known to be down: the recovery runs it). The outcome in the words of the connector.
 */
export async function tryCustodyNow(
  engine: Engine,
  campaignId: number,
  opts: { evenIfDown?: boolean; signal?: AbortSignal } = {},
): Promise<{ status: 'done' | 'failed'; message: string }> {
  const o = engine.repos.obligations.pendingFor(campaignId);
  if (!o) {
    const last = engine.repos.obligations.latestFor(campaignId);
    return last
      ? { status: last.state === 'done' ? 'done' : 'failed', message: last.outcome ?? last.state }
      : { status: 'done', message: 'No ESP has this campaign scheduled.' };
  }
  const down = engine.repos.health.byId(o.providerId)?.health === 'down';
  if (!down || opts.evenIfDown)
    await runObligations(engine, {
      obligationId: o.id,
      force: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  const after = engine.repos.obligations.byId(o.id)!;
  return after.state === 'done'
    ? { status: 'done', message: after.outcome ?? 'unscheduled' }
    : {
        status: 'failed',
        message: custodySentence(engine, campaignId)?.sentence ?? after.lastError ?? 'not yet unscheduled',
      };
}

export interface ObligationRunSummary {
  tried: number;
  done: number;
  pending: number;
  doubleSent: number;
  alerts: number;
  /** Backup sends whose recipients were tagged at the ESP. */
  tagged: number;
}

/**
 * Works through the pending duties that are due (all of one ESP when `force`, e.g. the moment it
 * answers again). Never throws for an ESP's answer: an unreachable ESP is a retry later.
 */
export async function runObligations(
  engine: Engine,
  opts: { providerId?: number; obligationId?: number; force?: boolean; signal?: AbortSignal } = {},
): Promise<ObligationRunSummary> {
  const out: ObligationRunSummary = { tried: 0, done: 0, pending: 0, doubleSent: 0, alerts: 0, tagged: 0 };
  const connectors = new Map<number, EspConnector | Error>();
  for (const o of engine.repos.obligations.pending(opts.providerId)) {
    if (opts.signal?.aborted) break;
    const nowMs = engine.clock.now();
    if (opts.obligationId !== undefined && o.id !== opts.obligationId) continue;
    if (o.action === 'tag') {
      const health = engine.repos.health.byId(o.providerId)?.health;
      if ((opts.force || Date.parse(o.nextTryAt) <= nowMs) && health !== 'down') {
        out.tried++;
        if (await tagAttempt(engine, o, connectors, opts.signal)) out.tagged++;
      }
      continue;
    }
    const due = opts.force || Date.parse(o.nextTryAt) <= nowMs;
    if (due) {
      out.tried++;
      const settled = await attempt(engine, o, connectors, opts.signal);
      if (settled === 'double_sent') out.doubleSent++;
      if (settled) {
        out.done++;
        continue;
      }
    }
    if (alertIfNear(engine, engine.repos.obligations.byId(o.id)!)) out.alerts++;
    out.pending++;
  }
  return out;
}

async function connectorFor(
  engine: Engine,
  providerId: number,
  cache: Map<number, EspConnector | Error>,
): Promise<EspConnector | Error> {
  let c = cache.get(providerId);
  if (c) return c;
  const p = engine.repos.espSync.providerById(providerId);
  if (!p) c = new Error('the ESP connection was removed');
  else {
    try {
      // Two tries per call: the queue itself retries, so a dead ESP does not hold the pass for minutes.
      c = await openConnector(engine, p, { maxAttempts: 2, timeoutMs: 20_000 });
    } catch (e) {
      c = e as Error;
    }
  }
  cache.set(providerId, c);
  return c;
}

/** One try at one duty. Returns the settled state, or null while it stays pending. */
async function attempt(
  engine: Engine,
  o: ObligationRow,
  cache: Map<number, EspConnector | Error>,
  signal: AbortSignal | undefined,
): Promise<string | null> {
  const connector = await connectorFor(engine, o.providerId, cache);
  const c = engine.repos.schedules.get(o.campaignId);
  if (!c) {
    engine.repos.obligations.settle(o.id, 'abandoned', 'the campaign was deleted', engine.now());
    return 'abandoned';
  }
  if (connector instanceof Error) {
    retry(engine, o, c, connector.message);
    return null;
  }
  const past = o.espSendAt !== null && Date.parse(o.espSendAt) <= engine.clock.now();
  const callOpts = signal ? { signal } : {};
  const stateOf = async (): Promise<EspCampaignState | null> =>
    connector.campaignState ? connector.campaignState(o.espCampaignId, callOpts) : null;
  try {
    if (past) {
      // Its time at the ESP has come: did the ESP send it?
      const st = await stateOf();
      if (st && (st.state === 'sent' || st.state === 'sending')) return espSent(engine, o, c, connector, st);
      if (st && st.state !== 'scheduled') {
        return settle(
          engine,
          o,
          c,
          'not_sent',
          `${connector.label} did not send it (it is ${st.espStatus} there)`,
        );
      }
    }
    const r = connector.capabilities.unschedule
      ? await connector.unschedule(o.espCampaignId, callOpts)
      : {
          status: 'not_supported' as const,
          message: `${connector.label}'s API cannot unschedule a campaign.`,
        };
    if (r.status === 'done') return settle(engine, o, c, 'done', 'unscheduled it there', r.message);
    // Refused or unreachable: the ESP's own view decides (it may be a draft already, or sent).
    const st = await stateOf().catch(() => null);
    if (st && (st.state === 'sent' || st.state === 'sending')) return espSent(engine, o, c, connector, st);
    if (st && st.state !== 'scheduled')
      return settle(
        engine,
        o,
        c,
        'done',
        'found it no longer scheduled there',
        `it is ${st.espStatus} there`,
      );
    retry(engine, o, c, r.message);
    return null;
  } catch (e) {
    retry(engine, o, c, (e as Error).message);
    return null;
  }
}

/** The tag put on the people a campaign reached through a backup (max 100 characters, Mailchimp's limit). */
export function backupTagName(c: { name: string; subject: string; id: number }): string {
  return `Sent by Understudy backup: ${label(c)}`.slice(0, 100);
}

/**
 * After a mirrored campaign was sent through a backup, the people who got it are tagged at the ESP
 * (tagBackupRecipients), so the marketer can exclude them from any resend there. A duty like the
 * unschedule one: durable, tried when the ESP answers.
 */
export function queueBackupTag(engine: Engine, campaignId: number): boolean {
  const c = engine.repos.obligations.candidate(campaignId);
  if (!c || c.providerKind !== 'esp' || c.providerId === null || c.espCampaignId === null) return false;
  if (engine.repos.deliveries.counts(campaignId).sent === 0) return false;
  return engine.repos.obligations.addTag(
    { campaignId, providerId: c.providerId, espCampaignId: c.espCampaignId },
    engine.repos.incidents.openFor(c.providerId)?.id ?? null,
    engine.now(),
  );
}

async function tagAttempt(
  engine: Engine,
  o: ObligationRow,
  cache: Map<number, EspConnector | Error>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const c = engine.repos.schedules.get(o.campaignId);
  const list = c?.listId ? engine.repos.lists.byId(c.listId) : undefined;
  const now = engine.now();
  if (!c || !list?.espListId) {
    engine.repos.obligations.settle(o.id, 'abandoned', 'the campaign or its list is no longer mirrored', now);
    return false;
  }
  const connector = await connectorFor(engine, o.providerId, cache);
  if (connector instanceof Error) {
    engine.repos.obligations.retryLater(o.id, connector.message, backoffAt(engine, o), now);
    return false;
  }
  if (!connector.capabilities.tagRecipients || !connector.tagBackupRecipients) {
    engine.repos.obligations.settle(
      o.id,
      'abandoned',
      `${connector.label}'s API cannot tag contacts; the people who got the backup send are listed in the campaign's deliveries`,
      now,
    );
    return false;
  }
  const emails: string[] = [];
  for (let after = 0; ;) {
    const page = engine.repos.deliveries.page(o.campaignId, { state: 'sent', limit: 1000, afterId: after });
    if (!page.length) break;
    emails.push(...page.map((d) => d.email));
    after = page.at(-1)!.id;
  }
  const tag = backupTagName(c);
  try {
    const r = await connector.tagBackupRecipients(list.espListId, emails, tag, signal ? { signal } : {});
    if (!engine.repos.obligations.settle(o.id, 'done', `tagged ${r.tagged} "${tag}"`, engine.now(), r.tagged))
      return false;
    engine.record({
      type: CUSTODY_EVENTS.tagged,
      message: `${r.tagged} of the ${emails.length} people who got "${label(c)}" through a backup are tagged "${tag}" at ${connector.label}: exclude that tag from any resend there.`,
      campaignId: c.id,
      providerId: o.providerId,
      incidentId: incidentOf(engine, o),
      data: { tagged: r.tagged, recipients: emails.length, tag },
    });
    return true;
  } catch (e) {
    engine.repos.obligations.retryLater(o.id, (e as Error).message, backoffAt(engine, o), engine.now());
    return false;
  }
}

/**
 * An event that asks for a person's attention (`data.notify`, `data.title`): custody sits below the
 * continuity service, so it records the fact and the service raises the alert (desktop notification,
 * team email), as it does for the sending engine's.
 */
function recordAlert(engine: Engine, title: string, e: EventInput): void {
  engine.record({ ...e, data: { ...(e.data ?? {}), notify: true, title } });
}

function backoffAt(engine: Engine, o: ObligationRow): string {
  const waitMs = Math.min(BACKOFF_BASE_MS * 2 ** Math.min(o.attempts, 10), BACKOFF_CAP_MS);
  return new Date(engine.clock.now() + waitMs).toISOString();
}

function incidentOf(engine: Engine, o: ObligationRow): number | null {
  return engine.repos.incidents.openFor(o.providerId)?.id ?? o.incidentId;
}

function settle(
  engine: Engine,
  o: ObligationRow,
  c: { id: number; name: string; subject: string },
  state: 'done' | 'not_sent',
  outcome: string,
  /** The ESP's own words, kept in the event for the details. */
  detail: string | null = null,
): string | null {
  if (!engine.repos.obligations.settle(o.id, state, outcome, engine.now())) return null;
  const esp = espLabel(engine.repos.espSync.providerById(o.providerId)?.type ?? '');
  engine.record({
    type: state === 'done' ? CUSTODY_EVENTS.unscheduled : CUSTODY_EVENTS.notSent,
    message:
      state === 'done'
        ? `"${label(c)}" will not be sent by ${esp}: Understudy ${outcome}.`
        : `"${label(c)}": ${esp}'s send time passed and ${outcome}.`,
    campaignId: c.id,
    providerId: o.providerId,
    incidentId: incidentOf(engine, o),
    data: { obligationId: o.id, attempts: o.attempts + 1, detail },
  });
  return state;
}

function retry(
  engine: Engine,
  o: ObligationRow,
  c: { id: number; name: string; subject: string },
  error: string,
): void {
  const waitMs = Math.min(BACKOFF_BASE_MS * 2 ** Math.min(o.attempts, 10), BACKOFF_CAP_MS);
  const now = engine.clock.now();
  // Never wait past the next alert point or the ESP's send time: those need a fresh answer.
  let next = now + waitMs;
  if (o.espSendAt) {
    const sendMs = Date.parse(o.espSendAt);
    for (const m of [...ALERT_MINUTES, 0]) {
      const t = sendMs - m * 60_000;
      if (t > now && t < next) next = t;
    }
  }
  engine.repos.obligations.retryLater(o.id, error, new Date(next).toISOString(), engine.now());
  // Said once in the timeline; the alerts near the send time say the rest.
  if (o.attempts === 0)
    engine.record({
      type: CUSTODY_EVENTS.retry,
      severity: 'warning',
      message: `Understudy could not unschedule "${label(c)}" at its ESP yet (${error}); it keeps trying, and alerts you before the ESP's send time.`,
      campaignId: c.id,
      providerId: o.providerId,
      incidentId: incidentOf(engine, o),
      data: { obligationId: o.id },
    });
}

/** The ESP sent the campaign although Understudy held it. */
function espSent(
  engine: Engine,
  o: ObligationRow,
  c: { id: number; name: string; subject: string; status: string },
  connector: EspConnector,
  st: EspCampaignState,
): string | null {
  const counts = engine.repos.deliveries.counts(c.id);
  const affected = counts.sent + counts.claimed;
  const double = affected > 0;
  const now = engine.now();
  const outcome = `${connector.label} sent it (${st.espStatus})`;
  if (!engine.repos.obligations.settle(o.id, double ? 'double_sent' : 'not_sent', outcome, now, affected))
    return null;
  // The ESP has mailed its audience: Understudy must not mail them again.
  let stopped = '';
  if (c.status === 'scheduled' || c.status === 'paused' || c.status === 'sending' || c.status === 'draft') {
    try {
      // Null: settled meanwhile, nothing more to stop.
      if (stopCampaignSend(engine, c.id, () => takeCustody(engine, c.id, 'cancel'))) {
        const skipped = engine.repos.deliveries.counts(c.id).skipped;
        stopped = ` Understudy's own send was stopped${skipped ? `; ${skipped} messages were not sent` : ''}.`;
      }
    } catch {
      // Nothing more to stop.
    }
  }
  const incidentId = incidentOf(engine, o);
  if (double) {
    recordAlert(engine, 'Campaign sent twice', {
      type: CUSTODY_EVENTS.doubleSend,
      severity: 'error',
      campaignId: c.id,
      providerId: o.providerId,
      incidentId,
      message: `Confirmed double send: ${connector.label} sent "${label(c)}" although Understudy had already sent it through a backup, so ${affected} ${affected === 1 ? 'person' : 'people'} got it twice.${stopped} Consider a short apology to them.`,
      data: { obligationId: o.id, affected, espStatus: st.espStatus, espRecipients: st.recipients ?? null },
    });
    return 'double_sent';
  }
  recordAlert(engine, 'The ESP sent a campaign held here', {
    type: CUSTODY_EVENTS.espSent,
    severity: 'warning',
    campaignId: c.id,
    providerId: o.providerId,
    incidentId,
    message: `${connector.label} sent "${label(c)}" at its own time although it was held in Understudy.${stopped} Nobody got it twice: Understudy had not sent it.`,
    data: { obligationId: o.id, espStatus: st.espStatus },
  });
  return 'not_sent';
}

/** Alerts once per threshold crossed (30, 10, 2 minutes before the ESP's send time). */
function alertIfNear(engine: Engine, o: ObligationRow): boolean {
  if (o.state !== 'pending' || !o.espSendAt) return false;
  const nowMs = engine.clock.now();
  const leftMs = Date.parse(o.espSendAt) - nowMs;
  if (leftMs <= 0) return false;
  const crossed = ALERT_MINUTES.filter((m) => leftMs <= m * 60_000);
  const m = crossed.length ? Math.min(...crossed) : null;
  if (m === null || (o.alertedMinutes !== null && o.alertedMinutes <= m)) return false;
  const c = engine.repos.schedules.get(o.campaignId);
  const p = engine.repos.espSync.providerById(o.providerId);
  if (!c || !p) return false;
  engine.repos.obligations.setAlerted(o.id, m, engine.now());
  const esp = espLabel(p.type);
  const zone = zoneOf(engine);
  const name = label(c);
  const byHand = isEspKind(p.type)
    ? BY_HAND[p.type](c.name || c.subject)
    : `in ${esp}, unschedule "${name}".`;
  recordAlert(engine, `${esp} may send a campaign again in ${humanDuration(leftMs)}`, {
    type: CUSTODY_EVENTS.alert,
    severity: 'error',
    campaignId: c.id,
    providerId: p.id,
    incidentId: incidentOf(engine, o),
    message: `"${name}" is still scheduled at ${esp} for ${shortTime(o.espSendAt, zone, nowMs)} (in ${humanDuration(leftMs)}), and Understudy could not unschedule it there${o.lastError ? ` (${o.lastError})` : ''}. Do it by hand now: ${byHand} Understudy keeps trying meanwhile.`,
    data: { obligationId: o.id, minutesBefore: m, espSendAt: o.espSendAt },
  });
  return true;
}

/**
 * A sync found the ESP still showing `espCampaignId` as scheduled while Understudy holds the campaign:
 * a discrepancy, recorded, and the duty tried again (reopened if it had been settled).
 */
export function recordDiscrepancy(
  engine: Engine,
  campaign: { id: number; name: string; subject: string },
  providerId: number,
  espCampaignId: string,
  espScheduledAt: string,
): void {
  const now = engine.now();
  const pending = engine.repos.obligations.pendingFor(campaign.id);
  const o = pending
    ? (engine.repos.obligations.dueNow(pending.id, now, true), pending)
    : engine.repos.obligations.reopen(
        { campaignId: campaign.id, providerId, espCampaignId, espSendAt: espScheduledAt },
        now,
      );
  // Said the first time (and when a settled duty opens again), not at every sync while it lasts.
  if (pending && pending.discrepancies > 0) return;
  const esp = espLabel(engine.repos.espSync.providerById(providerId)?.type ?? '');
  engine.record({
    type: CUSTODY_EVENTS.discrepancy,
    severity: 'warning',
    message: `${esp} still shows "${label(campaign)}" as scheduled, but Understudy holds it: the ESP's view is not applied, and Understudy tries to unschedule it there again.`,
    campaignId: campaign.id,
    providerId,
    incidentId: engine.repos.incidents.openFor(providerId)?.id ?? o?.incidentId ?? null,
    data: { espScheduledAt, obligationId: o?.id ?? null },
  });
}

/**
 * An ESP answers again (the health monitor's recovery): first the duties to unschedule, then the
 * unsubscribes, bounces and complaints queued while it was away; one result line in the incident.
 */
export async function finishRecovery(
  engine: Engine,
  providerId: number,
  incidentId: number | null,
  signal?: AbortSignal,
): Promise<{ obligations: ObligationRunSummary; pushBack: PushBackSummary | null; error: string | null }> {
  const provider = engine.repos.espSync.providerById(providerId);
  const obligations = await runObligations(engine, {
    providerId,
    force: true,
    ...(signal ? { signal } : {}),
  });
  let pb: PushBackSummary | null = null;
  let error: string | null = null;
  if (provider && engine.repos.espPushback.countByState(providerId).pending > 0) {
    try {
      [pb = null] = await pushBack(engine, { esp: provider.name, signal });
      error = pb?.error ?? null;
    } catch (e) {
      error = (e as Error).message;
    }
  }
  if (!provider) return { obligations, pushBack: pb, error };
  const esp = espLabel(provider.type);
  const parts: string[] = [];
  if (obligations.tried > obligations.tagged)
    parts.push(
      `${obligations.done - obligations.doubleSent} campaign(s) Understudy holds were unscheduled there${obligations.pending ? `, ${obligations.pending} still not (retried)` : ''}${obligations.doubleSent ? `, ${obligations.doubleSent} had been sent by ${esp} too` : ''}`,
    );
  if (obligations.tagged)
    parts.push(
      `the people who got ${obligations.tagged} backup send(s) were tagged there, to exclude from any resend`,
    );
  if (pb) {
    const pushed = pb.pushed + pb.already;
    parts.push(
      `${pushed} unsubscribe(s), bounce(s) and complaint(s) collected here were pushed back${pb.already ? ` (${pb.already} ${esp} already had)` : ''}${pb.notFound ? `, ${pb.notFound} unknown there` : ''}${pb.failed ? `, ${pb.failed} refused` : ''}${pb.pending ? `, ${pb.pending} still waiting (retried)` : ''}`,
    );
  } else if (error) parts.push(`the push-back of unsubscribes did not finish (${error}); it is retried`);
  if (!parts.length) parts.push('nothing was waiting for it');
  engine.record({
    type: CUSTODY_EVENTS.recovered,
    severity: error || obligations.pending || obligations.doubleSent ? 'warning' : 'info',
    message: `${provider.name} (${esp}) answers again: ${parts.join('; ')}.`,
    providerId,
    incidentId,
    data: { obligations: { ...obligations }, pushBack: pb ? { ...pb } : null, error },
  });
  return { obligations, pushBack: pb, error };
}

/** Queued push-backs of every ESP connection that is not down (a recovery that did not finish). */
export async function pushBackWhereDue(engine: Engine, signal?: AbortSignal): Promise<void> {
  for (const p of engine.repos.espSync.providers()) {
    if (!p.enabled || p.health === 'down') continue;
    if (engine.repos.espPushback.countByState(p.id).pending === 0) continue;
    await pushBack(engine, { esp: p.name, signal }).catch(() => undefined);
  }
}
