/**
 * Continuity settings with their defaults: the outage policy (per campaign, with a default in
 * settings) and the catch-up policy for send times missed while the machine slept or the app was
 * closed. Values are parsed with zod and fall back to the defaults, so an old or hand-edited setting
 * never stops the scheduler.
 */
import { z } from 'zod';
import type { Engine } from '../engine';
import type { CampaignOutagePolicy } from '../api/continuity';
import { userError } from '../errors';

/**
 * When a campaign's ESP (or primary provider) is down at its send time:
 * - pause: hold it and alert the person, who decides;
 * - wait: wait up to `waitMinutes` for it to come back, then send through the backups;
 * - backup: send through the backups at once.
 */
export const OutagePolicySchema = z.object({
  mode: z.enum(['pause', 'wait', 'backup']),
  waitMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
});
export type OutagePolicy = z.infer<typeof OutagePolicySchema>;
export const DEFAULT_OUTAGE_POLICY: OutagePolicy = { mode: 'wait', waitMinutes: 30 };
export const OUTAGE_POLICY_KEY = 'continuity.outagePolicy';

/**
 * A send time that passed while nothing was running: within `graceMinutes` it is simply on time;
 * up to `afterHours` late it is sent now (and the delay said); later than that, `policy` decides —
 * send now, ask the person (the default: never silently send a week-old campaign), or skip it.
 */
export const CatchUpSchema = z.object({
  policy: z.enum(['send', 'ask', 'skip']).default('ask'),
  afterHours: z
    .number()
    .min(0)
    .max(24 * 30)
    .default(2),
  graceMinutes: z.number().min(0).max(120).default(10),
});
export type CatchUp = z.infer<typeof CatchUpSchema>;
export const CATCH_UP_KEY = 'continuity.catchUp';

export const HealthSettingsSchema = z.object({
  intervalSeconds: z.number().min(1).default(60),
  /** Consecutive failed probes before a provider is down (degraded after the first). */
  failuresToDown: z.number().int().min(1).default(3),
  /** Consecutive good probes before a down provider is operational again. */
  successesToUp: z.number().int().min(1).default(2),
  /** Backoff cap between probes of a failing provider; while it is down, never above 60 s (health.ts). */
  maxBackoffSeconds: z.number().min(5).default(600),
  timeoutSeconds: z.number().min(1).default(15),
});
export type HealthSettings = z.infer<typeof HealthSettingsSchema>;
export const HEALTH_KEY = 'continuity.health';

function read<T extends z.ZodType>(engine: Engine, key: string, schema: T, fallback: unknown): z.output<T> {
  const parsed = schema.safeParse(engine.repos.settings.get(key) ?? fallback);
  return parsed.success ? parsed.data : schema.parse(fallback);
}

export const outageDefault = (e: Engine): OutagePolicy =>
  read(e, OUTAGE_POLICY_KEY, OutagePolicySchema, DEFAULT_OUTAGE_POLICY);
export const catchUpSettings = (e: Engine): CatchUp => read(e, CATCH_UP_KEY, CatchUpSchema, {});
export const healthSettings = (e: Engine): HealthSettings => read(e, HEALTH_KEY, HealthSettingsSchema, {});

/** A campaign's own policy when it has a valid one, else the default from settings. */
export function policyFor(engine: Engine, campaignPolicy: unknown): OutagePolicy {
  const own = OutagePolicySchema.safeParse(campaignPolicy);
  return own.success ? own.data : outageDefault(engine);
}

/** The policy in force for a campaign, and whether it is its own or the default. */
export function policyInForce(engine: Engine, campaignPolicy: unknown): CampaignOutagePolicy {
  const own = OutagePolicySchema.safeParse(campaignPolicy);
  return own.success ? { ...own.data, source: 'campaign' } : { ...outageDefault(engine), source: 'default' };
}

/**
 * Sets a campaign's own outage policy, or ('default') lets it follow the settings. Refused for a
 * campaign that is already sent or cancelled: nothing is due any more.
 */
export function setCampaignPolicy(
  engine: Engine,
  campaignId: number,
  outage: 'pause' | 'wait' | 'backup' | 'default',
  waitMinutes?: number,
): CampaignOutagePolicy {
  const c = engine.repos.campaigns.byId(campaignId);
  if (!c)
    throw userError(`There is no campaign ${campaignId}.`, {
      code: 'campaign_not_found',
      safe: 'Nothing was changed.',
      next: 'See the campaigns with `understudy campaigns list`.',
      appNext: 'It may have been removed; see the Campaigns screen.',
    });
  if (c.status === 'sent' || c.status === 'cancelled')
    throw userError(`Campaign ${campaignId} is ${c.status}: an outage policy no longer applies to it.`, {
      code: 'bad_state',
      safe: 'Nothing was changed.',
    });
  if (waitMinutes !== undefined && outage !== 'wait')
    throw userError('A number of minutes to wait only goes with the "wait" policy.', {
      code: 'bad_option',
      safe: 'Nothing was changed.',
      next: 'Use --outage wait --wait-minutes N, or leave --wait-minutes out.',
      appNext: 'Choose “wait” to give a waiting time, or leave it out.',
    });
  const policy =
    outage === 'default'
      ? null
      : OutagePolicySchema.parse({ mode: outage, ...(waitMinutes !== undefined ? { waitMinutes } : {}) });
  engine.repos.campaigns.setOutagePolicy(campaignId, policy ? JSON.stringify(policy) : null, engine.now());
  const inForce = policyInForce(engine, policy);
  engine.record({
    type: 'campaign.outage_policy',
    message: `"${c.name || c.subject}": if its ESP or provider is down at its send time, ${describePolicy(inForce)}.`,
    campaignId,
    data: { ...inForce },
  });
  return inForce;
}

/** The policy in a marketer's words. */
export function describePolicy(p: CampaignOutagePolicy): string {
  const what =
    p.mode === 'pause'
      ? 'it is paused and you are alerted'
      : p.mode === 'backup'
        ? 'it goes out through the backup providers at once'
        : `Understudy waits up to ${p.waitMinutes} min for it, then sends through the backup providers`;
  return `${what} (${p.source === 'campaign' ? "this campaign's own policy" : 'the default policy'})`;
}
