/**
 * Migration 13: bounces, complaints and unsubscribes that relay providers keep to themselves (issue 14,
 * §5). A relay (SendGrid, SES, Mailgun, Postmark, Brevo) puts its own address in Return-Path, so what
 * comes back never reaches the backup mailbox; Understudy pulls it from the relay's API instead.
 *
 * - `relay_feedback_state`: per SMTP provider, the reference of its API key in the secret store (never
 *   the key), an API address override (a proxy, a region, tests), the cursor of each feed (so a pull
 *   asks only for what is new), and the last pull's time and error.
 * - `relay_feedback`: every item a relay reported, once (its key is the relay's own id, or the address
 *   and the relay's time), with what it became. A later pull that sees it again (feeds overlap by a
 *   day, some have no time filter) changes nothing, and a suppression lifted by hand is not put back
 *   unless the relay reports something new. The incident report counts these rows by the relay's time.
 */
import type { Migration } from './types';

export const migration0013: Migration = {
  version: 13,
  name: 'relay feedback pulled from provider APIs',
  up: `
    CREATE TABLE relay_feedback_state (
      provider_id INTEGER PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
      api_secret_ref TEXT CHECK (api_secret_ref IS NULL OR api_secret_ref GLOB 'secret:*'),
      api_base_url TEXT,
      cursors TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(cursors) AND json_type(cursors) = 'object'),
      last_pulled_at TEXT,
      last_error TEXT,
      updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE relay_feedback (
      provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
      feed TEXT NOT NULL,
      item_key TEXT NOT NULL,
      email_norm TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('bounce', 'complaint', 'unsubscribe')),
      happened_at TEXT NOT NULL,
      pulled_at TEXT NOT NULL,
      -- 1 when it suppressed the address or changed a subscriber; 0 when that was already so.
      applied INTEGER NOT NULL CHECK (applied IN (0, 1)),
      detail TEXT,
      PRIMARY KEY (provider_id, feed, item_key)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX relay_feedback_happened ON relay_feedback (happened_at);
  `,
};
