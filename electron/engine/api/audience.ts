/**
 * The audience of a mirrored campaign aimed at a segment, tag or group: resolved at each sync from the
 * ESP's API so a backup can send it to exactly those people, or reported (at sync and on the campaign)
 * when the API cannot enumerate it. Only zod here (contract layer).
 */
import { z } from 'zod';

/** Timeline event types of this area. */
export const AUDIENCE_EVENTS = {
  /**
   * A sync found a scheduled campaign whose target the ESP's API cannot list: a backup cannot send it.
   * data: {espCampaignId, target, reason, next}.
   */
  unresolvable: 'esp.audience_unresolvable',
} as const;
export type AudienceEventType = (typeof AUDIENCE_EVENTS)[keyof typeof AUDIENCE_EVENTS];

export const AudienceStateSchema = z.enum(['resolved', 'unresolvable']);
export type AudienceState = z.infer<typeof AudienceStateSchema>;

/** What the campaign panel, `campaigns show` and the send refusal say about a segment campaign. */
export const AudienceViewSchema = z.object({
  state: AudienceStateSchema,
  /** The target in the ESP's words ("saved segment 12", "tag Customers"). */
  target: z.string(),
  /** People of the target the mirror holds (before unsubscribes and suppressions, checked at send). */
  members: z.number().int(),
  /** Addresses the ESP listed that the mirror does not hold (never mailed from here). */
  unmatched: z.number().int(),
  /** People the campaign's exclusions leave out. */
  excluded: z.number().int(),
  resolvedAt: z.string(),
  /** A backup can send it (to exactly `members`, minus unsubscribes and suppressions). */
  backupReady: z.boolean(),
  /**
   * One plain sentence the UI and the CLI show as is: who a backup would send it to, or "Understudy
   * cannot send this through a backup because …".
   */
  sentence: z.string(),
  /** What to do about it, when a backup cannot send it. */
  next: z.string().nullable(),
});
export type AudienceView = z.infer<typeof AudienceViewSchema>;

/** One campaign a sync could not resolve (SyncSummary.campaigns.audiences.unresolvable). */
export const UnresolvableAudienceSchema = z.object({
  espCampaignId: z.string(),
  name: z.string(),
  target: z.string(),
  reason: z.string(),
  next: z.string(),
});

export const SyncAudiencesSchema = z.object({
  /** Segment/tag/group campaigns whose audience was read from the ESP and mirrored. */
  resolved: z.number().int(),
  unresolvable: z.array(UnresolvableAudienceSchema),
});
export type SyncAudiences = z.infer<typeof SyncAudiencesSchema>;
