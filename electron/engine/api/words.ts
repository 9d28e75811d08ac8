/**
 * Plain words for what the engine records (issue 15 §3): every timeline event type in one table, the
 * ESP brand names, and the health states. Declared once here, next to the event types (the area files
 * declare their own constants; the types the engine writes as literals are declared in `ENGINE_EVENTS`
 * below), so the renderer never shows an event code, and a test fails when a type has no words.
 */
import { ESP_DISPLAY_NAMES } from './esp';
import { ALERT_EVENTS } from './continuity';
import { AUDIENCE_EVENTS } from './audience';
import { CUSTODY_EVENTS } from './custody';
import { MIRROR_EVENTS } from './esp';
import { SendingEventType } from './sending';
import { SUPPRESSION_EVENTS } from './suppressions';
import { UNSUBSCRIBE_EVENTS } from './unsubscribe';
import { REVIEW_EVENTS } from './review';
import { REPUTATION_EVENTS } from './reputation';

/** How each ESP spells its own name (declared next to the ESP kinds in esp.ts). */
export { ESP_DISPLAY_NAMES };

/** The brand name of an ESP kind (or the text itself, capitalised, when it is not a known kind). */
export function espDisplayName(kind: string): string {
  const k = kind.toLowerCase() as keyof typeof ESP_DISPLAY_NAMES;
  return ESP_DISPLAY_NAMES[k] ?? (kind ? kind[0]!.toUpperCase() + kind.slice(1) : kind);
}

/** Health states as a person reads them. */
export const HEALTH_WORDS: Record<string, string> = {
  operational: 'Working',
  degraded: 'Having problems',
  down: 'Down',
  paused: 'Paused',
  unknown: 'Not checked yet',
};

/** "1 list", "3 lists", "1 campaign", "0 campaigns". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** Timeline event types the engine writes as literals (declared here so each has words). */
export const ENGINE_EVENTS = {
  backupCompleted: 'backup.completed',
  backupMirrored: 'backup.mirrored',
  backupMirrorFailed: 'backup.mirror_failed',
  backupFailed: 'backup.failed',
  backupRestoreRequested: 'backup.restore_requested',
  backupRestored: 'backup.restored',
  campaignCancelled: 'campaign.cancelled',
  campaignCreated: 'campaign.created',
  campaignOutagePolicy: 'campaign.outage_policy',
  campaignPaused: 'campaign.paused',
  campaignResumed: 'campaign.resumed',
  campaignSendFailed: 'campaign.send_failed',
  campaignSendFinished: 'campaign.send_finished',
  campaignSendStopped: 'campaign.send_stopped',
  campaignUpdated: 'campaign.updated',
  codesExhausted: 'codes.exhausted',
  codesImported: 'codes.imported',
  continuityError: 'continuity.error',
  drillFailed: 'drill.failed',
  drillPassed: 'drill.passed',
  espAdded: 'esp.added',
  espCampaignGone: 'esp.campaign_gone',
  espHealth: 'esp.health',
  espPushback: 'esp.pushback',
  espPushbackIncomplete: 'esp.pushback_incomplete',
  espRekeyed: 'esp.rekeyed',
  espSyncFailed: 'esp.sync_failed',
  espSynced: 'esp.synced',
  espUnscheduleFailed: 'esp.unschedule_failed',
  espUnscheduled: 'esp.unscheduled',
  exportCompleted: 'export.completed',
  healthChanged: 'health.changed',
  importCompleted: 'import.completed',
  inboxProcessed: 'inbox.processed',
  incidentClosed: 'incident.closed',
  incidentNote: 'incident.note',
  incidentOpened: 'incident.opened',
  mailboxConfigured: 'mailbox.configured',
  noticeCreated: 'notice.created',
  outageBackup: 'outage.backup',
  outageNoBackup: 'outage.no_backup',
  outagePaused: 'outage.paused',
  outageReleased: 'outage.released',
  outageWaiting: 'outage.waiting',
  providerAdded: 'provider.added',
  providerDown: 'provider.down',
  providerHalfOpen: 'provider.half_open',
  providerPaused: 'provider.paused',
  providerRemoved: 'provider.removed',
  providerResumed: 'provider.resumed',
  providerUp: 'provider.up',
  providerUpdated: 'provider.updated',
  providerWarmupChanged: 'provider.warmup_changed',
  relayFeedbackFailed: 'relay.feedback_failed',
  relayFeedbackPulled: 'relay.feedback_pulled',
  scheduleCatchupAsk: 'schedule.catchup_ask',
  scheduleCatchupSend: 'schedule.catchup_send',
  scheduleCatchupSkipped: 'schedule.catchup_skipped',
  scheduleError: 'schedule.error',
  scheduleLate: 'schedule.late',
  scheduleLeftToEsp: 'schedule.left_to_esp',
  scheduleSet: 'schedule.set',
  sendCancelled: 'send.cancelled',
  sendFailback: 'send.failback',
  sendFailed: 'send.failed',
  sendFailover: 'send.failover',
  sendFinished: 'send.finished',
  sendInterrupted: 'send.interrupted',
  sendPaused: 'send.paused',
  sendResumed: 'send.resumed',
  sendRetryFailed: 'send.retry_failed',
  sendStarted: 'send.started',
  sendTest: 'send.test',
  sendWaiting: 'send.waiting',
  secretsUnlocked: 'secrets.unlocked',
  settingsChanged: 'settings.changed',
  stakeholderUpdateSent: 'stakeholder.update_sent',
  subscriberBounced: 'subscriber.bounced',
  subscriberComplained: 'subscriber.complained',
  unsubscribeEndpointStarted: 'unsubscribe.endpoint_started',
  unsubscribeEndpointFailed: 'unsubscribe.endpoint_failed',
} as const;

/**
 * Every group of timeline event types the contract declares: the engine's literals above and each
 * area's own constant. The one list `TIMELINE_EVENT_TYPES` and the union `TimelineEventType` (what
 * `engine.record` accepts) both derive from it, so a type is declared once and always has words.
 */
const EVENT_GROUPS = [
  ENGINE_EVENTS,
  ALERT_EVENTS,
  AUDIENCE_EVENTS,
  CUSTODY_EVENTS,
  MIRROR_EVENTS,
  SendingEventType,
  SUPPRESSION_EVENTS,
  UNSUBSCRIBE_EVENTS,
  REVIEW_EVENTS,
  REPUTATION_EVENTS,
] as const;

type ValuesOf<T> = T extends unknown ? T[keyof T] : never;
export type TimelineEventType = ValuesOf<(typeof EVENT_GROUPS)[number]>;

/** Every timeline event type declared in the contract. */
export const TIMELINE_EVENT_TYPES: readonly TimelineEventType[] = EVENT_GROUPS.flatMap(
  (g): TimelineEventType[] => Object.values(g),
);

/** What the words of an event may use: the names the screen knows, and the event's own data. */
export interface EventFacts {
  type: string;
  data?: Record<string, unknown>;
  /** The campaign's name (not its number), when the event is about one. */
  campaign?: string | null;
  /** The provider's or ESP's name. */
  provider?: string | null;
  /** The list's name. */
  list?: string | null;
  /** The engine's own message (only a person's note is shown as it is). */
  message?: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

type Words = (f: {
  campaign: string;
  provider: string;
  list: string;
  email: string;
  d: Record<string, unknown>;
  message: string;
}) => string;

/** One sentence per event type. The compiler refuses a declared type without words. */
export const EVENT_WORDS: Record<TimelineEventType, Words> = {
  'backup.completed': () => 'A backup of your data was made.',
  'backup.mirrored': () => 'The backup was copied to your second backup folder too.',
  'backup.mirror_failed': () =>
    'The backup could not be copied to your second backup folder (is the disk connected?). The backup itself is fine.',
  'backup.failed': () => 'A backup of your data could not be made.',
  'backup.restore_requested': () => 'A restore from a backup was arranged; it happens at the next start.',
  'backup.restored': () => 'Your data was restored from a backup.',
  'campaign.cancelled': ({ campaign }) => `${campaign} was cancelled.`,
  'campaign.created': ({ campaign }) => `${campaign} was created.`,
  'campaign.outage_policy': ({ campaign }) => `What ${campaign} does during an outage was changed.`,
  'campaign.paused': ({ campaign }) => `${campaign} was paused; it is not sent until it is resumed.`,
  'campaign.resumed': ({ campaign }) => `${campaign} was resumed.`,
  'campaign.send_failed': ({ campaign }) => `${campaign} could not be sent.`,
  'campaign.send_finished': ({ campaign }) => `${campaign} is done.`,
  'campaign.send_stopped': ({ campaign }) => `${campaign} stopped sending before it was done.`,
  'campaign.updated': ({ campaign }) => `${campaign} was changed.`,
  'codes.exhausted': () => 'There are no discount codes left to give out.',
  'codes.imported': ({ d }) =>
    num(d.count) !== null
      ? `${plural(num(d.count)!, 'discount code')} were added.`
      : 'Discount codes were added.',
  'continuity.error': () => 'Something went wrong while watching your providers.',
  'drill.failed': () => 'The practice outage (drill) did not pass.',
  'drill.passed': () => 'The practice outage (drill) passed.',
  'esp.added': ({ provider }) => `${provider} was connected.`,
  'esp.campaign_gone': ({ campaign, provider }) => `${campaign} is no longer at ${provider}.`,
  'esp.health': ({ provider, d }) => {
    const to = str(d.to);
    return to ? `${provider} is ${(HEALTH_WORDS[to] ?? to).toLowerCase()}.` : `${provider} was checked.`;
  },
  'esp.pushback': ({ provider }) => `Unsubscribes and bounces were passed back to ${provider}.`,
  'esp.pushback_incomplete': ({ provider }) =>
    `Some unsubscribes and bounces could not be passed back to ${provider} yet; they are kept and passed back later.`,
  'esp.rekeyed': ({ provider }) => `A new key for ${provider} was saved.`,
  'esp.sync_failed': ({ provider }) => `Copying your data from ${provider} stopped before the end.`,
  'esp.synced': ({ provider, d }) => {
    const lists = num(d.lists);
    return lists !== null
      ? `Your ${plural(lists, 'list')} from ${provider} ${lists === 1 ? 'is' : 'are'} up to date here.`
      : `Your lists from ${provider} are up to date here.`;
  },
  'esp.unschedule_failed': ({ campaign, provider }) =>
    `Understudy could not cancel ${campaign} at ${provider}; it will try again.`,
  'esp.unscheduled': ({ campaign, provider }) => `${campaign} was unscheduled at ${provider}.`,
  'export.completed': ({ list }) => `${list} was saved to a file.`,
  'health.changed': ({ provider, d }) => {
    const to = str(d.to);
    return to ? `${provider} is now ${(HEALTH_WORDS[to] ?? to).toLowerCase()}.` : `${provider} changed.`;
  },
  'import.completed': ({ list }) => `The import into ${list} is complete.`,
  'inbox.processed': () => 'Replies in the backup mailbox were read.',
  'outage.released': ({ campaign, provider }) => `${provider} is back: ${campaign} goes out normally.`,
  'schedule.catchup_send': ({ campaign }) => `${campaign} is being sent now, late.`,
  'schedule.late': ({ campaign }) => `${campaign} missed its time and is being sent now.`,
  'schedule.left_to_esp': ({ campaign, provider }) =>
    `${provider} was working at the send time of ${campaign}, so ${provider} sent it itself.`,
  'schedule.set': ({ campaign }) => `${campaign} was scheduled.`,
  'incident.closed': ({ provider }) => `The outage of ${provider} is over.`,
  'incident.note': ({ message }) => (message ? `Note: ${message}` : 'A note was added.'),
  'incident.opened': ({ provider }) => `${provider} has an outage.`,
  'incident.review_saved': () => 'The review of this incident was saved.',
  'incident.action_added': ({ d }) =>
    str(d.owner)
      ? `An action was added to the review for ${str(d.owner)}.`
      : 'An action was added to the review.',
  'incident.action_changed': ({ d }) =>
    d.removed === true
      ? 'An action was removed from the review.'
      : d.done === true
        ? 'An action of the review was done.'
        : 'An action of the review was changed.',
  'mailbox.configured': () => 'The backup mailbox was set up.',
  'unsubscribe.endpoint_started': ({ d }) =>
    `This app now answers unsubscribe links${num(d.port) ? ` on port ${num(d.port)}` : ''}.`,
  'unsubscribe.endpoint_failed': ({ d }) =>
    `This app cannot answer unsubscribe links${num(d.port) ? ` on port ${num(d.port)}` : ''}: the port is in use or not allowed. Choose another one in Settings.`,
  'notice.created': () => 'A notice for your subscribers was written.',
  'outage.backup': ({ campaign, d }) =>
    str(d.via)
      ? `${campaign} is going out through ${str(d.via)}.`
      : `${campaign} is going out through a backup.`,
  'outage.no_backup': ({ campaign }) =>
    `${campaign} could not go out: no backup account is working. It is kept safe and not sent.`,
  'outage.paused': ({ campaign }) => `${campaign} was paused because of the outage.`,
  'outage.waiting': ({ campaign, provider }) => `${campaign} is waiting for ${provider} to come back.`,
  'provider.added': ({ provider }) => `${provider} was added.`,
  'provider.down': ({ provider }) => `${provider} stopped working. Messages go through the other accounts.`,
  'provider.half_open': ({ provider }) =>
    `Understudy is sending one message through ${provider} to see if it is back.`,
  'provider.mass_rejection': ({ provider }) =>
    `${provider} refused every address, so it was paused and those refusals were not counted against anyone.`,
  'provider.paused': ({ provider }) => `${provider} was paused.`,
  'provider.removed': ({ provider }) => `${provider} was removed.`,
  'provider.resumed': ({ provider }) => `${provider} was turned back on.`,
  'provider.up': ({ provider }) => `${provider} is working again.`,
  'provider.updated': ({ provider }) => `${provider} was changed.`,
  'provider.warmup_changed': ({ provider }) => `How ${provider} warms up was changed.`,
  'relay.feedback_failed': ({ provider }) =>
    `Bounces and complaints could not be collected from ${provider}; Understudy tries again.`,
  'relay.feedback_pulled': ({ provider, d }) => {
    const n = (num(d.bounce) ?? 0) + (num(d.complaint) ?? 0) + (num(d.unsubscribe) ?? 0);
    return `${provider} reported ${plural(n, 'bounce, complaint or unsubscribe', 'bounces, complaints or unsubscribes')}; those people get no more mail.`;
  },
  'schedule.catchup_ask': ({ campaign }) =>
    `${campaign} missed its send time. Choose whether to send it now or skip it.`,
  'schedule.catchup_skipped': ({ campaign }) => `${campaign} missed its send time and was skipped.`,
  'schedule.error': ({ campaign }) => `${campaign} could not start at its send time.`,
  'send.cancelled': ({ campaign }) => `${campaign} was cancelled.`,
  'send.failover': ({ campaign }) =>
    `${campaign} moved on to the next sending account, because the one before it stopped working.`,
  'send.failback': ({ campaign }) => `${campaign} went back to the sending account it used first.`,
  'send.failed': ({ campaign }) => `${campaign} stopped with an error.`,
  'send.finished': ({ campaign, d }) => {
    const sent = num(d.sent);
    const failed = num(d.failed) ?? 0;
    if (sent === null) return `${campaign} is done.`;
    return `${campaign} is done: ${plural(sent, 'message')} sent${failed ? `, ${failed.toLocaleString('en')} could not be delivered` : ''}.`;
  },
  'send.interrupted': ({ campaign }) => `${campaign} was interrupted; it picks up where it stopped.`,
  'send.paused': ({ campaign }) => `${campaign} is paused.`,
  'send.resumed': ({ campaign }) => `${campaign} is sending again.`,
  'send.retry_failed': ({ campaign }) => `${campaign} is trying again for the people it could not reach.`,
  'send.started': ({ campaign }) => `${campaign} started sending.`,
  'send.test': ({ campaign }) => `A test of ${campaign} was sent.`,
  'send.waiting': ({ campaign }) => `${campaign} is waiting for a working account.`,
  'secrets.unlocked': () => 'The saved passwords were unlocked.',
  'settings.changed': () => 'Settings were changed.',
  'stakeholder.update_sent': () => 'An update was sent to your team.',
  'subscriber.bounced': ({ email }) => `Mail to ${email} bounced; they will not be mailed again.`,
  'subscriber.complained': ({ email }) => `${email} marked a message as spam; they will not be mailed again.`,
  'esp.audience_unresolvable': ({ campaign, provider }) =>
    `${campaign} cannot go out through a backup: ${provider} cannot list the people it is aimed at.`,
  'alert.sent': () => 'Your team was emailed an alert.',
  'alert.failed': () => 'The alert email to your team could not be sent.',
  'alert.throttled': () => 'A repeat alert was held back so your team is not flooded.',
  'custody.taken': ({ campaign }) => `Understudy took over ${campaign}.`,
  'custody.unscheduled': ({ campaign, provider }) => `${provider} confirmed it will not send ${campaign}.`,
  'custody.retry': ({ campaign, provider }) =>
    `Understudy could not yet tell ${provider} not to send ${campaign}; it will try again.`,
  'custody.alert': ({ campaign, provider }) =>
    `${campaign} is still scheduled at ${provider} and its time is near. Cancel it there by hand.`,
  'custody.discrepancy': ({ campaign, provider }) =>
    `${provider} still shows ${campaign} as scheduled, although Understudy holds it.`,
  'custody.double_send': ({ campaign, provider }) =>
    `${provider} also sent ${campaign}, which had already gone out through a backup.`,
  'custody.esp_sent': ({ campaign, provider }) =>
    `${provider} sent ${campaign} although it was held back here; Understudy will not send it again.`,
  'custody.not_sent': ({ campaign, provider }) => `${provider} did not send ${campaign} at its time.`,
  'esp.recovery_finished': ({ provider }) => `${provider} is back and has been brought up to date.`,
  'custody.tagged': ({ provider }) => `The people who got the backup send were tagged at ${provider}.`,
  'esp.sync_skipped': ({ provider }) => `The regular copy from ${provider} waits until it is back.`,
  'mirror.stale': ({ provider }) => `Your copy of ${provider} is getting old.`,
  'mirror.fresh': ({ provider }) => `Your copy of ${provider} is up to date again.`,
  'suppression.added': ({ email }) => `${email} will not be mailed.`,
  'suppression.removed': ({ email }) => `${email} may be mailed again.`,
  'suppression.rolled_back': ({ email }) => `A wrong block on ${email} was undone.`,
  'subscriber.unsubscribed': ({ email }) => `${email} unsubscribed.`,
  'provider.reputation_paused': ({ provider, d }) =>
    d.what === 'complaint'
      ? `${provider} was paused: too many people marked its messages as spam. The rest goes through your other accounts.`
      : `${provider} was paused: too many of its messages bounced. The rest goes through your other accounts.`,
  'provider.reputation_changed': ({ provider }) =>
    `When ${provider} is paused for bounces or spam complaints, or whether it is kept warm, was changed.`,
  'send.risky_left_out': ({ campaign, d }) => {
    const n = num(d.count);
    return n !== null
      ? `${plural(n, 'person', 'people')} likely to hurt the backup's reputation ${n === 1 ? 'was' : 'were'} left out of ${campaign}.`
      : `People likely to hurt the backup's reputation were left out of ${campaign}.`;
  },
  'provider.kept_warm': ({ provider }) =>
    `A small practice message went through ${provider} to keep it warm for when it is needed.`,
};

/** True when the type has words of its own (the rest get a generic sentence and the details). */
export function hasEventWords(type: string): type is TimelineEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_WORDS, type);
}

/** The sentence a person reads for one timeline event. */
export function eventWords(f: EventFacts): string {
  const d = f.data ?? {};
  const campaign = f.campaign ?? str(d.campaignName) ?? str(d.campaign) ?? 'A campaign';
  const provider = f.provider ?? str(d.providerName) ?? str(d.provider) ?? 'A sending account';
  const list = f.list ?? str(d.listName) ?? 'A list';
  const email = str(d.email) ?? 'An address';
  if (!hasEventWords(f.type))
    return 'Something happened that this screen has no words for yet. See the details.';
  const s = EVENT_WORDS[f.type]({ campaign, provider, list, email, d, message: f.message ?? '' });
  // Sentences that start with a name keep its spelling; a generic subject mid-sentence is lowered.
  return s
    .replace(/(.)\bA (campaign|sending account|list)\b/g, (_m, c: string, w: string) => `${c}a ${w}`)
    .replace(/(.)\bAn address\b/g, (_m, c: string) => `${c}an address`);
}
