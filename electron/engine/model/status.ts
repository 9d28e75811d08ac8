/**
 * The engine's rules about subscriber statuses (the statuses themselves are declared in the contract,
 * `api/common.ts`): the rule that decides between two of them. Whatever the source (an export
 * file, an ESP sync, a bounce), the stricter status wins, so nothing ever turns a person who left,
 * bounced or complained back into a subscriber. The one upward move allowed is pending → subscribed
 * (a confirmed double opt-in).
 */
import { SUBSCRIBER_STATUSES, type SubscriberStatus } from '../api/common';

export { SUBSCRIBER_STATUSES, type SubscriberStatus };

/** Higher is stricter. Archived (removed from the audience at the ESP) outranks subscribed only. */
export const STATUS_RANK: Record<SubscriberStatus, number> = {
  pending: 0,
  subscribed: 1,
  archived: 2,
  unsubscribed: 3,
  cleaned: 4,
  bounced: 4,
  complained: 5,
};

export function stricterStatus(a: SubscriberStatus, b: SubscriberStatus): SubscriberStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

/** Only these may receive a campaign. */
export const SENDABLE_STATUSES: readonly SubscriberStatus[] = ['subscribed'];

/** Statuses that also suppress the address on every list. */
export const GLOBAL_SUPPRESSION_STATUSES: readonly SubscriberStatus[] = ['cleaned', 'bounced', 'complained'];

export function isSubscriberStatus(s: string): s is SubscriberStatus {
  return (SUBSCRIBER_STATUSES as readonly string[]).includes(s);
}

/** True for the statuses in GLOBAL_SUPPRESSION_STATUSES. */
export function suppressesGlobally(s: string): boolean {
  return (GLOBAL_SUPPRESSION_STATUSES as readonly string[]).includes(s);
}

/** Words the ESPs use for a status, mapped to ours. Unknown words return undefined. */
export function parseStatusWord(word: string): SubscriberStatus | undefined {
  const w = word
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  switch (w) {
    case 'subscribed':
    case 'active':
    case 'subscriber':
    case 'confirmed':
    case 'opted_in':
    case 'yes':
      return 'subscribed';
    case 'unsubscribed':
    case 'unsubscribe':
    case 'inactive':
    case 'cancelled':
    case 'canceled':
    case 'blacklisted':
    case 'blocklisted':
    case 'opted_out':
    case 'opt_out':
    case 'optout':
    case 'no':
    case 'suppressed':
    case 'user_suppressed':
    case 'do_not_email':
    case 'do_not_mail':
      return 'unsubscribed';
    case 'cleaned':
    case 'clean':
    case 'invalid_email':
      return 'cleaned';
    case 'bounced':
    case 'bounce':
    case 'hard_bounce':
    case 'hardbounce':
    case 'soft_bounce':
      return 'bounced';
    case 'complained':
    case 'complaint':
    case 'spam':
    case 'spam_complaint':
    case 'junk':
      return 'complained';
    case 'pending':
    case 'unconfirmed':
    case 'transactional':
      return 'pending';
    // Klaviyo's NEVER_SUBSCRIBED: known, never agreed to marketing. Not a subscriber; pending, not
    // unsubscribed, so that a later opt-in can still make them one.
    case 'never_subscribed':
    case 'not_subscribed':
    case 'non_subscribed':
      return 'pending';
    case 'archived':
    case 'deleted':
      return 'archived';
    default:
      return undefined;
  }
}
