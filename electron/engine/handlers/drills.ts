/** Handlers for the drill interval setting (issue 16, §2). */
import type { drillCalls } from '../api/drills';
import type { HandlersFor } from './types';
import { drillEveryHours, setDrillEveryHours } from '../continuity/drillInterval';

export const drillHandlers: HandlersFor<typeof drillCalls> = {
  getDrillInterval: (engine) => ({ everyHours: drillEveryHours(engine) }),
  setDrillInterval: (engine, { everyHours }) => ({ everyHours: setDrillEveryHours(engine, everyHours) }),
};
