/** Handlers for the suppressions area of the contract: review and undo. */
import type { suppressionsCalls } from '../api/suppressions';
import type { HandlersFor } from './types';
import { listSuppressions, removeSuppression, suppressionHistory } from '../mirror/suppressions';

export const suppressionsHandlers: HandlersFor<typeof suppressionsCalls> = {
  listSuppressions: (engine, q) => listSuppressions(engine, q),
  removeSuppression: (engine, req) => removeSuppression(engine, req),
  suppressionHistory: (engine, { email }) => suppressionHistory(engine, email),
};
