/**
 * Migration 7: the unsubscribe review queue. An unsubscribe request that cannot be applied on its own
 * — a link or one-click POST whose token does not verify or names nobody, a mailto request from an
 * address on no list — is kept here for a person to look at, never dropped (issue 14, §1 and §2).
 *
 * `dedupe` makes a repeat of the same request (a mail scanner opening the same broken link, a person
 * clicking twice) one row whose `seen` grows, so the queue cannot be flooded by repeats.
 * Only what is needed to act is kept: the token's safe characters, the sender address, the subject.
 */
import type { Migration } from './types';

export const migration0007: Migration = {
  version: 7,
  name: 'unsubscribe review queue',
  up: `
    CREATE TABLE unsubscribe_review (
      id INTEGER PRIMARY KEY,
      channel TEXT NOT NULL CHECK (channel IN ('link', 'one_click', 'mailto')),
      reason TEXT NOT NULL
        CHECK (reason IN ('bad_token', 'unknown_subscriber', 'key_unavailable', 'not_on_list')),
      dedupe TEXT NOT NULL UNIQUE,
      token TEXT CHECK (token IS NULL OR length(token) <= 120),
      from_email TEXT CHECK (from_email IS NULL OR length(from_email) <= 254),
      subject TEXT CHECK (subject IS NULL OR length(subject) <= 200),
      campaign_id INTEGER,
      detail TEXT NOT NULL,
      first_at TEXT NOT NULL,
      last_at TEXT NOT NULL,
      seen INTEGER NOT NULL DEFAULT 1 CHECK (seen >= 1),
      resolved_at TEXT,
      resolution TEXT
    ) STRICT;
    CREATE INDEX unsubscribe_review_open ON unsubscribe_review (resolved_at, id);
  `,
};
