/**
 * Contract: unsubscribe requests that arrive at Understudy itself (issue 14, §1 and §2) — the public
 * unsubscribe pages and RFC 8058 one-click POSTs that `understudy serve` answers, and mailto requests in
 * the backup mailbox — and the review queue of those that could not be applied on their own.
 *
 * The facts about them are declared here, once.
 */
import { z } from 'zod';
import { call } from './define';

/** Where an unsubscribe request came from. */
export const UNSUBSCRIBE_SOURCES = {
  /** An RFC 8058 POST (List-Unsubscribe=One-Click) from a mail provider or the confirmation page. */
  oneClick: 'one_click',
  /** The confirmation page opened from the link in a message (GET; never unsubscribes by itself). */
  link: 'link',
  /** An email to the List-Unsubscribe mailto address. */
  mailto: 'mailto',
} as const;
export type UnsubscribeSource = (typeof UNSUBSCRIBE_SOURCES)[keyof typeof UNSUBSCRIBE_SOURCES];

/** Event types. `subscriber.unsubscribed` data: {subscriberId, email, source, how?}. */
export const UNSUBSCRIBE_EVENTS = {
  unsubscribed: 'subscriber.unsubscribed',
} as const;

/** Why a request waits for a person instead of being applied. */
export const REVIEW_REASONS = {
  bad_token: 'The link or subject carried a code that is damaged or was not made by this Understudy.',
  unknown_subscriber: 'The code is genuine but names a subscriber who is no longer in any list here.',
  key_unavailable: 'The signing key could not be read (the secret file was not unlocked) to check the code.',
  not_on_list: 'The sender asked to unsubscribe but their address is on none of your lists.',
} as const;
export type ReviewReason = keyof typeof REVIEW_REASONS;
export const ReviewReasonSchema = z.enum(Object.keys(REVIEW_REASONS) as [ReviewReason, ...ReviewReason[]]);

/** At most this many open review items; past it a request is refused (503) and the person told to retry. */
export const REVIEW_QUEUE_LIMIT = 10_000;

export const UnsubscribeReviewItemSchema = z.object({
  id: z.number().int(),
  channel: z.enum(['link', 'one_click', 'mailto']),
  reason: ReviewReasonSchema,
  /** The reason in plain words. */
  why: z.string(),
  token: z.string().nullable(),
  fromEmail: z.string().nullable(),
  subject: z.string().nullable(),
  campaignId: z.number().int().nullable(),
  detail: z.string(),
  firstAt: z.string(),
  lastAt: z.string(),
  seen: z.number().int(),
  resolvedAt: z.string().nullable(),
  resolution: z.string().nullable(),
});
export type UnsubscribeReviewItem = z.infer<typeof UnsubscribeReviewItemSchema>;

export const unsubscribeCalls = {
  unsubscribeReview: call({
    description: 'Unsubscribe requests kept for a person to review (newest first).',
    input: z
      .object({
        includeResolved: z.boolean().default(false),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .default({ includeResolved: false, limit: 200 }),
    output: z.object({ open: z.number().int(), items: z.array(UnsubscribeReviewItemSchema) }),
    mutates: false,
  }),
  resolveUnsubscribeReview: call({
    description: 'Mark a review item as dealt with, saying what was done.',
    input: z.object({ id: z.number().int(), resolution: z.string().trim().min(1).max(500) }),
    output: UnsubscribeReviewItemSchema,
    mutates: true,
  }),
};
