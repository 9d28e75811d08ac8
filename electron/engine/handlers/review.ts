/** Handlers: the post-incident review and the runbook (contract: api/review.ts). */
import type { reviewCalls } from '../api/review';
import type { HandlersFor } from './types';
import { addAction, changeAction, incidentReview, saveReview } from '../continuity/review';
import { buildRunbook } from '../continuity/runbook';

export const reviewHandlers: HandlersFor<typeof reviewCalls> = {
  getIncidentReview: (engine, { id }) => incidentReview(engine, id),
  saveIncidentReview: (engine, change) => saveReview(engine, change),
  addReviewAction: (engine, { id, text, owner }) => addAction(engine, id, text, owner),
  changeReviewAction: (engine, change) => changeAction(engine, change),
  runbook: (engine) => buildRunbook(engine),
};
