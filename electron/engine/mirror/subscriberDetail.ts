/**
 * A subscriber's page (issue 15, "Finding people"): their fields and tags, what happened to them (the
 * events log, in plain words), what they were sent (deliveries: campaign, when, through which account,
 * the outcome in plain words), and a manual unsubscribe. Shared by the UI (IPC/HTTP) and the CLI.
 */
import type { Engine } from '../engine';
import { userError } from '../errors';
import type { SubscriberDetail } from '../api/lists';
import type { SubscriberDelivery, SubscriberRow } from '../db/repos/subscribers';
import type { EventRow } from '../db/repos/events';
import { requireList, toApiSubscriber } from './lists';
import { normalizeEmail } from './email';
import { quoteInput } from './suppressions';

const STATUS_WORDS: Record<SubscriberRow['status'], string> = {
  subscribed: 'Subscribed',
  unsubscribed: 'Unsubscribed',
  cleaned: 'Removed by the ESP as undeliverable',
  bounced: 'Bounced: their mail server refuses mail',
  complained: 'Reported your mail as spam',
  pending: 'Waiting for them to confirm',
  archived: 'Archived (no longer at the ESP)',
};

const SOURCE_WORDS: Record<string, string> = {
  mailto: 'by replying to the unsubscribe email',
  link: 'with the unsubscribe link',
  'one-click': 'with the unsubscribe button of their mail app',
  manual: 'by hand in Understudy',
  dsn: 'a bounce report came back',
  arf: 'through their mail provider’s spam button',
};

/** One event about this subscriber in plain words; unknown kinds keep the engine's own sentence. */
function eventWords(e: EventRow): string {
  const source = typeof e.data.source === 'string' ? SOURCE_WORDS[e.data.source] : undefined;
  switch (e.type) {
    case 'subscriber.unsubscribed':
      return `Unsubscribed${source ? ` ${source}` : ''}`;
    case 'subscriber.bounced':
      return 'Bounced: their mail server refused a message, so no more mail goes to them';
    case 'subscriber.complained':
      return 'Reported your mail as spam, so no more mail goes to them';
    default:
      return e.message;
  }
}

function outcome(d: SubscriberDelivery): { outcome: string; delivered: boolean | null } {
  switch (d.state) {
    case 'sent':
      return { outcome: 'Sent', delivered: true };
    case 'queued':
      return {
        outcome: d.attempts > 0 ? 'Not sent yet, will try again' : 'Waiting to be sent',
        delivered: null,
      };
    case 'claimed':
      return { outcome: 'Being sent', delivered: null };
    case 'failed_temp':
      return { outcome: 'Not delivered yet: their server asked to try later', delivered: null };
    case 'failed_perm':
      return { outcome: 'Not delivered: their server refused it', delivered: false };
    case 'skipped':
      return { outcome: 'Not sent: they could not be mailed any more', delivered: false };
  }
}

function requireSubscriber(engine: Engine, id: number): SubscriberRow {
  const s = engine.repos.subscribers.byId(id);
  if (!s)
    throw userError('That subscriber is not in any list any more.', {
      code: 'subscriber_not_found',
      safe: 'Nothing was changed.',
      next: 'Go back to the list and search for them again.',
    });
  return s;
}

/** The page of the subscriber with this address in this list (the CLI's `subscriber EMAIL --list NAME`). */
export function subscriberDetailByEmail(engine: Engine, list: string, email: string): SubscriberDetail {
  const l = requireList(engine, list);
  const norm = normalizeEmail(email) ?? email.trim().toLowerCase();
  const s = engine.repos.subscribers.byEmail(l.id, norm);
  if (!s)
    throw userError(`${quoteInput(email)} is not in the list "${l.name}".`, {
      code: 'subscriber_not_found',
      safe: 'Nothing was changed.',
      next: `Look for them with \`understudy subscribers --list "${l.name}" --search TEXT\`.`,
    });
  return subscriberDetail(engine, { id: s.id });
}

export function subscriberDetail(engine: Engine, { id }: { id: number }): SubscriberDetail {
  const s = requireSubscriber(engine, id);
  const list = engine.repos.lists.all().find((l) => l.id === s.listId);
  const repo = engine.repos.subscribers;
  const events = repo.events(s.id, s.emailNorm);
  const history: SubscriberDetail['history'] = events.map((e) => ({
    at: e.at,
    text: eventWords(e),
    detail: e.message,
  }));
  // The row itself says what it is now, and since when: the log may not have it (an import, a sync).
  if (s.statusChangedAt && !events.some((e) => e.type === `subscriber.${s.status}`))
    history.push({ at: s.statusChangedAt, text: STATUS_WORDS[s.status], detail: s.statusReason });
  history.push({
    at: s.createdAt,
    text: `Added to the list (${s.source.startsWith('esp') || s.source.includes('sync') ? 'copied from your ESP' : 'imported'})`,
    detail: `source: ${s.source}`,
  });
  history.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return {
    subscriber: { ...toApiSubscriber(s), statusReason: s.statusReason, createdAt: s.createdAt },
    list: list?.name ?? '',
    fields: Object.entries(s.mergeFields)
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value: String(value) })),
    history,
    sent: repo.deliveries(s.id).map((d) => ({
      campaign: d.campaignName || d.subject,
      at: d.sentAt ?? d.updatedAt,
      provider: d.providerName,
      ...outcome(d),
      detail: d.smtpReply ? `${d.smtpCode ?? ''} ${d.smtpReply}`.trim() : null,
    })),
    canUnsubscribe: s.status === 'subscribed' || s.status === 'pending',
  };
}

/**
 * Unsubscribes one list membership by hand, with its event, in one transaction; a list linked to an
 * ESP gets the unsubscribe queued for the ESP too. Someone already out (unsubscribed, bounced…) stays
 * as they are: a stricter status is never softened.
 */
export function unsubscribeByHand(engine: Engine, { id }: { id: number }): SubscriberDetail {
  const s = requireSubscriber(engine, id);
  const now = engine.now();
  engine.db
    .transaction(() => {
      if (!engine.repos.subscribers.unsubscribe(s.id, 'unsubscribed by hand', now)) return;
      engine.record({
        type: 'subscriber.unsubscribed',
        message: `${s.email} was unsubscribed by hand.`,
        listId: s.listId,
        data: { subscriberId: s.id, source: 'manual' },
      });
      const list = engine.repos.lists.all().find((l) => l.id === s.listId);
      if (list?.providerId != null && list.espListId != null)
        engine.repos.espPushback.enqueue(
          {
            providerId: list.providerId,
            listId: s.listId,
            espListId: list.espListId,
            email: s.email,
            emailNorm: s.emailNorm,
            espMemberId: s.espId,
            kind: 'unsubscribe',
            detail: 'unsubscribed by hand',
            happenedAt: now,
          },
          now,
        );
    })
    .immediate();
  return subscriberDetail(engine, { id });
}
