/**
 * Contract: continuity — schedule, health, incidents and their reports, backups, drills, the backup
 * mailbox, communications and the continuity settings. Payload schemas of the `health.changed` and
 * `notification` channels are here too (see events.ts).
 */
import { z } from 'zod';
import { call } from './define';
import {
  HealthStateSchema,
  ProviderKindSchema,
  SeveritySchema,
  TimelineEventSchema,
  type HealthState,
} from './common';

/** What a restore request checked before it was arranged. */
const RestoreCheckSchema = z.object({
  path: z.string(),
  schemaVersion: z.number().int(),
  integrity: z.string(),
  counts: z.record(z.string(), z.number()),
});

export { HealthStateSchema };
export type { HealthState };

export const HealthChangeSchema = z.object({
  providerId: z.number().int(),
  provider: z.string(),
  kind: ProviderKindSchema,
  from: HealthStateSchema,
  to: HealthStateSchema,
  detail: z.string(),
  at: z.string(),
  incidentId: z.number().int().nullable(),
});
export type HealthChangeEvent = z.infer<typeof HealthChangeSchema>;

/** What the app turns into a desktop notification. */
export const NotificationSchema = z.object({
  title: z.string(),
  body: z.string(),
  severity: SeveritySchema.exclude(['debug']),
  at: z.string(),
  eventId: z.number().int(),
  campaignId: z.number().int().nullable(),
  incidentId: z.number().int().nullable(),
  providerId: z.number().int().nullable(),
});
export type NotificationEvent = z.infer<typeof NotificationSchema>;

/**
 * What the team alert channel emails about (declared once): each kind with the timeline event types
 * that raise it. Outage start and end always go out; the others at most once per kind and subject
 * in ALERT_THROTTLE_MINUTES.
 */
export const ALERT_KINDS = {
  espDown: 'esp.down',
  espUp: 'esp.up',
  providerDown: 'provider.down',
  providerUp: 'provider.up',
  providerPaused: 'provider.paused',
  custody: 'custody.alert',
  doubleSend: 'custody.double_send',
  staleMirror: 'mirror.stale',
  drillFailed: 'drill.failed',
} as const;
export type AlertKind = (typeof ALERT_KINDS)[keyof typeof ALERT_KINDS];
export const ALERT_THROTTLE_MINUTES = 30;

/** Timeline events of the team alert channel itself. */
export const ALERT_EVENTS = {
  sent: 'alert.sent',
  failed: 'alert.failed',
  throttled: 'alert.throttled',
} as const;

/** One piece of periodic work of a running engine (health, custody, sync, backups, inbox, drills…). */
export const PeriodicJobSchema = z.object({
  name: z.string(),
  /** Interval in ms (null: not scheduled, e.g. no mailbox set up). */
  everyMs: z.number().nullable(),
  lastRunAt: z.string().nullable(),
  lastResult: z.enum(['ok', 'failed', 'skipped']).nullable(),
  detail: z.string().nullable(),
});
export type PeriodicJob = z.infer<typeof PeriodicJobSchema>;

const ProbeResultSchema = z.object({
  state: z.enum(['ok', 'degraded', 'fail', 'unknown']),
  detail: z.string(),
  latencyMs: z.number().optional(),
});

export const ProviderHealthSchema = z.object({
  providerId: z.number().int(),
  provider: z.string(),
  kind: ProviderKindSchema,
  state: HealthStateSchema,
  since: z.string().nullable(),
  lastProbeAt: z.string().nullable(),
  lastResult: ProbeResultSchema.nullable(),
  failures: z.number().int(),
  successes: z.number().int(),
  nextProbeAt: z.string().nullable(),
});
export type ProviderHealth = z.infer<typeof ProviderHealthSchema>;

export const IncidentSchema = z.object({
  id: z.number().int(),
  providerId: z.number().int().nullable(),
  providerName: z.string().nullable(),
  title: z.string(),
  status: z.enum(['open', 'closed']),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type Incident = z.infer<typeof IncidentSchema>;

export const OutageModeSchema = z.enum(['pause', 'wait', 'backup']);
export const CatchUpPolicySchema = z.enum(['send', 'ask', 'skip']);
/** What a subscriber notice is: a status notice during an outage, or an apology after it. */
export const NoticeKindSchema = z.enum(['status', 'apology']);
/** The answer to a missed send time. */
export const CatchUpDecisionSchema = z.enum(['send', 'skip']);

export const OutagePolicyInputSchema = z.object({
  mode: OutageModeSchema,
  waitMinutes: z.number().int().min(1).max(1440).default(30),
});

/** The outage policy in force for one campaign: its own, or the default from the settings. */
export const CampaignOutagePolicySchema = OutagePolicyInputSchema.extend({
  source: z.enum(['campaign', 'default']),
});
export type CampaignOutagePolicy = z.infer<typeof CampaignOutagePolicySchema>;

export const ContinuitySettingsSchema = z.object({
  timeZone: z.string(),
  outagePolicy: OutagePolicyInputSchema,
  catchUp: z.object({
    policy: CatchUpPolicySchema,
    afterHours: z.number(),
    graceMinutes: z.number(),
  }),
  health: z.object({
    intervalSeconds: z.number(),
    failuresToDown: z.number().int(),
    successesToUp: z.number().int(),
    maxBackoffSeconds: z.number(),
    timeoutSeconds: z.number(),
  }),
  backups: z.object({
    dir: z.string().optional(),
    intervalMinutes: z.number().int(),
    keepHourly: z.number().int(),
    keepDaily: z.number().int(),
    keepPreRestore: z.number().int(),
    exportLists: z.boolean(),
    mirrorDir: z.string().optional(),
    encrypt: z.boolean(),
  }),
  /** Scheduled sync of every ESP connection (incremental; a full pass every fullEveryHours). */
  sync: z.object({
    everyMinutes: z.number().int(),
    fullEveryHours: z.number(),
  }),
  /** The team alert channel: who gets an email when something needs a person. */
  alerts: z.object({
    to: z.array(z.string()),
    from: z.string().optional(),
  }),
  mailbox: z
    .object({
      host: z.string(),
      port: z.number().int(),
      secure: z.boolean(),
      user: z.string(),
      mailbox: z.string(),
      seedAddress: z.string().optional(),
      pollMinutes: z.number(),
    })
    .nullable(),
});
export type ContinuitySettings = z.infer<typeof ContinuitySettingsSchema>;

export const ScheduledCampaignSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  subject: z.string(),
  status: z.string(),
  provider: z.string().nullable(),
  scheduledAt: z.string().nullable(),
  timeZone: z.string().nullable(),
  shown: z.string().nullable(),
  note: z.string().nullable(),
  hold: z.enum(['catchup', 'outage']).nullable(),
  waitUntil: z.string().nullable(),
  /** What happens if its ESP or provider is down at its send time. */
  outagePolicy: CampaignOutagePolicySchema.optional(),
});
export type ScheduledCampaign = z.infer<typeof ScheduledCampaignSchema>;

export const BackupSchema = z.object({
  id: z.number().int(),
  path: z.string(),
  kind: z.string(),
  createdAt: z.string(),
  sizeBytes: z.number().int(),
  schemaVersion: z.number().int(),
  integrity: z.string(),
  deletedAt: z.string().nullable(),
});
export type Backup = z.infer<typeof BackupSchema>;

export const DrillSchema = z.object({
  id: z.number().int(),
  providerId: z.number().int().nullable(),
  providerName: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  result: z.enum(['running', 'passed', 'failed']),
  messageId: z.string().nullable(),
  detail: z.string().nullable(),
});
export type Drill = z.infer<typeof DrillSchema>;

export const InboxResultSchema = z.object({
  mailbox: z.string(),
  examined: z.number().int(),
  unsubscribes: z.number().int(),
  bounces: z.number().int(),
  complaints: z.number().int(),
  ignored: z.number().int(),
  queuedForEsp: z.number().int(),
});

const Ok = z.object({ message: z.string() });

export const continuityCallsCore = {
  continuitySettings: call({
    description:
      'The continuity settings (time zone, outage and catch-up policies, health, backups, mailbox).',
    input: z.object({}).default({}),
    output: ContinuitySettingsSchema,
    mutates: false,
  }),
  updateContinuitySettings: call({
    description: 'Change continuity settings; omitted parts are kept.',
    input: z.object({
      timeZone: z.string().optional(),
      outagePolicy: OutagePolicyInputSchema.optional(),
      catchUp: ContinuitySettingsSchema.shape.catchUp.partial().optional(),
      health: ContinuitySettingsSchema.shape.health.partial().optional(),
      backups: ContinuitySettingsSchema.shape.backups.partial().optional(),
      sync: ContinuitySettingsSchema.shape.sync.partial().optional(),
      alerts: ContinuitySettingsSchema.shape.alerts.partial().optional(),
    }),
    output: ContinuitySettingsSchema,
    mutates: true,
  }),
  scheduleList: call({
    description: 'Scheduled, paused and sending campaigns with their times in the person’s zone and holds.',
    input: z.object({}).default({}),
    output: z.array(ScheduledCampaignSchema),
    mutates: false,
  }),
  scheduleCampaign: call({
    description:
      'Schedule or reschedule a campaign at a wall-clock time in a zone (DST explained); a time in the past is refused unless sendNow.',
    input: z.object({
      campaignId: z.number().int(),
      at: z.string().min(1).optional(),
      timeZone: z.string().optional(),
      /** The person said "send now": scheduled at this instant, sent by the scheduler's next pass. */
      sendNow: z.boolean().optional(),
    }),
    output: z.object({ utc: z.string(), shown: z.string(), note: z.string().nullable() }),
    mutates: true,
  }),
  campaignPolicy: call({
    description: "A campaign's outage policy in force: its own, or the default.",
    input: z.object({ campaignId: z.number().int().positive() }),
    output: CampaignOutagePolicySchema,
    mutates: false,
  }),
  setCampaignPolicy: call({
    description:
      "Set a campaign's own outage policy (pause, wait N minutes, backup), or 'default' to follow the settings.",
    input: z.object({
      campaignId: z.number().int().positive(),
      outage: z.enum(['pause', 'wait', 'backup', 'default']),
      waitMinutes: z.number().int().min(1).max(1440).optional(),
    }),
    output: CampaignOutagePolicySchema,
    mutates: true,
  }),
  pauseScheduled: call({
    description: 'Pause a scheduled or sending campaign (and unschedule it at its ESP).',
    input: z.object({ campaignId: z.number().int() }),
    output: Ok,
    mutates: true,
  }),
  resumeScheduled: call({
    description: 'Resume a paused campaign.',
    input: z.object({ campaignId: z.number().int() }),
    output: Ok,
    mutates: true,
  }),
  cancelScheduled: call({
    description: 'Cancel a campaign (and at its ESP).',
    input: z.object({ campaignId: z.number().int() }),
    output: Ok,
    mutates: true,
  }),
  decideCatchUp: call({
    description: 'Answer a missed-send-time question: send now or skip.',
    input: z.object({ campaignId: z.number().int(), decision: CatchUpDecisionSchema }),
    output: Ok,
    mutates: true,
  }),
  healthStatus: call({
    description: 'Health of every provider and ESP, with the last probe.',
    input: z.object({}).default({}),
    output: z.array(ProviderHealthSchema),
    mutates: false,
  }),
  checkHealthNow: call({
    description: 'Probe every provider now.',
    input: z.object({}).default({}),
    output: z.array(HealthChangeSchema),
    mutates: true,
  }),
  listIncidents: call({
    description: 'Incidents, newest first.',
    input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).default({ limit: 100 }),
    output: z.array(IncidentSchema),
    mutates: false,
  }),
  getIncident: call({
    description: 'One incident with its timeline.',
    input: z.object({ id: z.number().int() }),
    output: IncidentSchema.extend({ timeline: z.array(TimelineEventSchema) }),
    mutates: false,
  }),
  addIncidentNote: call({
    description: 'Add a note to an incident’s timeline.',
    input: z.object({ id: z.number().int(), text: z.string().min(1).max(10_000) }),
    output: TimelineEventSchema,
    mutates: true,
  }),
  incidentReport: call({
    description:
      'The post-incident report as a self-contained HTML page (printable to PDF); optionally saved.',
    input: z.object({ id: z.number().int(), out: z.string().optional(), force: z.boolean().optional() }),
    output: z.object({ html: z.string(), out: z.string().nullable() }),
    // Writes `out` when given (a GET of it once replaced the database with a report).
    mutates: true,
    paths: { out: 'save' },
  }),
  listBackups: call({
    description: 'Backups on disk, newest first.',
    input: z.object({}).default({}),
    output: z.object({ dir: z.string(), backups: z.array(BackupSchema) }),
    mutates: false,
  }),
  takeBackup: call({
    description: 'Take a verified backup now (with a CSV export of every list).',
    input: z.object({}).default({}),
    output: BackupSchema.extend({
      listsDir: z.string().nullable(),
      lists: z.number().int(),
      durationMs: z.number(),
      /** The saved passwords and unsubscribe key carried beside it (encrypted under the passphrase). */
      keysFile: z.string().nullable(),
      encrypted: z.boolean(),
      /** The copy in the second backup folder, or why it failed (the backup itself still counts). */
      mirror: z.union([z.object({ path: z.string() }), z.object({ error: z.string() })]).optional(),
    }),
    mutates: true,
  }),
  requestRestore: call({
    description:
      'Check a backup and arrange for it to replace the database at the next start (the app restarts to apply it).',
    input: z.object({ file: z.string().min(1) }),
    output: RestoreCheckSchema,
    mutates: true,
    paths: { file: 'open' },
  }),
  restoreBackup: call({
    description:
      'Arrange for one of the backups Understudy took (by its id in listBackups) to replace the database at the next start.',
    input: z.object({ id: z.number().int().positive() }),
    output: RestoreCheckSchema,
    mutates: true,
  }),
  runDrill: call({
    description:
      'Send a test message through each provider (or one) to the seed mailbox and confirm it arrived.',
    input: z.object({ provider: z.string().optional() }).default({}),
    output: z.array(DrillSchema),
    mutates: true,
  }),
  listDrills: call({
    description: 'Drill history, newest first.',
    input: z.object({}).default({}),
    output: z.array(DrillSchema),
    mutates: false,
  }),
  setupMailbox: call({
    description:
      'Set up the backup sending mailbox (IMAP): where unsubscribe requests and bounces arrive, and the seed address drills send to. The password goes to the secret store; empty keeps the stored one.',
    input: z.object({
      host: z.string().trim().min(1),
      port: z.number().int().min(1).max(65535).default(993),
      secure: z.boolean().default(true),
      user: z.string().trim().min(1),
      password: z.string().min(1).optional(),
      mailbox: z.string().trim().min(1).default('INBOX'),
      seedAddress: z.string().trim().email().optional(),
      seedMailbox: z.string().trim().min(1).default('INBOX'),
    }),
    output: ContinuitySettingsSchema.shape.mailbox.unwrap(),
    mutates: true,
  }),
  processInbox: call({
    description:
      'Read the backup sending mailbox: unsubscribe requests and bounce reports become suppressions.',
    input: z.object({}).default({}),
    output: InboxResultSchema,
    mutates: true,
  }),
};

export const communicationCalls = {
  importCodes: call({
    description: 'Import unique compensation codes from a CSV into a named batch.',
    input: z.object({ file: z.string().min(1), batch: z.string().min(1).max(100) }),
    output: z.object({
      batch: z.string(),
      added: z.number().int(),
      duplicates: z.number().int(),
      free: z.number().int(),
    }),
    mutates: true,
    paths: { file: 'open' },
  }),
  createNotice: call({
    description:
      'Create a subscriber status notice or an apology (optionally with a compensation code each) as a campaign.',
    input: z.object({
      kind: NoticeKindSchema,
      list: z.string().min(1),
      from: z.string().min(3),
      company: z.string().optional(),
      subject: z.string().optional(),
      message: z.string().max(5000).optional(),
      codes: z.string().optional(),
      at: z.string().optional(),
    }),
    output: z.object({
      campaignId: z.number().int(),
      codes: z.object({ assigned: z.number().int(), withoutCode: z.number().int() }).nullable(),
    }),
    mutates: true,
  }),
  sendStakeholderUpdate: call({
    description:
      'Email the team a status update (open incidents, provider health, held campaigns) through any working provider.',
    input: z.object({
      to: z.array(z.string().email()).min(1),
      from: z.string().email(),
      note: z.string().max(5000).optional(),
    }),
    output: z.object({ provider: z.string(), to: z.array(z.string()), subject: z.string() }),
    mutates: true,
  }),
};

export const continuityCalls = { ...continuityCallsCore, ...communicationCalls };
