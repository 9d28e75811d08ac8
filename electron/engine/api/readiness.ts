/**
 * One readiness view (issue 16 §6, issue 15 §2): for each backup account, whether its mail will be
 * delivered (authentication), whether it was proved to work (last drill), whether it is warm, its caps
 * and whether it can carry the largest upcoming campaign in time; plus the setup around it (a list,
 * the postal address and unsubscribe, the backup mailbox, passwords, mirror freshness, a backup copy).
 * One overall verdict and the single next thing to do, with the screen it is done on. Computed from
 * stored facts on every call, never stored, so the CLI, the dashboard card and the screen agree.
 */
import { z } from 'zod';
import { call } from './define';
import { AuthVerdictSchema, DnsRecordSchema } from './auth';
import { WarmupStateSchema } from './capacity';

export const READINESS_VERDICTS = ['ready', 'warnings', 'not_ready'] as const;
export const ReadinessVerdictSchema = z.enum(READINESS_VERDICTS);
export type ReadinessVerdict = z.infer<typeof ReadinessVerdictSchema>;

/** How each overall verdict reads to a person. */
export const READINESS_VERDICT_LABEL: Record<ReadinessVerdict, string> = {
  ready: 'Ready',
  warnings: 'Ready, with warnings',
  not_ready: 'Not ready',
};

/** One fact's state: fine, worth a look, or in the way of an outage going well. */
export const CheckStateSchema = z.enum(['ok', 'warning', 'problem']);
export type CheckState = z.infer<typeof CheckStateSchema>;

/**
 * The screens a step is done on (declared once: the renderer shows them as links, the CLI names
 * them as "in the app: …").
 */
export const READINESS_SCREENS = [
  'lists',
  'campaigns',
  'providers',
  'settings',
  'backups',
  'readiness',
] as const;
export const ReadinessScreenSchema = z.enum(READINESS_SCREENS);
export type ReadinessScreen = z.infer<typeof ReadinessScreenSchema>;
export const READINESS_SCREEN_LABEL: Record<ReadinessScreen, string> = {
  lists: 'Lists',
  campaigns: 'Campaigns',
  providers: 'Providers',
  settings: 'Settings',
  backups: 'Backups',
  readiness: 'Readiness',
};

/** A backup carries the largest upcoming campaign "in time" when all of it goes out within this. */
export const CARRY_WITHIN_HOURS = 24;
/** A backup whose last drill is older than this many drill intervals counts as not proved lately. */
export const DRILL_STALE_INTERVALS = 2;
/** DNS answers older than this are worth checking again. */
export const AUTH_STALE_DAYS = 7;

/** The first-run checklist that stays as the readiness card (issue 15 §2), in this order. */
export const CHECKLIST_ITEMS = ['list', 'backup', 'postal', 'mailbox', 'drill'] as const;
export const ChecklistIdSchema = z.enum(CHECKLIST_ITEMS);

export const ChecklistItemSchema = z.object({
  id: ChecklistIdSchema,
  label: z.string(),
  done: z.boolean(),
  /** What is there, or what is missing, in plain words. */
  words: z.string(),
  screen: ReadinessScreenSchema,
});
export type ChecklistItem = z.infer<typeof ChecklistItemSchema>;

export const SETUP_CHECKS = ['postal', 'secrets', 'mailbox', 'mirror', 'backupCopy'] as const;

export const SetupCheckSchema = z.object({
  id: z.enum(SETUP_CHECKS),
  label: z.string(),
  state: CheckStateSchema,
  words: z.string(),
  screen: ReadinessScreenSchema,
  /** When the fact was last true (a sync, a backup copy), ISO UTC, for the details toggle. */
  at: z.string().nullable(),
});
export type SetupCheck = z.infer<typeof SetupCheckSchema>;

export const BackupAuthSchema = z.object({
  /** The worst verdict over the From domains in use; null when there is no From domain to check. */
  verdict: AuthVerdictSchema.nullable(),
  state: CheckStateSchema,
  words: z.string(),
  domains: z.array(
    z.object({
      domain: z.string(),
      verdict: AuthVerdictSchema,
      headline: z.string(),
      loud: z.boolean(),
      reasons: z.array(z.string()),
      records: z.array(DnsRecordSchema),
    }),
  ),
  checkedAt: z.string().nullable(),
});

export const BackupDrillSchema = z.object({
  result: z.enum(['passed', 'failed', 'running']).nullable(),
  at: z.string().nullable(),
  state: CheckStateSchema,
  words: z.string(),
  /** Authentication of the drill message on arrival (SPF, DKIM, DMARC, ARC), when it was checked. */
  auth: z.object({ spf: z.string(), dkim: z.string(), dmarc: z.string(), arc: z.string() }).nullable(),
  detail: z.string().nullable(),
});

export const BackupWarmupSchema = z.object({
  state: WarmupStateSchema,
  idleDays: z.number().int().nullable(),
  capPerHour: z.number().int().nullable(),
  curveDay: z.number().int().nullable(),
  curveDays: z.number().int().nullable(),
  declaredWarm: z.boolean(),
  words: z.string(),
});

export const BackupCarrySchema = z.object({
  /** null: no upcoming campaign to judge by. */
  campaignId: z.number().int().nullable(),
  campaign: z.string().nullable(),
  remaining: z.number().int(),
  deliverable: z.number().int(),
  finishAt: z.string().nullable(),
  /** All of it within CARRY_WITHIN_HOURS through this backup alone; null: nothing to carry. */
  inTime: z.boolean().nullable(),
  state: CheckStateSchema,
  words: z.string(),
});

export const BackupReadinessSchema = z.object({
  provider: z.string(),
  providerId: z.number().int(),
  preset: z.string().nullable(),
  enabled: z.boolean(),
  health: z.string(),
  state: CheckStateSchema,
  /** One line: what is wrong with this backup, or that it is ready. */
  words: z.string(),
  auth: BackupAuthSchema,
  drill: BackupDrillSchema,
  warmup: BackupWarmupSchema,
  caps: z.object({
    perSecond: z.number().nullable(),
    perMinute: z.number().nullable(),
    perHour: z.number().nullable(),
    perDay: z.number().nullable(),
  }),
  capsWords: z.string(),
  carry: BackupCarrySchema,
});
export type BackupReadiness = z.infer<typeof BackupReadinessSchema>;

export const NextStepSchema = z.object({
  /** The single next thing to do, in a marketer's words. */
  text: z.string(),
  why: z.string(),
  screen: ReadinessScreenSchema,
});
export type NextStep = z.infer<typeof NextStepSchema>;

export const ReadinessSchema = z.object({
  verdict: ReadinessVerdictSchema,
  headline: z.string(),
  /** null when there is nothing left to do. */
  next: NextStepSchema.nullable(),
  checklist: z.array(ChecklistItemSchema),
  checks: z.array(SetupCheckSchema),
  backups: z.array(BackupReadinessSchema),
  /** The largest upcoming campaign and what the whole chain of backups makes of it. */
  largest: z
    .object({
      campaignId: z.number().int(),
      name: z.string(),
      remaining: z.number().int(),
      scheduledAt: z.string().nullable(),
      summary: z.string(),
    })
    .nullable(),
  fromDomains: z.array(z.string()),
  computedAt: z.string(),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

export const readinessCalls = {
  readiness: call({
    description:
      'Backup readiness: per backup account its authentication, last drill, warm-up, caps and whether it can carry the largest upcoming campaign; the setup around it; one verdict and the next thing to do.',
    input: z.object({}).default({}),
    output: ReadinessSchema,
    mutates: false,
  }),
};
