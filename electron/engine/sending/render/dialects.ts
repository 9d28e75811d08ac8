/**
 * Merge-tag dialects of the ESPs Understudy stands in for. Each turns a template into the neutral
 * tokens of template.ts. References:
 * - Mailchimp merge tags and conditional blocks: https://mailchimp.com/help/all-the-merge-tags-cheat-sheet/
 *   and https://mailchimp.com/help/use-conditional-merge-tag-blocks/
 * - Brevo (Django-like): https://help.brevo.com/hc/en-us/articles/4402386448530
 * - MailerLite: `{$name}`, `{$unsubscribe}` and the newer `{{ subscriber.* }}` syntax
 * - Kit (Liquid): `{{ subscriber.first_name | default: "there" }}`, `{{ unsubscribe_url }}`
 * - SendGrid (Handlebars): `{{first_name}}`, `{{{unsubscribe}}}`, `{{insert name "default=x"}}`
 * - Klaviyo (Django): `{{ first_name|default:"there" }}`, `{{ person.email }}`, `{% unsubscribe %}`
 * - local: `{{first_name}}`, `{{field.CITY|fallback}}`, `{{#if first_name}}…{{else}}…{{/if}}`
 *
 * A tag this module does not understand becomes an `unknown` token: it renders as nothing (a
 * recipient never sees `*|FOO|*`) and is reported as a warning before anything is sent.
 */
import type { Cond, Filter, FilterName, Token, ValueRef } from './template';
import { DIALECTS, type Dialect } from '../../api/sending';

/** The dialects are declared in the contract (api/sending.ts). */
export { DIALECTS, type Dialect };

export interface TokenizeOptions {
  /** Compile-time "now", for date tags. */
  now: Date;
}

const builtin = (name: Extract<ValueRef, { kind: 'builtin' }>['name'], arg?: string): ValueRef =>
  arg === undefined ? { kind: 'builtin', name } : { kind: 'builtin', name, arg };

/** Merge-field tag as the importer stores it: upper-case letters, digits and underscores. */
export function normalizeTag(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** A merge field, or the built-in it really is (FNAME is the first name, wherever it is stored). */
export function fieldRef(name: string): ValueRef {
  const tag = normalizeTag(name);
  if (['FNAME', 'FIRSTNAME', 'FIRST_NAME'].includes(tag)) return builtin('first_name');
  if (['LNAME', 'LASTNAME', 'LAST_NAME', 'SURNAME'].includes(tag)) return builtin('last_name');
  if (['EMAIL', 'EMAIL_ADDRESS'].includes(tag)) return builtin('email');
  return { kind: 'field', tag };
}

function decodeEntities(s: string): string {
  // WYSIWYG editors store quotes inside tags as entities: {{ x | default:&quot;friend&quot; }}
  return s
    .replace(/&quot;|&#34;|&#x22;/gi, '"')
    .replace(/&#39;|&apos;|&#x27;/gi, "'")
    .replace(/&nbsp;|&#160;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&amp;/gi, '&')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"');
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.at(-1) === t[0]) return t.slice(1, -1);
  return t;
}

/** Split on `sep` outside quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | undefined;
  for (const ch of s) {
    if (q) {
      if (ch === q) q = undefined;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      q = ch;
      cur += ch;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const FILTERS: Record<string, FilterName> = {
  default: 'default',
  default_if_none: 'default',
  fallback: 'default',
  upper: 'upper',
  upcase: 'upper',
  uppercase: 'upper',
  lower: 'lower',
  downcase: 'lower',
  lowercase: 'lower',
  title: 'title',
  capitalize: 'capitalize',
  capfirst: 'capitalize',
  strip: 'trim',
  trim: 'trim',
  safe: 'raw',
  raw: 'raw',
  url_encode: 'url',
  urlencode: 'url',
  url: 'url',
};
const IGNORED_FILTERS = new Set(['escape', 'e', 'striptags']);

interface Expr {
  path: string;
  filters: Filter[];
  /** Arguments of filters that pick the field (Klaviyo's person|lookup:'X'). */
  lookup?: string;
  problems: string[];
}

/** `path | filter:"arg" | filter('arg') | filter: 'arg'` */
function parseExpr(src: string): Expr {
  const [head, ...rest] = splitOutsideQuotes(decodeEntities(src), '|');
  const expr: Expr = { path: (head ?? '').trim(), filters: [], problems: [] };
  for (const f of rest) {
    const m = /^\s*([A-Za-z_]+)\s*(?::\s*([\s\S]*?)|\(\s*([\s\S]*?)\s*\))?\s*$/.exec(f);
    if (!m) {
      expr.problems.push(`filter "${f.trim()}" is not understood`);
      continue;
    }
    const name = m[1]!.toLowerCase();
    const arg = m[2] !== undefined ? unquote(m[2]) : m[3] !== undefined ? unquote(m[3]) : undefined;
    if (name === 'lookup') {
      expr.lookup = arg ?? '';
      continue;
    }
    const known = FILTERS[name];
    if (known) expr.filters.push(arg === undefined ? { name: known } : { name: known, arg });
    else if (!IGNORED_FILTERS.has(name))
      expr.problems.push(`filter "${name}" is not supported and was ignored`);
  }
  return expr;
}

const NOT_UNDERSTOOD = 'its condition is not understood, so it counts as false';

type PathResolver = (path: string, expr: Expr) => ValueRef | undefined;

function valueToken(src: string, expr: Expr, resolve: PathResolver, extraFilters: Filter[] = []): Token {
  const ref = resolve(expr.path, expr);
  if (!ref) return { t: 'unknown', src, why: `"${expr.path}" is not a merge tag Understudy knows` };
  const tok: Extract<Token, { t: 'value' }> = {
    t: 'value',
    ref,
    filters: [...expr.filters, ...extraFilters],
    src,
  };
  if (expr.problems.length) tok.problems = expr.problems;
  return tok;
}

/** `a == "x"`, `a != blank`, `not a`, `a and b`, `a or b` */
function parseCond(src: string, resolve: PathResolver): Cond | undefined {
  const text = decodeEntities(src).trim();
  const ors = text.split(/\s+or\s+|\s*\|\|\s*/);
  if (ors.length > 1) {
    const parts = ors.map((p) => parseCond(p, resolve));
    return parts.every(Boolean) ? { op: 'or', parts: parts as Cond[] } : undefined;
  }
  const ands = text.split(/\s+and\s+|\s*&&\s*/);
  if (ands.length > 1) {
    const parts = ands.map((p) => parseCond(p, resolve));
    return parts.every(Boolean) ? { op: 'and', parts: parts as Cond[] } : undefined;
  }
  let negate = false;
  let t = text;
  const not = /^(?:not\s+|!\s*)([\s\S]+)$/.exec(t);
  if (not) {
    negate = true;
    t = not[1]!.trim();
  }
  // Tag tests: Liquid `subscriber.tags contains "VIP"`, Django `"VIP" in person.tags`.
  const has =
    /^([\w.]*tags)\s+contains\s+(\S[\s\S]*)$/i.exec(t) ?? /^(\S[\s\S]*?)\s+in\s+([\w.]*tags)$/i.exec(t);
  if (has) {
    const value = unquote(/tags$/i.test(has[1]!) ? has[2]! : has[1]!);
    return { op: 'tag', values: [value], negate };
  }
  const m = /^([\w.$\-[\]'"]+)\s*(==|!=|=|<>)\s*([\s\S]+)$/.exec(t);
  if (m) {
    const ref = resolve(m[1]!, { path: m[1]!, filters: [], problems: [] });
    if (!ref) return undefined;
    const rhs = m[3]!.trim();
    const isEq = m[2] === '==' || m[2] === '=';
    if (/^(blank|empty|nil|null|none|""|'')$/i.test(rhs)) {
      // x == blank → not present; x != blank → present
      return { op: 'present', ref, negate: isEq !== negate };
    }
    return { op: isEq ? 'eq' : 'ne', ref, value: unquote(rhs), negate };
  }
  const path = /^([\w.$\-[\]'"]+)$/.exec(t);
  if (!path) return undefined;
  const ref = resolve(path[1]!, { path: path[1]!, filters: [], problems: [] });
  return ref ? { op: 'present', ref, negate } : undefined;
}

/** Run `re` over `src`, emitting text tokens between matches. */
function scan(src: string, re: RegExp, classify: (m: RegExpExecArray) => Token | Token[]): Token[] {
  const out: Token[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (m.index > last) out.push({ t: 'text', s: src.slice(last, m.index) });
    const tok = classify(m);
    if (Array.isArray(tok)) out.push(...tok);
    else out.push(tok);
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  if (last < src.length) out.push({ t: 'text', s: src.slice(last) });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Mailchimp

const MC_BUILTINS: Record<string, ValueRef> = {
  UNSUB: builtin('unsubscribe_url'),
  'LIST:ADDRESS': builtin('postal_address'),
  'LIST:ADDRESSLINE': builtin('postal_address'),
  'USER:ADDRESS': builtin('postal_address'),
  'LIST:ADDRESS_HTML': builtin('postal_address_html'),
  'HTML:LIST_ADDRESS_HTML': builtin('postal_address_html'),
  'HTML:LIST_ADDRESS': builtin('postal_address_html'),
  'LIST:NAME': builtin('list_name'),
  'LIST:COMPANY': builtin('company_name'),
  'USER:COMPANY': builtin('company_name'),
  'MC:SUBJECT': builtin('subject'),
  MC_PREVIEW_TEXT: builtin('preview_text'),
  CURRENT_YEAR: builtin('current_year'),
  ARCHIVE: builtin('omitted_link'),
  ARCHIVE_PAGE: builtin('omitted_link'),
  'ARCHIVE:ARCHIVE_PAGE': builtin('omitted_link'),
  UPDATE_PROFILE: builtin('omitted_link'),
  FORWARD: builtin('omitted_link'),
  'LIST:SUBSCRIBE': builtin('omitted_link'),
  'LIST:URL': builtin('omitted_link'),
  ABOUT_LIST: builtin('omitted_link'),
  'MC:SHARE': builtin('omitted_link'),
  'MC:TRANSLATE': builtin('nothing'),
  'MC:TOC': builtin('nothing'),
  'MC:TOC_TEXT': builtin('nothing'),
  REWARDS: builtin('nothing'),
  REWARDS_TEXT: builtin('nothing'),
  'LIST:DESCRIPTION': builtin('nothing'),
  'LIST:RECIPIENTS': builtin('nothing'),
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Mailchimp's *|DATE:…|* takes PHP date() letters. */
export function phpDate(format: string, d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  let out = '';
  for (const ch of format) {
    switch (ch) {
      case 'Y':
        out += d.getUTCFullYear();
        break;
      case 'y':
        out += pad(d.getUTCFullYear() % 100);
        break;
      case 'm':
        out += pad(d.getUTCMonth() + 1);
        break;
      case 'n':
        out += d.getUTCMonth() + 1;
        break;
      case 'd':
        out += pad(d.getUTCDate());
        break;
      case 'j':
        out += d.getUTCDate();
        break;
      case 'F':
        out += MONTHS[d.getUTCMonth()];
        break;
      case 'M':
        out += MONTHS[d.getUTCMonth()]!.slice(0, 3);
        break;
      case 'l':
        out += DAYS[d.getUTCDay()];
        break;
      case 'D':
        out += DAYS[d.getUTCDay()]!.slice(0, 3);
        break;
      default:
        out += ch;
    }
  }
  return out;
}

const mcResolve: PathResolver = (path) => {
  const p = path.trim().toUpperCase();
  return MC_BUILTINS[p] ?? (/^[A-Z0-9_]+$/.test(p) ? fieldRef(p) : undefined);
};

function mcCond(src: string, body: string): Cond | undefined {
  const m = /^([A-Z0-9_:]+)\s*(?:(=|!=|<>)\s*([\s\S]*))?$/i.exec(body.trim());
  if (!m) return undefined;
  const ref = mcResolve(m[1]!, { path: m[1]!, filters: [], problems: [] });
  if (!ref) return undefined;
  if (!m[2]) return { op: 'present', ref };
  return { op: m[2] === '=' ? 'eq' : 'ne', ref, value: unquote(m[3] ?? '') };
}

function mailchimp(src: string, opts: TokenizeOptions): Token[] {
  return scan(src, /\*(?:\||%7C)([^|\r\n]*?)(?:\||%7C)\*/gi, (m) => {
    const raw = m[0];
    const inner = decodeEntities(m[1]!).trim();
    const upper = inner.toUpperCase();
    let r: RegExpExecArray | null;
    if ((r = /^IF:([\s\S]+)$/i.exec(inner))) {
      const cond = mcCond(raw, r[1]!);
      return cond
        ? { t: 'if', cond, src: raw, block: 'if' }
        : { t: 'if', cond: { op: 'tag', values: [] }, src: raw, block: 'if', problems: [NOT_UNDERSTOOD] };
    }
    if ((r = /^IFNOT:([\s\S]+)$/i.exec(inner))) {
      const cond = mcCond(raw, r[1]!);
      return cond
        ? { t: 'if', cond: { ...cond, negate: true }, src: raw, block: 'if' }
        : {
            t: 'if',
            cond: { op: 'tag', values: [], negate: true },
            src: raw,
            block: 'if',
            problems: [NOT_UNDERSTOOD],
          };
    }
    if ((r = /^ELSEIF:([\s\S]+)$/i.exec(inner))) {
      const cond = mcCond(raw, r[1]!);
      return cond
        ? { t: 'elseif', cond, src: raw, block: 'if' }
        : { t: 'elseif', cond: { op: 'tag', values: [] }, src: raw, block: 'if', problems: [NOT_UNDERSTOOD] };
    }
    if (/^ELSE:?$/.test(upper)) return { t: 'else', src: raw, block: '' };
    if (upper === 'END:IF') return { t: 'end', src: raw, block: 'if' };
    if ((r = /^INTERESTED:([^:]*):([\s\S]*)$/i.exec(inner))) {
      // Interest groups: the mirror keeps a subscriber's groups as tags.
      const values = r[2]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      return { t: 'if', cond: { op: 'tag', values }, src: raw, block: 'interested' };
    }
    if (upper === 'END:INTERESTED') return { t: 'end', src: raw, block: 'interested' };
    if ((r = /^DATE:([\s\S]*)$/i.exec(inner))) {
      return { t: 'value', ref: builtin('constant', phpDate(r[1]!, opts.now)), filters: [], src: raw };
    }
    // *|MC:DATE|* is the send date, in Mailchimp's default mm/dd/yyyy.
    if (upper === 'MC:DATE')
      return { t: 'value', ref: builtin('constant', phpDate('m/d/Y', opts.now)), filters: [], src: raw };
    if (MC_BUILTINS[upper]) return { t: 'value', ref: MC_BUILTINS[upper]!, filters: [], src: raw };
    if ((r = /^(UPPER|LOWER|TITLE|HTML|URL):([A-Z0-9_]+)$/i.exec(inner))) {
      const f = r[1]!.toLowerCase();
      const filter: Filter = { name: f === 'html' ? 'raw' : (f as FilterName) };
      return { t: 'value', ref: fieldRef(r[2]!), filters: [filter], src: raw };
    }
    if (/^[A-Z0-9_]+$/i.test(inner)) return { t: 'value', ref: fieldRef(inner), filters: [], src: raw };
    return { t: 'unknown', src: raw, why: 'it is a Mailchimp feature Understudy cannot reproduce' };
  });
}

// ---------------------------------------------------------------------------------------------------
// The {{ }} / {% %} family (Brevo, Kit, Klaviyo, MailerLite's new editor)

interface LiquidSpec {
  resolve: PathResolver;
  /** Dialect-specific {% tag %} (Klaviyo's {% unsubscribe %}). */
  tag?: (name: string, args: string, raw: string) => Token | undefined;
  /** Also understand MailerLite's classic {$field}. */
  dollar?: boolean;
}

function liquid(src: string, spec: LiquidSpec): Token[] {
  const re = spec.dollar
    ? /\{\{-?\s*([^{}]{0,500}?)\s*-?\}\}|\{%-?\s*([^{}]{0,500}?)\s*-?%\}|\{\$([^{}\s]{1,100}?)\}/g
    : /\{\{-?\s*([^{}]{0,500}?)\s*-?\}\}|\{%-?\s*([^{}]{0,500}?)\s*-?%\}/g;
  // Tag bodies are bounded and brace-free, so an unclosed "{{" costs a short scan, not the whole template.
  return scan(src, re, (m) => {
    const raw = m[0];
    if (m[1] !== undefined) return valueToken(raw, parseExpr(m[1]), spec.resolve);
    if (m[3] !== undefined) return valueToken(raw, parseExpr(m[3]), mailerliteClassic);
    const body = decodeEntities(m[2]!).trim();
    const [, name = '', args = ''] = /^(\w+)\s*([\s\S]*)$/.exec(body) ?? [];
    const kw = name.toLowerCase();
    if (kw === 'if' || kw === 'unless') {
      const cond = parseCond(args, spec.resolve);
      if (!cond)
        return { t: 'if', cond: { op: 'tag', values: [] }, src: raw, block: kw, problems: [NOT_UNDERSTOOD] };
      return {
        t: 'if',
        cond: kw === 'unless' ? { ...cond, negate: !cond.negate } : cond,
        src: raw,
        block: kw,
      };
    }
    if (kw === 'elsif' || kw === 'elif' || kw === 'elseif') {
      const cond = parseCond(args, spec.resolve);
      if (!cond)
        return {
          t: 'elseif',
          cond: { op: 'tag', values: [] },
          src: raw,
          block: '',
          problems: [NOT_UNDERSTOOD],
        };
      return { t: 'elseif', cond, src: raw, block: '' };
    }
    if (kw === 'else') return { t: 'else', src: raw, block: '' };
    if (kw === 'endif') return { t: 'end', src: raw, block: 'if' };
    if (kw === 'endunless') return { t: 'end', src: raw, block: 'unless' };
    const special = spec.tag?.(kw, args, raw);
    if (special) return special;
    return { t: 'unknown', src: raw, why: `the tag "${kw}" is not supported` };
  });
}

const lastSegment = (path: string, prefix: string) =>
  path.toLowerCase().startsWith(prefix) ? path.slice(prefix.length) : undefined;

const brevoResolve: PathResolver = (path) => {
  const p = path.trim();
  const lower = p.toLowerCase();
  if (lower === 'unsubscribe' || lower === 'unsubscribe_url') return builtin('unsubscribe_url');
  if (lower === 'mirror' || lower === 'update_profile' || lower === 'forward') return builtin('omitted_link');
  const field = lastSegment(p, 'contact.') ?? lastSegment(p, 'params.');
  if (field) return fieldRef(field);
  return undefined;
};

const kitResolve: PathResolver = (path) => {
  const p = path.trim();
  const lower = p.toLowerCase();
  if (lower === 'unsubscribe_url' || lower === 'unsubscribe_link') return builtin('unsubscribe_url');
  if (lower === 'subscriber.email_address' || lower === 'subscriber.email') return builtin('email');
  if (lower === 'subscriber.first_name') return builtin('first_name');
  if (lower === 'address' || lower === 'account.address') return builtin('postal_address');
  const field = lastSegment(p, 'subscriber.');
  if (field) return fieldRef(field);
  return undefined;
};

const klaviyoResolve: PathResolver = (path, expr) => {
  const p = path.trim();
  const lower = p.toLowerCase();
  if (lower === 'person' && expr.lookup !== undefined) return fieldRef(expr.lookup);
  if (lower === 'organization.name') return builtin('company_name');
  if (lower === 'organization.full_address' || lower === 'organization.address')
    return builtin('postal_address');
  if (lower === 'unsubscribe_url') return builtin('unsubscribe_url');
  const field = lastSegment(p, 'person.') ?? (/^[A-Za-z_][\w]*$/.test(p) ? p : undefined);
  if (field) return fieldRef(field);
  return undefined;
};

function klaviyoTag(name: string, args: string, raw: string): Token | undefined {
  if (name === 'unsubscribe') {
    const label = unquote(args);
    return { t: 'value', ref: builtin('unsubscribe_link', label || 'Unsubscribe'), filters: [], src: raw };
  }
  if (name === 'unsubscribe_url' || name === 'unsubscribe_link')
    return { t: 'value', ref: builtin('unsubscribe_url'), filters: [], src: raw };
  if (
    ['web_view', 'web_view_url', 'manage_preferences', 'manage_preferences_url', 'forward_url'].includes(name)
  )
    return { t: 'value', ref: builtin('omitted_link'), filters: [], src: raw };
  if (name === 'current_year') return { t: 'value', ref: builtin('current_year'), filters: [], src: raw };
  return undefined;
}

const mailerliteClassic: PathResolver = (path) => {
  const lower = path.trim().toLowerCase();
  if (lower === 'name') return builtin('first_name');
  if (lower === 'unsubscribe') return builtin('unsubscribe_url');
  if (['url', 'preferences', 'forward', 'webversion'].includes(lower)) return builtin('omitted_link');
  if (lower === 'account.address' || lower === 'address.company') return builtin('postal_address');
  if (lower === 'account.name') return builtin('company_name');
  if (/^[a-z_][\w]*$/i.test(lower)) return fieldRef(lower);
  return undefined;
};

const mailerliteNew: PathResolver = (path, expr) => {
  const p = path.trim();
  const lower = p.toLowerCase();
  if (lower === 'subscriber.name') return builtin('first_name');
  if (lower === 'subscriber.email') return builtin('email');
  if (lower === 'unsubscribe' || lower === 'unsubscribe_url') return builtin('unsubscribe_url');
  const field = lastSegment(p, 'subscriber.fields.') ?? lastSegment(p, 'subscriber.');
  if (field) return fieldRef(field);
  return mailerliteClassic(p, expr);
};

// ---------------------------------------------------------------------------------------------------
// SendGrid (Handlebars) and local

const SENDGRID_NAMES: Record<string, ValueRef> = {
  unsubscribe: builtin('unsubscribe_url'),
  unsubscribe_url: builtin('unsubscribe_url'),
  unsubscribe_preferences: builtin('omitted_link'),
  weblink: builtin('omitted_link'),
  sender_name: builtin('company_name'),
  sender_address: builtin('postal_address'),
  sender_city: builtin('nothing'),
  sender_state: builtin('nothing'),
  sender_zip: builtin('nothing'),
  asm_group_unsubscribe_raw_url: builtin('unsubscribe_url'),
  asm_global_unsubscribe_raw_url: builtin('unsubscribe_url'),
  asm_preferences_raw_url: builtin('omitted_link'),
};

const sendgridResolve: PathResolver = (path) => {
  const p = path.trim();
  const known = SENDGRID_NAMES[p.toLowerCase()];
  if (known) return known;
  if (/^[A-Za-z_][\w.]*$/.test(p)) return fieldRef(p.split('.').at(-1)!);
  return undefined;
};

function handlebars(src: string, resolve: PathResolver, localFallback: boolean): Token[] {
  const re = localFallback
    ? /\{\{\s*([^{}]*?)\s*\}\}/g
    : /\{\{\{\s*([^{}]*?)\s*\}\}\}|\{\{\s*([^{}]*?)\s*\}\}|<%\s*([a-z_]+)\s*%>|\[(Unsubscribe|Unsubscribe_Preferences|Weblink|Sender_Name|Sender_Address|Sender_City|Sender_State|Sender_Zip)\]/gi;
  return scan(src, re, (m) => {
    const raw = m[0];
    if (!localFallback && m[1] !== undefined) {
      return valueToken(raw, parseExpr(m[1]), resolve, [{ name: 'raw' }]);
    }
    if (!localFallback && (m[3] !== undefined || m[4] !== undefined)) {
      return valueToken(raw, { path: (m[3] ?? m[4])!, filters: [], problems: [] }, resolve);
    }
    const body = decodeEntities((localFallback ? m[1] : m[2])!).trim();
    let r: RegExpExecArray | null;
    if ((r = /^#(if|unless)\s+([\s\S]+)$/i.exec(body))) {
      const kw = r[1]!.toLowerCase();
      const cond = parseCond(r[2]!, resolve);
      if (!cond)
        return { t: 'if', cond: { op: 'tag', values: [] }, src: raw, block: kw, problems: [NOT_UNDERSTOOD] };
      return {
        t: 'if',
        cond: kw === 'unless' ? { ...cond, negate: !cond.negate } : cond,
        src: raw,
        block: kw,
      };
    }
    if ((r = /^#(equals|notEquals)\s+(\S+)\s+([\s\S]+)$/i.exec(body))) {
      const ref = resolve(r[2]!, { path: r[2]!, filters: [], problems: [] });
      if (!ref)
        return {
          t: 'if',
          cond: { op: 'tag', values: [] },
          src: raw,
          block: r[1]!.toLowerCase(),
          problems: [NOT_UNDERSTOOD],
        };
      const op = r[1]!.toLowerCase() === 'equals' ? 'eq' : 'ne';
      return { t: 'if', cond: { op, ref, value: unquote(r[3]!) }, src: raw, block: r[1]!.toLowerCase() };
    }
    if ((r = /^else\s+if\s+([\s\S]+)$/i.exec(body))) {
      const cond = parseCond(r[1]!, resolve);
      if (!cond)
        return {
          t: 'elseif',
          cond: { op: 'tag', values: [] },
          src: raw,
          block: '',
          problems: [NOT_UNDERSTOOD],
        };
      return { t: 'elseif', cond, src: raw, block: '' };
    }
    if (/^else$/i.test(body)) return { t: 'else', src: raw, block: '' };
    if ((r = /^\/(if|unless|equals|notEquals)$/i.exec(body)))
      return { t: 'end', src: raw, block: r[1]!.toLowerCase() };
    if (/^[#/]/.test(body)) return { t: 'unknown', src: raw, why: 'this block helper is not supported' };
    if ((r = /^insert\s+(\S+)\s*([\s\S]*)$/i.exec(body))) {
      const fb = /default=([\s\S]*)$/.exec(unquote(r[2] ?? ''));
      const filters: Filter[] = fb ? [{ name: 'default', arg: fb[1]! }] : [];
      return valueToken(raw, { path: r[1]!, filters, problems: [] }, resolve);
    }
    if (localFallback) {
      // local: {{ path | fallback text }}
      const bar = body.indexOf('|');
      const path = (bar < 0 ? body : body.slice(0, bar)).trim();
      const filters: Filter[] = bar < 0 ? [] : [{ name: 'default', arg: unquote(body.slice(bar + 1)) }];
      return valueToken(raw, { path, filters, problems: [] }, resolve);
    }
    return valueToken(raw, parseExpr(body), resolve);
  });
}

const LOCAL_NAMES: Record<string, ValueRef> = {
  first_name: builtin('first_name'),
  last_name: builtin('last_name'),
  full_name: builtin('full_name'),
  name: builtin('full_name'),
  email: builtin('email'),
  unsubscribe_url: builtin('unsubscribe_url'),
  unsubscribe: builtin('unsubscribe_url'),
  postal_address: builtin('postal_address'),
  company_name: builtin('company_name'),
  company: builtin('company_name'),
  list_name: builtin('list_name'),
  subject: builtin('subject'),
  preview_text: builtin('preview_text'),
  current_year: builtin('current_year'),
  web_version_url: builtin('omitted_link'),
};

const localResolve: PathResolver = (path) => {
  const p = path.trim();
  const known = LOCAL_NAMES[p.toLowerCase()];
  if (known) return known;
  const field = lastSegment(p, 'field.') ?? lastSegment(p, 'fields.');
  if (field) return fieldRef(field);
  return undefined;
};

/** Tokens of a template written in `dialect`. */
export function tokenize(dialect: Dialect, src: string, opts: TokenizeOptions): Token[] {
  switch (dialect) {
    case 'mailchimp':
      return mailchimp(src, opts);
    case 'brevo':
      return liquid(src, { resolve: brevoResolve });
    case 'kit':
      return liquid(src, { resolve: kitResolve });
    case 'klaviyo':
      return liquid(src, { resolve: klaviyoResolve, tag: klaviyoTag });
    case 'mailerlite':
      return liquid(src, { resolve: mailerliteNew, dollar: true });
    case 'sendgrid':
      return handlebars(src, sendgridResolve, false);
    case 'local':
      return handlebars(src, localResolve, true);
  }
}

/** Problems a token carries (unsupported filters, conditions not understood) for the lint report. */
export function tokenProblems(tok: Token): string[] {
  return 'problems' in tok && tok.problems ? tok.problems : [];
}
