/** Handlers for the readiness view (issue 16 §6). */
import type { readinessCalls } from '../api/readiness';
import type { HandlersFor } from './types';
import { readiness } from '../continuity/readiness';

export const readinessHandlers: HandlersFor<typeof readinessCalls> = {
  readiness: (engine) => readiness(engine),
};
