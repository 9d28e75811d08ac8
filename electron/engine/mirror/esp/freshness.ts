/**
 * How current the mirror of an ESP is: the scheduled-sync settings (every 15 minutes by default,
 * incremental, with a full pass daily) and the mirror's age, which every decision that rests on the
 * mirror shows ("your list as of 12 minutes ago"). A mirror older than twice the interval is stale.
 */
import { z } from 'zod';
import type { Engine } from '../../engine';
import { agoWords } from '../../api/esp';

export const SYNC_SETTINGS_KEY = 'continuity.sync';
export const SyncSettingsSchema = z.object({
  everyMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  fullEveryHours: z
    .number()
    .min(1)
    .max(24 * 7)
    .default(24),
});
export type SyncSettings = z.infer<typeof SyncSettingsSchema>;

export function syncSettings(engine: Engine): SyncSettings {
  const parsed = SyncSettingsSchema.safeParse(engine.repos.settings.get(SYNC_SETTINGS_KEY) ?? {});
  return parsed.success ? parsed.data : SyncSettingsSchema.parse({});
}

/** When the last complete sync of this connection finished (its campaigns step is the last one). */
export function mirrorSyncedAt(engine: Engine, providerId: number): string | null {
  const cp = engine.repos.espSync.checkpoints(providerId).find((c) => c.scope === 'campaigns');
  return cp?.updatedAt ?? null;
}

export interface MirrorAge {
  /** The mirror as of this instant (null: never synced). */
  asOf: string | null;
  ageMs: number | null;
  /** Older than twice the sync interval (or never synced for that long since the connection was added). */
  stale: boolean;
  /** "12 minutes ago", "never synced". */
  words: string;
}

export function mirrorAge(engine: Engine, providerId: number): MirrorAge {
  const asOf = mirrorSyncedAt(engine, providerId);
  const now = engine.clock.now();
  const limit = 2 * syncSettings(engine).everyMinutes * 60_000;
  if (asOf === null) {
    const p = engine.repos.espSync.providerById(providerId);
    const since = p ? Date.parse(p.createdAt) : now;
    return { asOf: null, ageMs: null, stale: now - since > limit, words: 'never synced' };
  }
  const ageMs = Math.max(0, now - Date.parse(asOf));
  return { asOf, ageMs, stale: ageMs > limit, words: agoWords(ageMs) };
}

/** The age of a list's mirror, when the list is mirrored from an ESP (null for a local list). */
export function listMirrorAge(engine: Engine, listId: number): MirrorAge | null {
  const p = engine.repos.lists.byId(listId)?.providerId;
  return p ? mirrorAge(engine, p) : null;
}
