/**
 * What each ESP's export file looks like, and how its columns map onto a subscriber. A format is
 * recognised from its header; `--format` forces one and `--map "Column=field"` overrides any column.
 *
 * Targets: email, first_name, last_name, status, tags, optin_time, optin_ip, confirm_time, confirm_ip,
 * status_changed_at, status_reason, esp_id, esp_changed_at, blocklisted (a yes/no column meaning
 * unsubscribed), merge:TAG, extra:NAME, extra_json (an Understudy export's JSON column), ignore.
 */
import { userError } from '../../errors';
import type { SubscriberStatus } from '../status';

export type FormatName = 'mailchimp' | 'brevo' | 'mailerlite' | 'kit' | 'understudy' | 'csv';

export type Target =
  | 'email'
  | 'first_name'
  | 'last_name'
  | 'status'
  | 'tags'
  | 'optin_time'
  | 'optin_ip'
  | 'confirm_time'
  | 'confirm_ip'
  | 'status_changed_at'
  | 'status_reason'
  | 'esp_id'
  | 'esp_changed_at'
  | 'blocklisted'
  | 'extra_json'
  | 'ignore'
  | `merge:${string}`
  | `extra:${string}`;

export interface ColumnPlan {
  format: FormatName;
  targets: Target[];
  /** Status every row gets unless a status column says otherwise (Mailchimp's per-status files). */
  impliedStatus: SubscriberStatus | undefined;
  /** Merge field definitions found in the header: tag → column name. */
  mergeFields: { tag: string; name: string }[];
  /** Dates like 05-11-2026 are day-first (Brevo). */
  dayFirst: boolean;
}

const norm = (h: string) =>
  h
    .trim()
    .toLowerCase()
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
  'unsubscribed at': 'status_changed_at',
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
    (h.has('member rating') || h.has('leid') || h.has('euid') || h.has('optin time'))
  )
    return 'mailchimp';
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

const TARGETS = new Set([
  'email',
  'first_name',
  'last_name',
  'status',
  'tags',
  'optin_time',
  'optin_ip',
  'confirm_time',
  'confirm_ip',
  'status_changed_at',
  'status_reason',
  'esp_id',
  'esp_changed_at',
  'blocklisted',
  'extra_json',
  'ignore',
]);

export function parseTarget(t: string, column: string): Target {
  const v = t.trim();
  if (TARGETS.has(v.toLowerCase())) return v.toLowerCase() as Target;
  const m = /^(merge|extra):(.+)$/i.exec(v);
  if (m)
    return `${m[1]!.toLowerCase()}:${m[1]!.toLowerCase() === 'merge' ? tagFromName(m[2]!) : m[2]!.trim()}` as Target;
  throw userError(`--map "${column}=${t}": "${t}" is not a field.`, {
    next: 'Use one of: email, first_name, last_name, status, tags, optin_time, optin_ip, confirm_time, confirm_ip, status_changed_at, status_reason, esp_id, esp_changed_at, blocklisted, merge:TAG, extra:NAME, ignore.',
  });
}

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
      throw userError(`--map names a column "${column}" that the file does not have.`, {
        safe: 'Nothing was imported.',
        next: `The file's columns are: ${header.map((h) => `"${h}"`).join(', ')}.`,
      });
    }
  }
  const used = new Set<string>();
  const mergeFields: { tag: string; name: string }[] = [];
  const targets = header.map((col): Target => {
    const n = norm(col);
    const o = overrideByNorm.get(n);
    let t: Target | undefined = o ? parseTarget(o.target, o.column) : undefined;
    if (!t && format === 'understudy' && col.startsWith(MERGE_PREFIX))
      t = `merge:${col.slice(MERGE_PREFIX.length).trim()}`;
    if (!t) t = table[n];
    if (!t && format === 'mailchimp' && MAILCHIMP_EXTRA.has(n)) t = `extra:${col.trim()}`;
    if (!t && col.trim().startsWith('_')) t = `extra:${col.trim()}`;
    if (!t)
      t = `merge:${format === 'mailchimp' ? (MAILCHIMP_TAGS[n] ?? tagFromName(col)) : tagFromName(col)}`;
    // A second column claiming a single-valued target keeps its data as an extra field instead.
    const single = !t.startsWith('merge:') && !t.startsWith('extra:') && t !== 'ignore';
    if (single && used.has(t)) t = `extra:${col.trim()}`;
    if (t.startsWith('merge:')) {
      const tag = t.slice(6);
      if (mergeFields.some((m) => m.tag === tag)) t = `extra:${col.trim()}`;
      else mergeFields.push({ tag, name: format === 'understudy' ? tag : col.trim() });
    }
    used.add(t);
    return t;
  });
  if (!targets.includes('email')) {
    throw userError(`No email column found in the file (format ${format}).`, {
      code: 'no_email_column',
      safe: 'Nothing was imported.',
      next: `Name the email column with --map, e.g. --map "${header[0] ?? 'Column'}=email". The file's columns are: ${header.map((h) => `"${h}"`).join(', ')}.`,
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
  return { format, targets, impliedStatus, mergeFields, dayFirst: format === 'brevo' };
}
