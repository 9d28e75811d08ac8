/**
 * What each ESP's export file looks like, and how its columns map onto a subscriber. A format is
 * recognised from its header; `--format` forces one and `--map "Column=field"` overrides any column.
 *
 * Targets: the contract's IMPORT_FIELDS (email, first_name, …, and the opt-out fields status, consent,
 * blocklisted, unsubscribed_at, cleaned_at, bounced_at), merge:TAG, extra:NAME, and extra_json (an
 * Understudy export's JSON column).
 *
 * An opt-out signal is never ignored: a column whose name says that people opted out or must not be
 * mailed is mapped to the field that sets the status, whatever the format; a column whose name is
 * about consent but whose meaning is unclear is listed in `plan.unclear`, and the import stops and asks
 * (assertClear) instead of importing everyone as subscribed.
 */
import { userError } from '../../errors';
import { IMPORT_FIELDS, type FileFormat, type ImportField } from '../../api/lists';
import type { SubscriberStatus } from '../../model/status';
import { quoteList, shown } from '../../display';

export type FormatName = FileFormat;

export type Target = ImportField | 'extra_json' | `merge:${string}` | `extra:${string}`;

export interface ColumnPlan {
  format: FormatName;
  targets: Target[];
  /** Status every row gets unless a status column says otherwise (Mailchimp's per-status files). */
  impliedStatus: SubscriberStatus | undefined;
  /** Merge field definitions found in the header: tag → column name. */
  mergeFields: { tag: string; name: string }[];
  /** Dates like 05-11-2026 are day-first (Brevo). */
  dayFirst: boolean;
  /**
   * Columns (indexes) whose name is about consent or opting out but that nothing maps with
   * certainty; the import stops and asks about them unless mapped or the status is forced.
   */
  unclear: number[];
}

const norm = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[\s_-]+/g, ' ');

/** Mailchimp's fixed columns (https://mailchimp.com/help/view-export-contacts/). */
const MAILCHIMP: Record<string, Target> = {
  'email address': 'email',
  'first name': 'first_name',
  'last name': 'last_name',
  'optin time': 'optin_time',
  'optin ip': 'optin_ip',
  'confirm time': 'confirm_time',
  'confirm ip': 'confirm_ip',
  'last changed': 'esp_changed_at',
  euid: 'esp_id',
  'unsub time': 'status_changed_at',
  'unsub reason': 'status_reason',
  'clean time': 'status_changed_at',
  tags: 'tags',
};
const MAILCHIMP_EXTRA = new Set([
  'member rating',
  'latitude',
  'longitude',
  'gmtoff',
  'dstoff',
  'timezone',
  'cc',
  'region',
  'leid',
  'notes',
  'unsub campaign title',
  'unsub campaign id',
  'unsub reason other',
  'clean campaign title',
  'clean campaign id',
]);
/** Mailchimp's default merge fields are exported under their names; these are their tags. */
const MAILCHIMP_TAGS: Record<string, string> = {
  address: 'ADDRESS',
  'phone number': 'PHONE',
  birthday: 'BIRTHDAY',
  company: 'COMPANY',
};

const BREVO: Record<string, Target> = {
  email: 'email',
  firstname: 'first_name',
  prenom: 'first_name',
  vorname: 'first_name',
  nombre: 'first_name',
  nome: 'first_name',
  lastname: 'last_name',
  nom: 'last_name',
  nachname: 'last_name',
  apellidos: 'last_name',
  cognome: 'last_name',
  'added time': 'optin_time',
  'modified time': 'esp_changed_at',
  'email blacklisted': 'blocklisted',
  blacklisted: 'blocklisted',
  'sms blacklisted': 'extra:SMS_BLACKLISTED',
  'email marketing': 'status',
  'contact id': 'esp_id',
  id: 'esp_id',
};

const MAILERLITE: Record<string, Target> = {
  email: 'email',
  subscriber: 'email',
  name: 'first_name',
  'last name': 'last_name',
  status: 'status',
  subscribed: 'optin_time',
  'subscribed at': 'optin_time',
  'date subscribed': 'optin_time',
  'opted in at': 'confirm_time',
  'optin ip': 'confirm_ip',
  'ip address': 'optin_ip',
  'unsubscribed at': 'unsubscribed_at',
  'updated at': 'esp_changed_at',
  groups: 'tags',
  id: 'esp_id',
};

const KIT: Record<string, Target> = {
  'email address': 'email',
  email: 'email',
  'first name': 'first_name',
  'last name': 'last_name',
  state: 'status',
  status: 'status',
  'created at': 'optin_time',
  'confirmed at': 'confirm_time',
  tags: 'tags',
  id: 'esp_id',
};

/**
 * SendGrid Marketing Campaigns contacts export: reserved fields in capitals (EMAIL, FIRST_NAME,
 * ADDRESS_LINE_1, …, CREATED_AT, UPDATED_AT, CONTACT_ID); the rest become merge fields, as the sync
 * keeps them. A SendGrid contact has no status: its unsubscribes and bounces are separate suppression
 * lists (import those with --status unsubscribed, or sync the account).
 */
const SENDGRID: Record<string, Target> = {
  email: 'email',
  'first name': 'first_name',
  'last name': 'last_name',
  'created at': 'optin_time',
  'updated at': 'esp_changed_at',
  'contact id': 'esp_id',
};

/**
 * Klaviyo profile export. "Email Marketing Consent" decides the status (SUBSCRIBED, UNSUBSCRIBED,
 * NEVER_SUBSCRIBED; an empty cell is consent unknown, never a subscriber).
 */
const KLAVIYO: Record<string, Target> = {
  email: 'email',
  'klaviyo id': 'esp_id',
  'first name': 'first_name',
  'last name': 'last_name',
  'email marketing consent': 'consent',
  'email marketing consent timestamp': 'status_changed_at',
  'email suppressions': 'status',
  'email suppression reason': 'status',
  'date added': 'optin_time',
  created: 'optin_time',
  'profile created on': 'optin_time',
  updated: 'esp_changed_at',
  'last updated': 'esp_changed_at',
  'sms consent': 'extra:SMS Consent',
  'sms marketing consent': 'extra:SMS Marketing Consent',
  'sms marketing consent timestamp': 'extra:SMS Marketing Consent Timestamp',
  'email marketing consent method': 'extra:Email Marketing Consent Method',
  'email marketing consent method detail': 'extra:Email Marketing Consent Method Detail',
  'email marketing double optin': 'extra:Email Marketing Double Optin',
};

/** Understudy's own export (exporter.ts): lossless by construction. */
export const UNDERSTUDY_COLUMNS = [
  'Email',
  'Status',
  'First Name',
  'Last Name',
  'Tags',
  'Status Changed At',
  'Status Reason',
  'Optin Time',
  'Optin IP',
  'Confirm Time',
  'Confirm IP',
  'ESP ID',
  'ESP Changed At',
  'Extra (JSON)',
] as const;
export const MERGE_PREFIX = 'Merge: ';
const UNDERSTUDY: Record<string, Target> = {
  email: 'email',
  status: 'status',
  'first name': 'first_name',
  'last name': 'last_name',
  tags: 'tags',
  'status changed at': 'status_changed_at',
  'status reason': 'status_reason',
  'optin time': 'optin_time',
  'optin ip': 'optin_ip',
  'confirm time': 'confirm_time',
  'confirm ip': 'confirm_ip',
  'esp id': 'esp_id',
  'esp changed at': 'esp_changed_at',
  'extra (json)': 'extra_json',
};

const GENERIC: Record<string, Target> = {
  email: 'email',
  'e mail': 'email',
  'email address': 'email',
  'e mail address': 'email',
  mail: 'email',
  courriel: 'email',
  'first name': 'first_name',
  firstname: 'first_name',
  fname: 'first_name',
  'given name': 'first_name',
  vorname: 'first_name',
  prenom: 'first_name',
  'last name': 'last_name',
  lastname: 'last_name',
  lname: 'last_name',
  surname: 'last_name',
  'family name': 'last_name',
  nachname: 'last_name',
  nom: 'last_name',
  name: 'first_name',
  status: 'status',
  tags: 'tags',
};

export function detectFormat(header: string[]): FormatName {
  const h = new Set(header.map(norm));
  if (h.has('extra (json)') && h.has('email') && h.has('status')) return 'understudy';
  if (
    h.has('email address') &&
    (h.has('member rating') ||
      h.has('leid') ||
      h.has('euid') ||
      h.has('optin time') ||
      // A trimmed unsubscribed or cleaned export keeps little more than these.
      h.has('unsub time') ||
      h.has('clean time'))
  )
    return 'mailchimp';
  if (h.has('email') && h.has('klaviyo id')) return 'klaviyo';
  if (
    h.has('email') &&
    h.has('contact id') &&
    (h.has('created at') || h.has('updated at') || h.has('address line 1'))
  )
    return 'sendgrid';
  if (
    header.some((c) => c.trim() === 'EMAIL') &&
    (h.has('added time') ||
      h.has('modified time') ||
      h.has('email blacklisted') ||
      header.filter((c) => /^[A-Z][A-Z0-9_]+$/.test(c.trim())).length >= 2)
  )
    return 'brevo';
  if (
    h.has('email address') &&
    (h.has('state') || h.has('first name')) &&
    header.some((c) => /^[a-z_]+$/.test(c.trim()))
  )
    return 'kit';
  if (
    (h.has('email') || h.has('subscriber')) &&
    (h.has('subscribed at') ||
      h.has('subscribed') ||
      h.has('date subscribed') ||
      h.has('groups') ||
      h.has('opted in at'))
  )
    return 'mailerlite';
  return 'csv';
}

const TABLES: Record<FormatName, Record<string, Target>> = {
  mailchimp: MAILCHIMP,
  brevo: BREVO,
  mailerlite: MAILERLITE,
  kit: KIT,
  sendgrid: SENDGRID,
  klaviyo: KLAVIYO,
  understudy: UNDERSTUDY,
  csv: GENERIC,
};

/** A merge tag from a column name: upper-case letters, digits and underscores. */
export function tagFromName(name: string): string {
  const t = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return t || 'FIELD';
}

const TARGETS = new Set<string>([...IMPORT_FIELDS, 'extra_json']);

export function parseTarget(t: string, column: string): Target {
  const v = t.trim();
  if (TARGETS.has(v.toLowerCase())) return v.toLowerCase() as Target;
  const m = /^(merge|extra):(.+)$/i.exec(v);
  if (m)
    return `${m[1]!.toLowerCase()}:${m[1]!.toLowerCase() === 'merge' ? tagFromName(m[2]!) : m[2]!.trim()}` as Target;
  throw userError(`--map "${shown(column, 80)}=${shown(t, 80)}": "${shown(t, 80)}" is not a field.`, {
    code: 'bad_map',
    safe: 'Nothing was imported.',
    next: `Use one of: ${IMPORT_FIELDS.join(', ')}, merge:TAG, extra:NAME.`,
  });
}

/**
 * Column names that say, in any format, that a person opted out or must not be mailed, and the field
 * that reads them. Matched on the normalised name (lower case, `_`/`-` as spaces, no apostrophes).
 */
const E = '(?:e ?mail )?';
const SIGNALS: [RegExp, Target][] = [
  [
    /^(?:unsub|unsubscribe|unsubscribed|unsubscription|opt ?out|opted out)(?: (?:time|date|at|on|timestamp|datetime))$/,
    'unsubscribed_at',
  ],
  [/^(?:clean|cleaned)(?: (?:time|date|at|on|timestamp))$/, 'cleaned_at'],
  [/^(?:hard )?(?:bounce|bounced)(?: (?:time|date|at|on|timestamp))$/, 'bounced_at'],
  [
    new RegExp(
      `^(?:is )?${E}(?:unsubscribed|opted out|opt ?out|blocklisted|blacklisted|blocked|suppressed|bounced|` +
        `do not (?:e ?mail|mail|contact|send)|dont (?:e ?mail|mail|contact)|donotemail|donotmail|dnc|dne|` +
        `has opted out(?: of e ?mail)?|hasoptedoutofemail|${E}opt ?out)$`,
    ),
    'blocklisted',
  ],
  [
    /^(?:(?:gdpr|e ?mail|marketing|e ?mail marketing|newsletter|e ?mail newsletter) )?(?:consent|consented|permission|opt ?in|opted in)$|^accepts? (?:e ?mail )?marketing$/,
    'consent',
  ],
  [/^(?:subscription|e ?mail|member|subscriber|contact|newsletter|marketing) status$/, 'status'],
  [
    /^date (?:subscribed|joined|signed up)$|^(?:subscribed|signed up|signup|subscription|opt ?in|opted in|joined) (?:at|on|date|time|timestamp)$/,
    'optin_time',
  ],
];

/**
 * Words that make a column a question about consent when nothing above recognised it (e.g.
 * "Unsubscribe reason", "Consent date", "Status 2"): the import asks what it means.
 */
const CONSENT_WORDS =
  /unsub|opt ?(?:out|in)|optout|optin|opted|do ?not|dont|\bdn[ce]\b|\bno ?e ?mail|suppress|block|black ?list|bounce|clean|complain|spam|consent|gdpr|permission|subscri|status|withdr[ae]w|revoke|abmeld|desinscri|désinscri|baja/;

export function planColumns(
  header: string[],
  format: FormatName,
  overrides: Record<string, string>,
): ColumnPlan {
  const table = TABLES[format];
  const overrideByNorm = new Map(
    Object.entries(overrides).map(([k, v]) => [norm(k), { column: k, target: v }]),
  );
  for (const { column } of overrideByNorm.values()) {
    if (!header.some((h) => norm(h) === norm(column))) {
      throw userError(`--map names a column "${shown(column, 80)}" that the file does not have.`, {
        code: 'bad_map',
        safe: 'Nothing was imported.',
        next: `The file's columns are: ${quoteList(header)}.`,
      });
    }
  }
  const used = new Set<string>();
  const mergeFields: { tag: string; name: string }[] = [];
  const mergeTags = new Set<string>();
  const unclear: number[] = [];
  const targets = header.map((col, i): Target => {
    const n = norm(col);
    const o = overrideByNorm.get(n);
    let t: Target | undefined = o ? parseTarget(o.target, o.column) : undefined;
    if (!t && format === 'understudy' && col.startsWith(MERGE_PREFIX))
      t = `merge:${col.slice(MERGE_PREFIX.length).trim()}`;
    if (!t) t = table[n];
    if (!t && format === 'mailchimp' && MAILCHIMP_EXTRA.has(n)) t = `extra:${col.trim()}`;
    if (!t && format !== 'understudy') t = SIGNALS.find(([re]) => re.test(n))?.[1];
    if (!t && col.trim().startsWith('_')) t = `extra:${col.trim()}`;
    if (!t) {
      if (format !== 'understudy' && CONSENT_WORDS.test(n)) unclear.push(i);
      t = `merge:${format === 'mailchimp' ? (MAILCHIMP_TAGS[n] ?? tagFromName(col)) : tagFromName(col)}`;
    }
    // A second column claiming a single-valued target keeps its data as an extra field instead;
    // every column that can say "do not mail" keeps saying it.
    const single = !t.startsWith('merge:') && !t.startsWith('extra:') && t !== 'ignore' && !MULTI.has(t);
    if (single && used.has(t)) t = `extra:${col.trim()}`;
    if (t.startsWith('merge:')) {
      const tag = t.slice(6);
      if (mergeTags.has(tag)) t = `extra:${col.trim()}`;
      else {
        mergeTags.add(tag);
        mergeFields.push({ tag, name: format === 'understudy' ? tag : col.trim() });
      }
    }
    used.add(t);
    return t;
  });
  if (!targets.includes('email')) {
    throw userError(`No email column found in the file (format ${format}).`, {
      code: 'no_email_column',
      safe: 'Nothing was imported.',
      next: `Name the email column with --map, e.g. --map "${shown(header[0] ?? 'Column', 60)}=email". The file's columns are: ${quoteList(header)}.`,
      appNext: `Choose the column that holds the email address. The file's columns are: ${quoteList(header)}.`,
    });
  }
  const hn = new Set(header.map(norm));
  const impliedStatus: SubscriberStatus | undefined =
    format === 'mailchimp'
      ? hn.has('unsub time')
        ? 'unsubscribed'
        : hn.has('clean time')
          ? 'cleaned'
          : undefined
      : undefined;
  return { format, targets, impliedStatus, mergeFields, dayFirst: format === 'brevo', unclear };
}

/** Fields that may come from several columns of one file: each one can only make a status stricter. */
const MULTI = new Set<Target>([
  'status',
  'consent',
  'blocklisted',
  'unsubscribed_at',
  'cleaned_at',
  'bounced_at',
]);

/**
 * Stops an import whose file has a column about consent that nothing maps with certainty: better to
 * ask than to import people who opted out as subscribers. `--map` that column, or a `--status` that
 * mails nobody (unsubscribed, pending, …), answers the question.
 */
export function assertClear(plan: ColumnPlan, header: string[], status: SubscriberStatus | undefined): void {
  if (plan.unclear.length === 0 || (status !== undefined && status !== 'subscribed')) return;
  const cols = plan.unclear.map((i) => header[i]!.trim());
  const c = shown(cols[0]!, 40);
  throw userError(
    `${cols.length === 1 ? 'Column' : 'Columns'} ${quoteList(cols, 120)} may say who agreed to get email or opted out, and Understudy cannot tell how to read ${cols.length === 1 ? 'it' : 'them'}; it will not guess that everyone is subscribed.`,
    {
      code: 'consent_column_unclear',
      safe: 'Nothing was imported; the list is unchanged.',
      next: `Say what it holds: --map "${c}=status" (words like unsubscribed), =consent (no = do not email), =blocklisted (yes = do not email), =unsubscribed_at (a date = unsubscribed), or =ignore (not about consent); or import everyone as not mailable with --status unsubscribed.`,
      appNext: `Say what the column “${c}” holds in the column choices, or import everyone as not mailable.`,
    },
  );
}
