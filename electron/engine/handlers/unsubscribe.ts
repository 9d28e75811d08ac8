/** Handlers for the unsubscribe review queue (issue 14, §1–2). */
import type { unsubscribeCalls } from '../api/unsubscribe';
import type { HandlersFor } from './types';
import { listReview, resolveReview } from '../continuity/unsubscribe';

export const unsubscribeHandlers: HandlersFor<typeof unsubscribeCalls> = {
  unsubscribeReview: (engine, q) => listReview(engine, q),
  resolveUnsubscribeReview: (engine, { id, resolution }) => resolveReview(engine, id, resolution),
};
