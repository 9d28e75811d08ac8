/**
 * Contract: the post-incident review and the disaster-recovery runbook (issue 16 §7).
 *
 * The review is what the team concluded after an outage — its cause (a choice plus words), what
 * worked, what did not, and the actions with an owner — edited in the app or the CLI and printed with
 * the incident's report. The runbook is the plan for the next outage, generated from this setup: who
 * to tell, the rules in force, each backup's readiness and DNS records, the last drills, where the
 * backups are and how to restore, and the subscriber notice templates.
 */
import { z } from 'zod';
import { call } from './define';

/** What caused an outage, as the review records it (declared once; the words are beside it). */
export const INCIDENT_CAUSES = [
  'esp_outage',
  'esp_account',
  'backup_provider',
  'authentication',
  'credentials',
  'network',
  'human_error',
  'other',
] as const;
export const IncidentCauseSchema = z.enum(INCIDENT_CAUSES);
export type IncidentCause = z.infer<typeof IncidentCauseSchema>;

/** How the app, the CLI and the printed report name each cause. */
export const INCIDENT_CAUSE_WORDS: Record<IncidentCause, string> = {
  esp_outage: 'The email service (ESP) was down',
  esp_account: 'Our account at the email service was blocked or suspended',
  backup_provider: 'A backup sending account failed',
  authentication: 'Email authentication (SPF, DKIM, DMARC) was not in place',
  credentials: 'A password or API key was wrong or had expired',
  network: 'Our internet connection or computer was down',
  human_error: 'A mistake on our side',
  other: 'Something else (see the description)',
};

/** Timeline event types of the review (declared once; words in words.ts). */
export const REVIEW_EVENTS = {
  saved: 'incident.review_saved',
  actionAdded: 'incident.action_added',
  actionChanged: 'incident.action_changed',
} as const;

const text = (max: number) => z.string().trim().max(max);

export const ReviewActionSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  owner: z.string(),
  done: z.boolean(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
});
export type ReviewAction = z.infer<typeof ReviewActionSchema>;

export const IncidentReviewSchema = z.object({
  incidentId: z.number().int(),
  cause: IncidentCauseSchema.nullable(),
  causeText: z.string(),
  worked: z.string(),
  didNotWork: z.string(),
  /** When the review was last saved (UTC); null until it is written. */
  updatedAt: z.string().nullable(),
  actions: z.array(ReviewActionSchema),
});
export type IncidentReview = z.infer<typeof IncidentReviewSchema>;

/** A change to the review's text: only the fields given change. */
export const ReviewChangeSchema = z.object({
  id: z.number().int().min(1),
  cause: IncidentCauseSchema.nullable().optional(),
  causeText: text(5000).optional(),
  worked: text(5000).optional(),
  didNotWork: text(5000).optional(),
});
export type ReviewChange = z.infer<typeof ReviewChangeSchema>;

export const ActionInputSchema = z.object({
  id: z.number().int().min(1),
  text: text(1000).pipe(z.string().min(1, 'Say what is to be done.')),
  owner: text(200).pipe(z.string().min(1, 'Say who will do it.')),
});

export const ActionChangeSchema = z.object({
  id: z.number().int().min(1),
  actionId: z.number().int().min(1),
  text: text(1000).pipe(z.string().min(1)).optional(),
  owner: text(200).pipe(z.string().min(1)).optional(),
  done: z.boolean().optional(),
  remove: z.boolean().optional(),
});
export type ActionChange = z.infer<typeof ActionChangeSchema>;

/** One line of the runbook's readiness table: a backup account as the plan relies on it. */
export const RunbookBackupSchema = z.object({
  name: z.string(),
  preset: z.string().nullable(),
  enabled: z.boolean(),
  /** Where it stands in the order ("1st", or "shares the load"). */
  order: z.string(),
  authentication: z.string(),
  /** DNS records the sending domain needs for this backup, in words a DNS host understands. */
  dnsRecords: z.array(z.object({ type: z.string(), name: z.string(), value: z.string(), why: z.string() })),
  warmup: z.string(),
  caps: z.string(),
  lastDrill: z.string(),
});

export const RunbookSchema = z.object({
  company: z.string(),
  generatedAt: z.string(),
  timeZone: z.string(),
  /** Who is told during an outage, and how. */
  contacts: z.array(z.string()),
  rules: z.array(z.string()),
  backups: z.array(RunbookBackupSchema),
  drills: z.array(z.string()),
  backupCopies: z.array(z.string()),
  restore: z.array(z.string()),
  notices: z.array(z.object({ kind: z.string(), subject: z.string(), text: z.string() })),
  /** Things the plan found missing, each with what to do. */
  gaps: z.array(z.string()),
  html: z.string(),
});
export type Runbook = z.infer<typeof RunbookSchema>;

export const reviewCalls = {
  getIncidentReview: call({
    description: "An incident's review: cause, what worked and what did not, actions with owners.",
    input: z.object({ id: z.number().int().min(1) }),
    output: IncidentReviewSchema,
    mutates: false,
  }),
  saveIncidentReview: call({
    description: "Change an incident's review (cause, what worked, what did not).",
    input: ReviewChangeSchema,
    output: IncidentReviewSchema,
    mutates: true,
  }),
  addReviewAction: call({
    description: 'Add an action with an owner to an incident’s review.',
    input: ActionInputSchema,
    output: IncidentReviewSchema,
    mutates: true,
  }),
  changeReviewAction: call({
    description: 'Mark a review action done (or not), change its text or owner, or remove it.',
    input: ActionChangeSchema,
    output: IncidentReviewSchema,
    mutates: true,
  }),
  runbook: call({
    description:
      'The disaster-recovery runbook generated from this setup, as facts and a printable HTML page.',
    input: z.object({}).default({}),
    output: RunbookSchema,
    mutates: false,
  }),
};
