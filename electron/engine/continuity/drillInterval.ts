/**
 * How often drills run (issue 16, §2): a setting, not a constant. Stored as hours under
 * DRILL_EVERY_KEY, which the periodic loop reads each time it schedules (continuity/periodic.ts);
 * 0 turns scheduled drills off. The default is weekly.
 */
import type { Engine } from '../engine';
import { quoteInput, userError } from '../errors';
import { DRILL_EVERY_KEY } from './adapters';

export const DEFAULT_DRILL_EVERY_HOURS = 168;
/** At most every hour (a drill sends a real message through each backup), at least once a quarter. */
export const DRILL_EVERY_MIN_HOURS = 1;
export const DRILL_EVERY_MAX_HOURS = 24 * 92;

export function drillEveryHours(engine: Engine): number {
  const h = engine.repos.settings.get<number>(DRILL_EVERY_KEY);
  return typeof h === 'number' && Number.isFinite(h) && h >= 0 ? h : DEFAULT_DRILL_EVERY_HOURS;
}

export function setDrillEveryHours(engine: Engine, raw: unknown): number {
  const h = typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  if (
    typeof h !== 'number' ||
    !Number.isFinite(h) ||
    (h !== 0 && (h < DRILL_EVERY_MIN_HOURS || h > DRILL_EVERY_MAX_HOURS))
  ) {
    throw userError(`"${quoteInput(raw)}" is not a drill interval.`, {
      code: 'bad_drill_interval',
      safe: 'Nothing was changed; drills keep their current schedule.',
      next: `Give a number of hours from ${DRILL_EVERY_MIN_HOURS} to ${DRILL_EVERY_MAX_HOURS} (168 is weekly), or 0 to stop scheduled drills.`,
    });
  }
  engine.repos.settings.set(DRILL_EVERY_KEY, h, engine.now());
  engine.record({
    type: 'settings.changed',
    message: h === 0 ? 'Scheduled drills were turned off.' : `Drills now run every ${h} hours.`,
    data: { key: DRILL_EVERY_KEY, hours: h },
  });
  return h;
}
