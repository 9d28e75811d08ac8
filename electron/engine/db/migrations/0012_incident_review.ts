/**
 * Migration 12: the post-incident review (issue 16 §7) — one row per reviewed incident (its cause, a
 * choice from the contract's INCIDENT_CAUSES plus words; what worked; what did not) and its actions,
 * each with an owner and whether it is done. Removed with the incident (ON DELETE CASCADE).
 */
import type { Migration } from './types';

/**
 * The causes as they were when this step was written (a migration is history: a later change to the
 * contract's list needs its own step; test/integration/review.test.ts checks the two agree).
 */
export const CAUSES_0012 = [
  'esp_outage',
  'esp_account',
  'backup_provider',
  'authentication',
  'credentials',
  'network',
  'human_error',
  'other',
];
const causes = CAUSES_0012.map((c) => `'${c}'`).join(', ');

export const migration0012: Migration = {
  version: 12,
  name: 'incident review',
  up: `
    CREATE TABLE incident_reviews (
      incident_id INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
      cause TEXT CHECK (cause IS NULL OR cause IN (${causes})),
      cause_text TEXT NOT NULL DEFAULT '',
      worked TEXT NOT NULL DEFAULT '',
      did_not_work TEXT NOT NULL DEFAULT '',
      updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE incident_actions (
      id INTEGER PRIMARY KEY,
      incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      text TEXT NOT NULL CHECK (length(text) > 0),
      owner TEXT NOT NULL CHECK (length(owner) > 0),
      done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
      created_at TEXT NOT NULL,
      done_at TEXT
    ) STRICT;
    CREATE INDEX incident_actions_incident ON incident_actions (incident_id, id);
  `,
};
