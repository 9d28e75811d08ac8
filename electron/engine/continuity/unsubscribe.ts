/**
 * Unsubscribe requests that reach Understudy itself, whatever the channel: the public pages and RFC 8058
 * one-click POSTs `understudy serve` answers (electron/server/unsubscribe.ts), and mailto requests in the
 * backup mailbox (inbox.ts). One way to apply them, so every channel lands the same: the subscriber's
 * status on that list (never other lists), an event on the timeline naming the campaign (the incident
 * report counts it), and a push-back item for the ESP the list came from — exactly as inbox.ts did.
 *
 * What cannot be applied on its own is kept in the review queue (migration 11), never dropped.
 *
 * Tokens (sending/render/tokens.ts) are HMAC-SHA256 over the campaign and subscriber ids with a random
 * per-installation key kept in the secret store, truncated to 132 bits and compared in constant time.
 * A subscriber id is one membership of one list, so a token names the subscriber, the list and the
 * campaign. Tokens already sent keep verifying: the scheme and key are unchanged.
 */
import { createHash } from 'node:crypto';
import type { Engine } from '../engine';
import type { InboxSubscriber } from '../db/repos/inbox';
import type { ReviewChannel, ReviewRow } from '../db/repos/unsubscribeReview';
import { parseUnsubscribeToken } from '../sending/render/tokens';
import { userError } from '../errors';
import {
  REVIEW_QUEUE_LIMIT,
  REVIEW_REASONS,
  UNSUBSCRIBE_EVENTS,
  type ReviewReason,
  type UnsubscribeReviewItem,
  type UnsubscribeSource,
} from '../api/unsubscribe';

const HOW: Record<UnsubscribeSource, string> = {
  one_click: 'with one click',
  link: 'through the unsubscribe page',
  mailto: 'by email',
};

/**
 * Unsubscribes one list membership and queues it for the ESP. Idempotent: false when it was already
 * out (nothing recorded twice). Call inside a transaction with whatever else must land with it.
 */
export function unsubscribeMember(
  engine: Engine,
  sub: InboxSubscriber,
  campaignId: number | null,
  source: UnsubscribeSource,
  now: string,
  how?: string,
): { changed: boolean; queuedForEsp: boolean } {
  const repo = engine.repos.inbox;
  const reason = `unsubscribe ${source === 'mailto' ? 'email' : source === 'one_click' ? 'one-click' : 'page'}${campaignId !== null ? ` (campaign ${campaignId})` : ''}`;
  if (!repo.unsubscribe(sub.id, reason, now)) return { changed: false, queuedForEsp: false };
  engine.record({
    type: UNSUBSCRIBE_EVENTS.unsubscribed,
    message: `${sub.email} unsubscribed ${HOW[source]}${campaignId !== null ? ` (campaign ${campaignId})` : ''}.`,
    listId: sub.listId,
    campaignId,
    data: { subscriberId: sub.id, email: sub.emailNorm, source, ...(how ? { how } : {}) },
  });
  return { changed: true, queuedForEsp: queueForEsp(engine, sub, 'unsubscribe', reason, now) };
}

import { queueForEsp } from '../mirror/suppressions';
export { queueForEsp };

/** Keeps a request for review. 'full' when the queue is at its limit and this is a new request. */
export function keepForReview(
  engine: Engine,
  r: {
    channel: ReviewChannel;
    reason: ReviewReason;
    dedupe: string;
    token?: string | null;
    fromEmail?: string | null;
    subject?: string | null;
    campaignId?: number | null;
    detail: string;
  },
  now: string,
): 'added' | 'repeat' | 'full' {
  const repo = engine.repos.unsubscribeReview;
  return engine.db.transaction(() => {
    const exists = engine.db
      .prepare('SELECT 1 FROM unsubscribe_review WHERE dedupe = ?')
      .pluck()
      .get(r.dedupe) as number | undefined;
    if (!exists && repo.openCount() >= REVIEW_QUEUE_LIMIT) return 'full' as const;
    return repo.keep(
      {
        ...r,
        token: r.token ? safeToken(r.token) : null,
        fromEmail: r.fromEmail ? r.fromEmail.slice(0, 254) : null,
        // eslint-disable-next-line no-control-regex -- control characters are what is removed
        subject: r.subject ? r.subject.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200) : null,
      },
      now,
    );
  })();
}

/** The characters a token may hold; anything else shown as "?" (never stored or echoed as given). */
export function safeToken(raw: string): string {
  return raw.replace(/[^A-Za-z0-9._-]/g, '?').slice(0, 120);
}

function hashOf(raw: string): string {
  return createHash('sha256').update(raw).digest('base64url').slice(0, 32);
}

export type WebOutcome =
  | { kind: 'confirm'; listName: string; alreadyOut: boolean }
  | { kind: 'unsubscribed'; listName: string; already: boolean }
  | { kind: 'review'; reason: ReviewReason }
  /** The code of a test message (subscriber 0, testSend.ts): nobody to unsubscribe. */
  | { kind: 'test' }
  | { kind: 'full' };

/**
 * One request to the public unsubscribe page: `apply` false for the confirmation page (GET, never
 * changes a subscriber), true for the POST. `secret` undefined when the signing key cannot be read.
 */
export function webUnsubscribe(
  engine: Engine,
  req: { token: string; apply: boolean; secret: string | undefined },
): WebOutcome {
  const now = engine.now();
  const channel: ReviewChannel = req.apply ? 'one_click' : 'link';
  const review = (reason: ReviewReason, detail: string, campaignId: number | null = null): WebOutcome => {
    const kept = keepForReview(
      engine,
      { channel, reason, dedupe: `web:${hashOf(req.token)}`, token: req.token, campaignId, detail },
      now,
    );
    return kept === 'full' ? { kind: 'full' } : { kind: 'review', reason };
  };
  if (req.secret === undefined)
    return review('key_unavailable', 'Unsubscribe link received while the signing key was not available.');
  const ids = parseUnsubscribeToken(req.token, req.secret);
  if (!ids)
    return review(
      'bad_token',
      `Unsubscribe ${req.apply ? 'request' : 'page'} with a code that does not verify.`,
    );
  if (ids.subscriberId === 0) return { kind: 'test' };
  const inbox = engine.repos.inbox;
  const sub = inbox.subscriber(ids.subscriberId);
  if (!sub)
    return review(
      'unknown_subscriber',
      `Genuine unsubscribe code for subscriber #${ids.subscriberId}, who is no longer in any list.`,
      ids.campaignId,
    );
  const listName = engine.repos.lists.byId(sub.listId)?.name ?? '';
  if (!req.apply)
    return { kind: 'confirm', listName, alreadyOut: sub.status !== 'subscribed' && sub.status !== 'pending' };
  const r = engine.db.transaction(() => unsubscribeMember(engine, sub, ids.campaignId, 'one_click', now))();
  return { kind: 'unsubscribed', listName, already: !r.changed };
}

/**
 * One-click requests that arrived while the signing key could not be read (serve without the
 * passphrase) are applied once it can: each verified code unsubscribes as it would have then, and its
 * review item is closed saying so; a code that does not verify becomes a bad-code item. Returns how many
 * were applied.
 */
export function applyHeldRequests(engine: Engine, secret: string): number {
  const repo = engine.repos.unsubscribeReview;
  const inbox = engine.repos.inbox;
  let applied = 0;
  for (const row of repo.openByReason('key_unavailable')) {
    if (row.channel !== 'one_click' || !row.token) continue;
    const now = engine.now();
    engine.db.transaction(() => {
      const ids = parseUnsubscribeToken(row.token!, secret);
      const sub = ids && ids.subscriberId !== 0 ? inbox.subscriber(ids.subscriberId) : undefined;
      if (!ids || !sub) {
        engine.db
          .prepare(`UPDATE unsubscribe_review SET reason = ?, campaign_id = ? WHERE id = ?`)
          .run(ids ? 'unknown_subscriber' : 'bad_token', ids?.campaignId ?? null, row.id);
        return;
      }
      unsubscribeMember(
        engine,
        sub,
        ids.campaignId,
        'one_click',
        row.firstAt, // when the person asked
        'held until the signing key was available',
      );
      repo.resolve(row.id, 'applied once the signing key could be read', now);
      applied++;
    })();
  }
  return applied;
}

function toItem(r: ReviewRow): UnsubscribeReviewItem {
  return { ...r, why: REVIEW_REASONS[r.reason] };
}

export function listReview(
  engine: Engine,
  opts: { includeResolved?: boolean; limit?: number } = {},
): { open: number; items: UnsubscribeReviewItem[] } {
  const repo = engine.repos.unsubscribeReview;
  return { open: repo.openCount(), items: repo.list(opts).map(toItem) };
}

export function resolveReview(engine: Engine, id: number, resolution: string): UnsubscribeReviewItem {
  const repo = engine.repos.unsubscribeReview;
  const row = repo.byId(id);
  if (!row)
    throw userError(`There is no review item #${id}.`, {
      code: 'not_found',
      safe: 'Nothing was changed.',
      next: 'Run `understudy inbox review` to see the open items and their numbers.',
      appNext: 'It may already be resolved; reload the review list.',
    });
  if (row.resolvedAt)
    throw userError(`Review item #${id} was already dealt with (${row.resolution ?? ''}).`, {
      code: 'already_resolved',
      safe: 'Nothing was changed.',
    });
  repo.resolve(id, resolution.trim(), engine.now());
  return toItem(repo.byId(id)!);
}
