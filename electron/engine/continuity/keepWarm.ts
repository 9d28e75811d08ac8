/**
 * Keep-warm (issue 16, §3): a backup that has not sent for longer than the idle setting is cold, and a
 * cold backup is throttled just when an outage needs it. When the person turns keep-warm on for a
 * provider (`providers update NAME --keep-warm`, the provider dialog), Understudy sends it a drill —
 * one message to the team's own seed address, checked on arrival like every drill (drills.ts) — once
 * it has not sent for KEEP_WARM_EVERY_DAYS days (fewer when the idle setting is shorter), so its
 * sending history never shows an idle gap long enough to make it cold. The periodic work
 * (periodic.ts) looks hourly; nothing is sent when no provider is due.
 */
import type { Engine } from '../engine';
import type { DrillRow } from '../db/repos/drills';
import type { ProviderRow } from '../db/repos/providers';
import { REPUTATION_EVENTS } from '../api/reputation';
import { providerWarmup, warmupIdleDays } from '../sending/warmup';
import { runDrills, type DrillOptions } from './drills';
import { mailboxSettings } from './mailbox';

/** A kept-warm provider sends at least this often (or more often when the idle setting is shorter). */
export const KEEP_WARM_EVERY_DAYS = 7;
/** How often the periodic work looks for a provider that is due. */
export const KEEP_WARM_CHECK_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Days of silence after which a kept-warm provider gets its drill. */
export function keepWarmEveryDays(engine: Engine): number {
  return Math.max(1, Math.min(KEEP_WARM_EVERY_DAYS, warmupIdleDays(engine) - 1));
}

/** The enabled providers with keep-warm on whose last send is old enough (or that never sent). */
export function keepWarmDue(engine: Engine): ProviderRow[] {
  const ids = new Set(engine.repos.reputation.keepWarmIds());
  if (ids.size === 0) return [];
  const every = keepWarmEveryDays(engine);
  const now = engine.clock.now();
  return engine.repos.providers
    .all('smtp')
    .filter((p) => p.enabled && ids.has(p.id))
    .filter((p) => {
      const last = providerWarmup(engine, p).lastSentDay;
      // Whole UTC days since its last sending day: due at `every` (the same count warm-up uses).
      return last === null || Math.floor((now - Date.parse(`${last}T00:00:00.000Z`)) / DAY_MS) >= every;
    });
}

/** When the periodic work should look (null: keep-warm is off everywhere, or no seed mailbox). */
export function keepWarmCheckMs(engine: Engine): number | null {
  if (!mailboxSettings(engine)?.seedAddress) return null;
  return engine.repos.reputation.keepWarmIds().length > 0 ? KEEP_WARM_CHECK_MS : null;
}

/** Sends a drill through every provider that is due; returns the drills (none when nobody is due). */
export async function runKeepWarm(
  engine: Engine,
  opts: Omit<DrillOptions, 'provider'> = {},
): Promise<DrillRow[]> {
  const out: DrillRow[] = [];
  for (const p of keepWarmDue(engine)) {
    if (opts.signal?.aborted) break;
    const [drill] = await runDrills(engine, { ...opts, provider: p.name });
    if (!drill) continue;
    out.push(drill);
    const w = providerWarmup(engine, p);
    engine.record({
      type: REPUTATION_EVENTS.keptWarm,
      severity: drill.result === 'passed' ? 'info' : 'warning',
      message:
        drill.result === 'passed'
          ? `A keep-warm drill went through "${p.name}" so it is not cold when it is needed; it is now ${w.state === 'warm' ? 'warm' : w.state === 'warming' ? 'warming up' : 'cold'}.`
          : `The keep-warm drill through "${p.name}" did not pass (see the drill); it is ${w.state === 'warm' ? 'warm' : w.state === 'warming' ? 'warming up' : 'cold'}.`,
      providerId: p.id,
      data: { drillId: drill.id, state: drill.result, warmup: w.state, lastSentDay: w.lastSentDay },
    });
  }
  return out;
}
