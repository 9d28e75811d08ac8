/** Contract: lists, subscribers, import and export. */
import { z } from 'zod';
import { StatusCountsSchema, SubscriberStatusSchema } from './common';
import { ESP_DISPLAY_NAMES, ESP_KINDS } from './esp';

/**
 * The export formats an import recognises, with the name a person reads: one per ESP kind (esp.ts),
 * then our own and plain CSV. Declared once: the CLI's `--format` help, the import wizard and the
 * importer's column tables all derive from this.
 */
export const IMPORT_FORMATS = [
  ...ESP_KINDS.map((id) => ({ id, label: ESP_DISPLAY_NAMES[id] })),
  { id: 'understudy', label: 'Understudy export' },
  { id: 'csv', label: 'Other CSV' },
] as const;
export type FileFormat = (typeof IMPORT_FORMATS)[number]['id'];
const FORMAT_IDS = IMPORT_FORMATS.map((f) => f.id) as [FileFormat, ...FileFormat[]];
export const ImportFormatSchema = z.enum(['auto', ...FORMAT_IDS]);
export type ImportFormat = z.infer<typeof ImportFormatSchema>;

export const ListSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  providerId: z.number().int().nullable(),
  espListId: z.string().nullable(),
  total: z.number().int(),
  byStatus: StatusCountsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** A list mirrored from an ESP: the end of its last complete sync (null: never synced). */
  mirrorAsOf: z.string().nullable().optional(),
  /** Older than twice the sync interval. */
  mirrorStale: z.boolean().optional(),
});
export type ListSummary = z.infer<typeof ListSummarySchema>;

export const SubscriberSchema = z.object({
  id: z.number().int(),
  listId: z.number().int(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  status: SubscriberStatusSchema,
  statusChangedAt: z.string().nullable(),
  mergeFields: z.record(z.string(), z.string()),
  tags: z.array(z.string()),
  optinTime: z.string().nullable(),
  confirmTime: z.string().nullable(),
  source: z.string(),
  updatedAt: z.string(),
});
export type Subscriber = z.infer<typeof SubscriberSchema>;

/** Columns the subscribers table sorts by (each read in its own index's order). */
export const SubscriberSortSchema = z.enum(['email', 'name', 'status', 'date']);
export type SubscriberSort = z.infer<typeof SubscriberSortSchema>;

export const SubscriberQuerySchema = z.object({
  list: z.string().min(1),
  status: SubscriberStatusSchema.optional(),
  /** Words of the name or address (each the start of a word), an address prefix, or "@domain". */
  search: z.string().max(254).optional(),
  sort: SubscriberSortSchema.default('email'),
  desc: z.boolean().default(false),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
  after: z.string().optional(),
  /** Count the matches too (one index scan of the list: ask once per query, not for every page). */
  count: z.boolean().default(true),
  /** Return the page's rows (false: only count, e.g. after a search's first page was shown). */
  rows: z.boolean().default(true),
});

export const SubscriberPageSchema = z.object({
  /** Number of matches, or null when the query asked not to count. */
  total: z.number().int().nullable(),
  rows: z.array(SubscriberSchema),
});

/**
 * What a column of an import file can be mapped to (`--map "Column=field"`, the wizard's mapping step),
 * besides `merge:TAG` and `extra:NAME`. The opt-out fields set the status: a filled
 * `unsubscribed_at`/`cleaned_at`/`bounced_at` time, a `blocklisted` yes, a `consent` no.
 */
export const IMPORT_FIELDS = [
  'email',
  'first_name',
  'last_name',
  'status',
  'consent',
  'blocklisted',
  'unsubscribed_at',
  'cleaned_at',
  'bounced_at',
  'tags',
  'optin_time',
  'optin_ip',
  'confirm_time',
  'confirm_ip',
  'status_changed_at',
  'status_reason',
  'esp_id',
  'esp_changed_at',
  'ignore',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** A subscriber's page: their fields, tags, what happened to them, what they were sent. */
export const SubscriberDetailSchema = z.object({
  subscriber: SubscriberSchema.extend({
    statusReason: z.string().nullable(),
    createdAt: z.string(),
  }),
  list: z.string(),
  /** Merge fields as the ESP names them (FNAME, CITY …), in name order. */
  fields: z.array(z.object({ name: z.string(), value: z.string() })),
  /** What happened to this subscriber, newest first, in plain words; `detail` is the technical text. */
  history: z.array(z.object({ at: z.string(), text: z.string(), detail: z.string().nullable() })),
  /** What they were sent, newest first; `outcome` in plain words, `detail` the server's reply. */
  sent: z.array(
    z.object({
      campaign: z.string(),
      at: z.string(),
      provider: z.string().nullable(),
      outcome: z.string(),
      delivered: z.boolean().nullable(),
      detail: z.string().nullable(),
    }),
  ),
  /** True when a manual unsubscribe would change something (they are subscribed or pending). */
  canUnsubscribe: z.boolean(),
});
export type SubscriberDetail = z.infer<typeof SubscriberDetailSchema>;

export const SubscriberRefSchema = z.object({ id: z.number().int().min(1) });

export const ImportRequestSchema = z.object({
  file: z.string().min(1),
  list: z.string().min(1).max(200),
  format: ImportFormatSchema.default('auto'),
  /** Column → field, e.g. {"E-mail": "email", "Vorname": "first_name", "Stadt": "merge:CITY"}. */
  map: z.record(z.string(), z.string()).default({}),
  rejectReport: z.string().optional(),
  /** Force an encoding instead of detecting it. */
  encoding: z.enum(['utf-8', 'utf-16le', 'utf-16be', 'windows-1252']).optional(),
  /** Status for rows whose file says nothing about status (default: from the file, else subscribed). */
  status: SubscriberStatusSchema.optional(),
});
export type ImportRequest = z.input<typeof ImportRequestSchema>;

export const ImportResultSchema = z.object({
  list: z.string(),
  format: z.string(),
  encoding: z.string(),
  delimiter: z.string(),
  rows: z.number().int(),
  imported: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  byStatus: StatusCountsSchema,
  rejectReport: z.string().nullable(),
  durationMs: z.number(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

/**
 * The one-line result of an import, as the app and the CLI say it: how many people are in the list
 * from this file, and — never hidden below the fold — the rows that were not imported and the
 * duplicates that were merged. ("1,000 rows" when 40 were rejected would overstate the list.)
 */
export function importHeadline(
  r: Pick<ImportResult, 'list' | 'imported' | 'updated' | 'unchanged' | 'duplicates' | 'rejected'>,
): string {
  const n = (x: number) => x.toLocaleString('en');
  const people = r.imported + r.updated + r.unchanged;
  const parts = [`${n(people)} ${people === 1 ? 'person' : 'people'} imported into “${r.list}”`];
  const extra: string[] = [];
  if (r.rejected > 0) extra.push(`${n(r.rejected)} ${r.rejected === 1 ? 'row' : 'rows'} not imported`);
  if (r.duplicates > 0)
    extra.push(`${n(r.duplicates)} ${r.duplicates === 1 ? 'duplicate' : 'duplicates'} merged`);
  return extra.length ? `${parts[0]}; ${extra.join(', ')}` : parts[0]!;
}

export const ImportProgressSchema = z.object({
  taskId: z.string(),
  phase: z.enum(['reading', 'merging', 'done']),
  rows: z.number().int(),
  bytes: z.number().int(),
  totalBytes: z.number().int(),
});
export type ImportProgress = z.infer<typeof ImportProgressSchema>;

export const ExportRequestSchema = z.object({
  list: z.string().min(1),
  out: z.string().min(1),
  /**
   * Replace a file that already exists at `out` (the person confirmed it, e.g. in the save dialog).
   * The database, the secret file and backups are refused regardless.
   */
  force: z.boolean().optional(),
});
export const ExportResultSchema = z.object({ list: z.string(), out: z.string(), rows: z.number().int() });
export type ExportResult = z.infer<typeof ExportResultSchema>;
