/** Handlers for the reputation guard and keep-warm (issue 16, §5 and §3). */
import type { reputationCalls } from '../api/reputation';
import type { HandlersFor } from './types';
import { requireProvider } from '../sending/providers';
import { changeReputation, reputationSettings, riskyOffer, toApiReputation } from '../sending/reputation';

export const reputationHandlers: HandlersFor<typeof reputationCalls> = {
  providerReputation: (engine, input) => {
    const p = requireProvider(engine, input.name);
    return toApiReputation(p.name, reputationSettings(engine, p));
  },
  setProviderReputation: (engine, input) => {
    const p = requireProvider(engine, input.name);
    const s = changeReputation(engine, p, {
      maxBounceRate: input.maxBounceRate,
      maxComplaintRate: input.maxComplaintRate,
      minSample: input.minSample,
      keepWarm: input.keepWarm,
    });
    return toApiReputation(p.name, s);
  },
  riskyAddresses: (engine, input) => riskyOffer(engine, input.id, { via: input.via }),
};
