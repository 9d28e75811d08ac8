/**
 * The reputation guard and keep-warm (issue 16, §5 and §3): each backup's bounce and complaint limits,
 * the people most likely to hurt a cold or small backup's reputation, and keep-warm drills.
 */
import { z } from 'zod';
import { call } from './define';

/** Timeline events of the reputation guard. */
export const REPUTATION_EVENTS = {
  /** A provider's bounce or complaint rate crossed its limit during a send: paused, team alerted. */
  paused: 'provider.reputation_paused',
  /** A person changed a provider's limits or keep-warm. */
  changed: 'provider.reputation_changed',
  /** People most likely to hurt a backup's reputation were left out of a send (recorded, not dropped). */
  leftOut: 'send.risky_left_out',
  /** A keep-warm drill went through a backup so it is not cold when it is needed. */
  keptWarm: 'provider.kept_warm',
} as const;

export const RiskyReasonSchema = z.enum(['bounced_before', 'bounced_elsewhere', 'never_confirmed']);
export type RiskyReasonT = z.infer<typeof RiskyReasonSchema>;

/** Plain words for each reason (CLI, app, report). */
export const RISKY_WORDS: Record<RiskyReasonT, string> = {
  bounced_before: 'hard-bounced before',
  bounced_elsewhere: 'bounced or cleaned on another list',
  never_confirmed: 'never confirmed a subscription (pending on another list)',
};

export const ProviderReputationSchema = z.object({
  name: z.string(),
  /** Fractions: 0.05 is 5 %. */
  maxBounceRate: z.number(),
  maxComplaintRate: z.number(),
  /** Fewest messages a rate is judged on; below it, no rate pauses the provider. */
  minSample: z.number().int(),
  /** Messages the rolling rates are computed over (the most recent ones of a send). */
  window: z.number().int(),
  /** Whether each limit is the provider's own (preset) or the person's. */
  edited: z.object({ bounce: z.boolean(), complaint: z.boolean(), minSample: z.boolean() }),
  /** Where the provider's limits come from, in words. */
  source: z.string(),
  keepWarm: z.boolean(),
  /** The sentence for people: "Paused when more than 5 % bounce or 0.1 % complain (judged on at least 200 messages)." */
  summary: z.string(),
});
export type ProviderReputation = z.infer<typeof ProviderReputationSchema>;

const Rate = z.number().gt(0).max(1);

export const RiskyOfferSchema = z.object({
  campaignId: z.number().int(),
  /** People who would be left out with "skip risky". */
  count: z.number().int(),
  byReason: z.array(z.object({ reason: RiskyReasonSchema, count: z.number().int() })),
  /** Whether a backup in the chain is cold, warming or small for this campaign (the offer is made then). */
  offered: z.boolean(),
  /** Why: the backups that are cold/warming/small, in words. */
  why: z.string().nullable(),
  /** The sentence for people. */
  summary: z.string(),
});
export type RiskyOffer = z.infer<typeof RiskyOfferSchema>;

export const reputationCalls = {
  providerReputation: call({
    description:
      "A provider's reputation guard: the bounce and complaint limits it is paused at, and keep-warm.",
    input: z.object({ name: z.string().min(1) }),
    output: ProviderReputationSchema,
    mutates: false,
  }),
  setProviderReputation: call({
    description:
      "Change a provider's bounce/complaint limits (fractions, null: its provider's own), the fewest messages a rate is judged on, or keep-warm.",
    input: z.object({
      name: z.string().min(1),
      maxBounceRate: Rate.nullable().optional(),
      maxComplaintRate: Rate.nullable().optional(),
      minSample: z.number().int().min(1).max(1_000_000).nullable().optional(),
      keepWarm: z.boolean().optional(),
    }),
    output: ProviderReputationSchema,
    mutates: true,
  }),
  riskyAddresses: call({
    description:
      'How many people of a campaign are most likely to hurt a cold or small backup (hard-bounced before, bounced or cleaned on another list, never confirmed).',
    input: z.object({ id: z.number().int().positive(), via: z.string().min(1).optional() }),
    output: RiskyOfferSchema,
    mutates: false,
  }),
};
