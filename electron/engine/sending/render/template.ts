/**
 * The dialect-neutral template core. A dialect turns a template into a flat list of tokens (literal
 * text, a value, if/elseif/else/end); this module nests them, and compiles them once into a list of
 * literal strings and small getter functions, so rendering a message is a loop of concatenations.
 *
 * Values are escaped for where they land: HTML-escaped in the HTML part, verbatim in the text part,
 * and with line breaks flattened in a header (the subject), so a subscriber's data can neither break
 * the markup nor inject a header.
 */
import { userError } from '../../errors';

/** Values the engine knows about, whatever the dialect calls them. */
export type Builtin =
  | 'first_name'
  | 'last_name'
  | 'full_name'
  | 'email'
  | 'unsubscribe_url'
  /** An HTML link to the unsubscribe URL (Klaviyo's `{% unsubscribe %}`); the URL in text. */
  | 'unsubscribe_link'
  | 'postal_address'
  | 'postal_address_html'
  | 'list_name'
  | 'company_name'
  | 'subject'
  | 'preview_text'
  | 'current_year'
  /** A literal computed at compile time (dates). */
  | 'constant'
  /** A link to a page Understudy does not host (web version, preferences, forward): omitted. */
  | 'omitted_link'
  /** Known to the ESP, meaningless here (Mailchimp's rewards badge): silently empty. */
  | 'nothing';

export type ValueRef = { kind: 'builtin'; name: Builtin; arg?: string } | { kind: 'field'; tag: string };

export type FilterName = 'default' | 'upper' | 'lower' | 'title' | 'capitalize' | 'trim' | 'raw' | 'url';
export interface Filter {
  name: FilterName;
  arg?: string;
}

export type Cond =
  | { op: 'present'; ref: ValueRef; negate?: boolean }
  | { op: 'eq'; ref: ValueRef; value: string; negate?: boolean }
  | { op: 'ne'; ref: ValueRef; value: string; negate?: boolean }
  /** True when the subscriber has any of these tags (Mailchimp's INTERESTED blocks, tag checks). */
  | { op: 'tag'; values: string[]; negate?: boolean }
  | { op: 'and'; parts: Cond[]; negate?: boolean }
  | { op: 'or'; parts: Cond[]; negate?: boolean };

export type Token =
  | { t: 'text'; s: string }
  | { t: 'value'; ref: ValueRef; filters: Filter[]; src: string; problems?: string[] }
  | { t: 'if'; cond: Cond; src: string; block: string; problems?: string[] }
  | { t: 'elseif'; cond: Cond; src: string; block: string; problems?: string[] }
  | { t: 'else'; src: string; block: string }
  | { t: 'end'; src: string; block: string }
  /** Not understood: renders as nothing, reported as a warning. */
  | { t: 'unknown'; src: string; why: string };

type Node =
  | { t: 'text'; s: string }
  | { t: 'value'; ref: ValueRef; filters: Filter[] }
  | { t: 'if'; branches: { cond: Cond; body: Node[] }[]; otherwise: Node[] };

export type Mode = 'html' | 'text' | 'header';

/** What a message is rendered from: the subscriber plus per-message values computed once. */
export interface RenderContext {
  firstName: string;
  lastName: string;
  email: string;
  mergeFields: Record<string, string>;
  tags: string[];
  unsubscribeUrl: string;
  subject: string;
}

export interface StaticValues {
  postalAddress: string;
  companyName: string;
  listName: string;
  previewText: string;
  year: string;
}

export type Getter = (c: RenderContext) => string;
export type Part = string | Getter;

/**
 * Static text of a compiled template: one object per campaign, shared by every message, so that a
 * writer can do its work on it (quoted-printable encoding) once per campaign instead of per message.
 */
export interface StaticText {
  readonly text: string;
  /** The MIME writer's encoding of `text`, made the first time a message needs it (mime.ts). */
  encoded?: Uint8Array;
}
/** A rendered body in order: the template's static text, and the values of one subscriber. */
export type Piece = StaticText | string;
export type PieceParts = (StaticText | Getter)[];

/** The parts with their static strings as shared StaticText objects (once per campaign). */
export function toPieceParts(parts: Part[]): PieceParts {
  return parts.map((p) => (typeof p === 'string' ? { text: p } : p));
}

/** Renders like renderParts and also returns the pieces (empty values left out); they join to the text. */
export function renderPieces(parts: PieceParts, c: RenderContext): { text: string; pieces: Piece[] } {
  let text = '';
  const pieces: Piece[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'function') {
      const v = p(c);
      if (v === '') continue;
      text += v;
      pieces.push(v);
    } else {
      text += p.text;
      pieces.push(p);
    }
  }
  return { text, pieces };
}

// ---------------------------------------------------------------------------------------------------
// Escaping

const HTML_ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const HTML_ESC_RE = /[&<>"']/g;
export function escapeHtml(s: string): string {
  return HTML_ESC_RE.test(s) ? ((HTML_ESC_RE.lastIndex = 0), s.replace(HTML_ESC_RE, (c) => HTML_ESC[c]!)) : s;
}
const flattenHeader = (s: string) => (/[\r\n\t]/.test(s) ? s.replace(/[\r\n\t]+/g, ' ') : s);

// ---------------------------------------------------------------------------------------------------
// Nesting

/** Nest the flat token list; unbalanced blocks are a user error the marketer must fix before sending. */
export function parseTokens(tokens: Token[], where: string): Node[] {
  const root: Node[] = [];
  const stack: {
    node: Extract<Node, { t: 'if' }>;
    body: Node[];
    block: string;
    src: string;
    sawElse: boolean;
  }[] = [];
  let out = root;
  const unbalanced = (msg: string) =>
    userError(`The campaign's ${where} has an unbalanced conditional block: ${msg}`, {
      code: 'template_unbalanced',
      safe: 'Nothing was sent.',
      next: 'Fix the template so every IF block is closed once, then send again.',
    });
  for (const tok of tokens) {
    switch (tok.t) {
      case 'text':
        if (tok.s) out.push({ t: 'text', s: tok.s });
        break;
      case 'value':
        out.push({ t: 'value', ref: tok.ref, filters: tok.filters });
        break;
      case 'unknown':
        break;
      case 'if': {
        const body: Node[] = [];
        const node: Extract<Node, { t: 'if' }> = {
          t: 'if',
          branches: [{ cond: tok.cond, body }],
          otherwise: [],
        };
        out.push(node);
        stack.push({ node, body, block: tok.block, src: tok.src, sawElse: false });
        out = body;
        break;
      }
      case 'elseif': {
        const top = stack.at(-1);
        if (!top) throw unbalanced(`${tok.src} has no opening IF.`);
        if (top.sawElse) throw unbalanced(`${tok.src} comes after the ELSE of ${top.src}.`);
        const body: Node[] = [];
        top.node.branches.push({ cond: tok.cond, body });
        out = body;
        break;
      }
      case 'else': {
        const top = stack.at(-1);
        if (!top) throw unbalanced(`${tok.src} has no opening IF.`);
        if (top.sawElse) throw unbalanced(`${top.src} has two ELSE parts.`);
        top.sawElse = true;
        out = top.node.otherwise;
        break;
      }
      case 'end': {
        const top = stack.pop();
        if (!top) throw unbalanced(`${tok.src} closes a block that was never opened.`);
        if (tok.block && top.block && tok.block !== top.block)
          throw unbalanced(`${tok.src} closes ${top.src}, which needs a different closing tag.`);
        const parent = stack.at(-1);
        out = parent ? (parent.sawElse ? parent.node.otherwise : parent.node.branches.at(-1)!.body) : root;
        break;
      }
    }
  }
  if (stack.length) throw unbalanced(`${stack.at(-1)!.src} is never closed.`);
  return root;
}

// ---------------------------------------------------------------------------------------------------
// Values

const isBlank = (s: string) => s.length === 0 || s.trim().length === 0;

/** Merge-field lookup: exact tag first (the import stores upper-case tags), then case-insensitive. */
export function lookupField(fields: Record<string, string>, tag: string): string {
  const v = fields[tag];
  if (v !== undefined && v !== null) return typeof v === 'string' ? v : String(v);
  for (const k in fields) {
    if (k.toUpperCase().replace(/[^A-Z0-9]+/g, '_') === tag) {
      const w = fields[k];
      return w === undefined || w === null ? '' : String(w);
    }
  }
  return '';
}

const FIRST_TAGS = ['FNAME', 'FIRSTNAME', 'FIRST_NAME'];
const LAST_TAGS = ['LNAME', 'LASTNAME', 'LAST_NAME', 'SURNAME'];
function firstOf(fields: Record<string, string>, tags: string[]): string {
  for (const t of tags) {
    const v = lookupField(fields, t);
    if (v) return v;
  }
  return '';
}

function rawGetter(ref: ValueRef, statics: StaticValues): Getter {
  if (ref.kind === 'field') {
    const tag = ref.tag;
    return (c) => lookupField(c.mergeFields, tag);
  }
  switch (ref.name) {
    case 'first_name':
      return (c) => c.firstName || firstOf(c.mergeFields, FIRST_TAGS);
    case 'last_name':
      return (c) => c.lastName || firstOf(c.mergeFields, LAST_TAGS);
    case 'full_name':
      return (c) =>
        `${c.firstName || firstOf(c.mergeFields, FIRST_TAGS)} ${c.lastName || firstOf(c.mergeFields, LAST_TAGS)}`.trim();
    case 'email':
      return (c) => c.email;
    case 'unsubscribe_url':
    case 'unsubscribe_link':
      return (c) => c.unsubscribeUrl;
    case 'subject':
      return (c) => c.subject;
    case 'postal_address':
    case 'postal_address_html': {
      const v = statics.postalAddress;
      return () => v;
    }
    case 'list_name': {
      const v = statics.listName;
      return () => v;
    }
    case 'company_name': {
      const v = statics.companyName;
      return () => v;
    }
    case 'preview_text': {
      const v = statics.previewText;
      return () => v;
    }
    case 'current_year': {
      const v = statics.year;
      return () => v;
    }
    case 'constant': {
      const v = ref.arg ?? '';
      return () => v;
    }
    case 'omitted_link':
    case 'nothing':
      return () => '';
  }
}

const PERSONAL: ReadonlySet<Builtin> = new Set(['first_name', 'last_name', 'full_name', 'email']);
const NO_STATICS: StaticValues = {
  postalAddress: '',
  companyName: '',
  listName: '',
  previewText: '',
  year: '',
};

/**
 * A subscriber's own value for a tag that names one (a merge field, their name or address), as the
 * message gets it before filters; undefined for tags whose value is the same for everyone.
 */
export function personalValue(ref: ValueRef, c: RenderContext): string | undefined {
  if (ref.kind === 'builtin' && !PERSONAL.has(ref.name)) return undefined;
  return rawGetter(ref, NO_STATICS)(c);
}

const titleCase = (s: string) =>
  s.toLowerCase().replace(/(^|[\s\-'’])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());

function applyFilters(get: Getter, filters: Filter[]): Getter {
  let g = get;
  for (const f of filters) {
    const prev = g;
    switch (f.name) {
      case 'default': {
        const fb = f.arg ?? '';
        g = (c) => {
          const v = prev(c);
          return isBlank(v) ? fb : v;
        };
        break;
      }
      case 'upper':
        g = (c) => prev(c).toUpperCase();
        break;
      case 'lower':
        g = (c) => prev(c).toLowerCase();
        break;
      case 'title':
        g = (c) => titleCase(prev(c));
        break;
      case 'capitalize':
        g = (c) => {
          const v = prev(c);
          return v.charAt(0).toUpperCase() + v.slice(1);
        };
        break;
      case 'trim':
        g = (c) => prev(c).trim();
        break;
      case 'url':
        // For values inside a link (?email=*|URL:EMAIL|*); still HTML-escaped afterwards.
        g = (c) => encodeURIComponent(prev(c));
        break;
      case 'raw':
        break;
    }
  }
  return g;
}

function valueGetter(ref: ValueRef, filters: Filter[], mode: Mode, statics: StaticValues): Getter {
  const raw = filters.some((f) => f.name === 'raw');
  const base = applyFilters(rawGetter(ref, statics), filters);
  if (mode === 'header') return (c) => flattenHeader(base(c));
  if (mode === 'text') return base;
  // HTML
  if (ref.kind === 'builtin' && ref.name === 'unsubscribe_link') {
    const label = escapeHtml(ref.arg ?? 'Unsubscribe');
    return (c) => `<a href="${escapeHtml(c.unsubscribeUrl)}">${label}</a>`;
  }
  if (ref.kind === 'builtin' && (ref.name === 'postal_address_html' || ref.name === 'postal_address')) {
    return (c) => escapeHtml(base(c)).replace(/\r?\n/g, '<br>');
  }
  return raw ? base : (c) => escapeHtml(base(c));
}

function condGetter(cond: Cond, statics: StaticValues): (c: RenderContext) => boolean {
  let test: (c: RenderContext) => boolean;
  if (cond.op === 'tag') {
    const want = new Set(cond.values.map((v) => v.trim().toLowerCase()));
    test = (c) => c.tags.some((t) => want.has(t.trim().toLowerCase()));
  } else if (cond.op === 'and' || cond.op === 'or') {
    const parts = cond.parts.map((p) => condGetter(p, statics));
    test = cond.op === 'and' ? (c) => parts.every((p) => p(c)) : (c) => parts.some((p) => p(c));
  } else if (cond.op === 'present') {
    const get = rawGetter(cond.ref, statics);
    test = (c) => !isBlank(get(c));
  } else {
    const get = rawGetter(cond.ref, statics);
    const want = cond.value.trim().toLowerCase();
    test =
      cond.op === 'eq'
        ? (c) => get(c).trim().toLowerCase() === want
        : (c) => get(c).trim().toLowerCase() !== want;
  }
  return cond.negate ? (c) => !test(c) : test;
}

// ---------------------------------------------------------------------------------------------------
// Compile and render

export function compileNodes(nodes: Node[], mode: Mode, statics: StaticValues): Part[] {
  const parts: Part[] = [];
  const pushText = (s: string) => {
    if (!s) return;
    const last = parts.length - 1;
    if (last >= 0 && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + s;
    else parts.push(s);
  };
  for (const n of nodes) {
    if (n.t === 'text') pushText(mode === 'header' ? flattenHeader(n.s) : n.s);
    else if (n.t === 'value') {
      const ref = n.ref;
      // Values fixed for the whole campaign become literals: no call per message.
      const fixed = staticValue(ref, n.filters, mode, statics);
      if (fixed !== undefined) pushText(fixed);
      else parts.push(valueGetter(ref, n.filters, mode, statics));
    } else {
      const branches = n.branches.map((b) => ({
        test: condGetter(b.cond, statics),
        parts: compileNodes(b.body, mode, statics),
      }));
      const otherwise = compileNodes(n.otherwise, mode, statics);
      parts.push((c) => {
        for (const b of branches) if (b.test(c)) return renderParts(b.parts, c);
        return renderParts(otherwise, c);
      });
    }
  }
  return parts;
}

const STATIC_BUILTINS = new Set<Builtin>([
  'postal_address',
  'postal_address_html',
  'list_name',
  'company_name',
  'preview_text',
  'current_year',
  'constant',
  'omitted_link',
  'nothing',
]);

/** The rendered value when it is the same for every subscriber, else undefined. */
export function staticValue(
  ref: ValueRef,
  filters: Filter[],
  mode: Mode,
  statics: StaticValues,
): string | undefined {
  if (ref.kind !== 'builtin' || !STATIC_BUILTINS.has(ref.name)) return undefined;
  return valueGetter(ref, filters, mode, statics)(EMPTY_CONTEXT);
}

const EMPTY_CONTEXT: RenderContext = {
  firstName: '',
  lastName: '',
  email: '',
  mergeFields: {},
  tags: [],
  unsubscribeUrl: '',
  subject: '',
};

export function renderParts(parts: Part[], c: RenderContext): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    out += typeof p === 'string' ? p : p(c);
  }
  return out;
}

/** Every value a token list refers to, including inside conditions (for lint and footer decisions). */
export function refsOf(tokens: Token[]): ValueRef[] {
  const out: ValueRef[] = [];
  for (const t of tokens) {
    if (t.t === 'value') out.push(t.ref);
    else if (t.t === 'if' || t.t === 'elseif') out.push(...condRefs(t.cond));
  }
  return out;
}

function condRefs(c: Cond): ValueRef[] {
  if (c.op === 'tag') return [];
  if (c.op === 'and' || c.op === 'or') return c.parts.flatMap(condRefs);
  return [c.ref];
}

// ---------------------------------------------------------------------------------------------------
// Constant folding

function isStaticCond(c: Cond): boolean {
  if (c.op === 'tag') return false;
  if (c.op === 'and' || c.op === 'or') return c.parts.every(isStaticCond);
  return c.ref.kind === 'builtin' && STATIC_BUILTINS.has(c.ref.name);
}

/**
 * Resolve IF blocks whose conditions are the same for every subscriber (Mailchimp wraps the
 * preheader in *|IF:MC_PREVIEW_TEXT|*, often inside HTML comments). Done once at compile time, so
 * such blocks cost nothing per message and cannot trip the text conversion. Unbalanced input is
 * left as it is for parseTokens to report.
 */
export function foldStaticConditionals(tokens: Token[], statics: StaticValues): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.t !== 'if') {
      out.push(t);
      i++;
      continue;
    }
    const marks = [i];
    let end = -1;
    let depth = 0;
    for (let k = i + 1; k < tokens.length; k++) {
      const u = tokens[k]!;
      if (u.t === 'if') depth++;
      else if (u.t === 'end') {
        if (depth === 0) {
          end = k;
          break;
        }
        depth--;
      } else if ((u.t === 'elseif' || u.t === 'else') && depth === 0) marks.push(k);
    }
    const heads = marks.map((m) => tokens[m]!);
    const foldable =
      end >= 0 &&
      heads.every((h) => h.t === 'else' || ((h.t === 'if' || h.t === 'elseif') && isStaticCond(h.cond)));
    if (!foldable) {
      out.push(t);
      i++;
      continue;
    }
    for (let b = 0; b < marks.length; b++) {
      const h = heads[b]!;
      const taken =
        h.t === 'else' || ((h.t === 'if' || h.t === 'elseif') && condGetter(h.cond, statics)(EMPTY_CONTEXT));
      if (taken) {
        const stop = b + 1 < marks.length ? marks[b + 1]! : end;
        out.push(...foldStaticConditionals(tokens.slice(marks[b]! + 1, stop), statics));
        break;
      }
    }
    i = end + 1;
  }
  return out;
}
