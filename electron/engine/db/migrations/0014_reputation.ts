/**
 * Migration 14: the reputation guard and keep-warm (issue 16, §3 and §5).
 *
 * `provider_reputation`: what the person changed about a provider's reputation guard — the bounce and
 * complaint rates at which Understudy pauses it (NULL: the limits its provider enforces, presets.ts),
 * the fewest messages a rate is judged on (NULL: the default), and whether keep-warm drills are on.
 * A provider without a row uses every default, with keep-warm off.
 */
import type { Migration } from './types';

export const migration0014: Migration = {
  version: 14,
  name: 'provider reputation guard and keep-warm',
  up: `
    CREATE TABLE provider_reputation (
      provider_id INTEGER PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
      max_bounce_rate REAL CHECK (max_bounce_rate IS NULL OR (max_bounce_rate > 0 AND max_bounce_rate <= 1)),
      max_complaint_rate REAL
        CHECK (max_complaint_rate IS NULL OR (max_complaint_rate > 0 AND max_complaint_rate <= 1)),
      min_sample INTEGER CHECK (min_sample IS NULL OR (min_sample >= 1 AND min_sample <= 1000000)),
      keep_warm INTEGER NOT NULL DEFAULT 0 CHECK (keep_warm IN (0, 1)),
      updated_at TEXT NOT NULL
    ) STRICT;
  `,
};
