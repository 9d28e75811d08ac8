/**
 * Backup readiness, capacity and warm-up (issue 16, §3 and §4): when a campaign would finish through
 * the current chain, and where each provider is on its warm-up.
 */
import { z } from 'zod';
import { call } from './define';

export const WarmupStateSchema = z.enum(['warm', 'cold', 'warming']);
export type WarmupState = z.infer<typeof WarmupStateSchema>;

export const WarmupCurveSchema = z.object({
  /** Messages in any hour on the first day of sending. */
  perHourStart: z.number().int().min(1).max(100_000),
  /** Factor a day (1.4 = 40 % more each day). */
  dailyGrowth: z.number().min(1).max(10),
  /** Days the curve lasts; 0 = no warm-up for this provider. */
  days: z.number().int().min(0).max(365),
});

export const ProviderWarmupSchema = z.object({
  name: z.string(),
  state: WarmupStateSchema,
  idleDays: z.number().int().nullable(),
  lastSentDay: z.string().nullable(),
  recent: z.array(z.object({ day: z.string(), sent: z.number().int() })),
  curve: WarmupCurveSchema.nullable(),
  curveDay: z.number().int().nullable(),
  capPerHour: z.number().int().nullable(),
  declaredWarm: z.boolean(),
});
export type ProviderWarmup = z.infer<typeof ProviderWarmupSchema>;

export const CapacityProviderSchema = z.object({
  name: z.string(),
  messages: z.number().int(),
  /** When its last message would go (ISO UTC), null if none. */
  lastAt: z.string().nullable(),
  /** Why it carries nothing, or null. */
  unavailable: z.string().nullable(),
  warmup: WarmupStateSchema,
  capPerHour: z.number().int().nullable(),
});

export const CampaignCapacitySchema = z.object({
  campaignId: z.number().int(),
  remaining: z.number().int(),
  deliverable: z.number().int(),
  finishAt: z.string().nullable(),
  firstBatch: z.object({ messages: z.number().int(), by: z.string() }).nullable(),
  timeZone: z.string(),
  /** The sentence for people: "Backups can deliver 4,000 of 12,400 by Friday 09:00; the rest by Saturday 14:00." */
  summary: z.string(),
  /** Further lines: warm-up, providers without limits, providers that carry nothing. */
  notes: z.array(z.string()),
  estimated: z.boolean(),
  providers: z.array(CapacityProviderSchema),
});
export type CampaignCapacity = z.infer<typeof CampaignCapacitySchema>;

export const capacityCalls = {
  campaignCapacity: call({
    description:
      'When a campaign would finish through the current provider chain (caps, what was sent in the current windows, warm-up, health).',
    input: z.object({ id: z.number().int().positive(), via: z.string().min(1).optional() }),
    output: CampaignCapacitySchema,
    mutates: false,
  }),
  providerWarmup: call({
    description: "A provider's sending history and warm-up state (warm, cold, warming).",
    input: z.object({ name: z.string().min(1) }),
    output: ProviderWarmupSchema,
    mutates: false,
  }),
  setProviderWarmup: call({
    description:
      'Declare a provider warm (or not), or give it a warm-up curve of its own (null: its preset’s).',
    input: z.object({
      name: z.string().min(1),
      warm: z.boolean().optional(),
      curve: WarmupCurveSchema.nullable().optional(),
    }),
    output: ProviderWarmupSchema,
    mutates: true,
  }),
  setWarmupIdleDays: call({
    description: 'After how many idle days a provider counts as cold again (default 30).',
    input: z.object({ days: z.number().int().min(1).max(3650) }),
    output: z.object({ days: z.number().int() }),
    mutates: true,
  }),
};
