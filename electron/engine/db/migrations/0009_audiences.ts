/**
 * Migration 9: the audience of a mirrored campaign aimed at a segment, tag or group. At each sync the
 * ESP's API is asked who that target holds (exclusions applied) and the answer is kept here, so the
 * campaign can go out through a backup to exactly those people rather than to the whole list. A target
 * the API cannot enumerate is recorded too (state 'unresolvable', with why and what to do), so it is
 * reported before an outage rather than discovered at send time.
 */
import type { Migration } from './types';

export const migration0009: Migration = {
  version: 9,
  name: 'audiences',
  up: `
    CREATE TABLE campaign_audiences (
      campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
      -- resolved: campaign_audience holds the people; unresolvable: the API cannot list them.
      state TEXT NOT NULL CHECK (state IN ('resolved', 'unresolvable')),
      -- People of the target found in the mirror (rows of campaign_audience).
      members INTEGER NOT NULL DEFAULT 0,
      -- Addresses the ESP listed that the mirror does not hold (never mailed: consent unknown here).
      unmatched INTEGER NOT NULL DEFAULT 0,
      -- People left out by the campaign's exclusions, as the ESP listed them.
      excluded INTEGER NOT NULL DEFAULT 0,
      -- The target in words ("saved segment 12 of Newsletter", "tag 7"), for display.
      target TEXT NOT NULL DEFAULT '',
      -- unresolvable: why, and what the person can do about it.
      reason TEXT,
      next TEXT,
      resolved_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE campaign_audience (
      campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
      PRIMARY KEY (campaign_id, subscriber_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX campaign_audience_subscriber ON campaign_audience (subscriber_id);
  `,
};
