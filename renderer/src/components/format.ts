/**
 * The one date-time format of the UI, in the user's time zone (the continuity settings' zone, set by
 * the app once they load; the computer's zone until then), and the plain-words translation of engine
 * errors: anything technical (codes like ECONNREFUSED, addresses, ISO timestamps, stacks) goes to the
 * details, never into the sentence a person reads first.
 */
import type { ApiError } from '../api/types';

let zone: string | null = null;

/** The computer's own zone. */
export function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Zones already checked: a table of subscribers formats a date on every row it renders. */
const zoneChecked = new Map<string, boolean>();

export function isValidZone(z: string): boolean {
  let ok = zoneChecked.get(z);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: z });
      ok = true;
    } catch {
      ok = false;
    }
    if (zoneChecked.size < 1000) zoneChecked.set(z, ok);
  }
  return ok;
}

/** Sets the zone every date in the UI is shown in (an unknown zone keeps the computer's). */
export function setTimeZone(z: string | null | undefined): void {
  zone = z && isValidZone(z) ? z : null;
}

export function timeZone(): string {
  return zone ?? localZone();
}

/** The IANA zones, for the zone picker. */
export function allTimeZones(): string[] {
  const withSupported = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = withSupported.supportedValuesOf?.('timeZone') ?? [];
  const all = new Set([...list, 'UTC', timeZone()]);
  return [...all].sort();
}

function toDate(v: string | number | Date | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Formatters by options and zone, made once: building one costs more than formatting (a page of the
 * subscriber table formats a date on each of its rows, and rendered in ~10 ms more without this).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

const parts = (d: Date, opts: Intl.DateTimeFormatOptions, z: string) => {
  const timeZone = isValidZone(z) ? z : localZone();
  const key = `${timeZone} ${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone });
    if (formatters.size < 1000) formatters.set(key, f);
  }
  return f.format(d);
};

/** "Sun 6 Dec 2026, 21:57" in the user's zone; "no date" for nothing or garbage (never the raw text). */
export function formatDateTime(v: string | number | Date | null | undefined, z = timeZone()): string {
  const d = toDate(v);
  if (!d) return 'no date';
  const day = parts(d, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }, z).replace(
    /,/g,
    '',
  );
  return `${day}, ${parts(d, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, z)}`;
}

/** "21:57" for today in the user's zone, otherwise the whole date and time. */
export function formatWhen(
  v: string | number | Date | null | undefined,
  z = timeZone(),
  now: Date = new Date(),
): string {
  const d = toDate(v);
  if (!d) return 'no date';
  const dayOf = (x: Date) => parts(x, { year: 'numeric', month: '2-digit', day: '2-digit' }, z);
  if (dayOf(d) === dayOf(now)) return parts(d, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, z);
  return formatDateTime(d, z);
}

/** Only the time of day, "21:57". */
export function formatTime(v: string | number | Date | null | undefined, z = timeZone()): string {
  const d = toDate(v);
  if (!d) return 'no time';
  return parts(d, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, z);
}

/** Only the day, "6 Dec 2026", in the user's zone; "" for nothing or garbage. */
export function formatDate(v: string | number | Date | null | undefined, z = timeZone()): string {
  const d = toDate(v);
  return d ? parts(d, { day: 'numeric', month: 'short', year: 'numeric' }, z) : '';
}

/** The day an instant falls on in the user's zone, "2026-12-06" (to file it on a calendar). */
export function dayKey(v: string | number | Date, z = timeZone()): string {
  const d = toDate(v);
  if (!d) return '';
  const p = wallParts(d.getTime(), z);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

function wallParts(ms: number, z: string) {
  const get = (type: string, f: Intl.DateTimeFormatPart[]) => Number(f.find((x) => x.type === type)?.value);
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: isValidZone(z) ? z : localZone(),
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  return {
    year: get('year', f),
    month: get('month', f),
    day: get('day', f),
    hour: get('hour', f),
    minute: get('minute', f),
    second: get('second', f),
  };
}

/** How far the zone's clocks are ahead of UTC at an instant, in ms. */
function offsetAt(ms: number, z: string): number {
  const p = wallParts(ms, z);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** An instant as a date-time field's value ("2026-12-06T21:57"), on the user's clock. */
export function toWallTime(v: string | number | Date, z = timeZone()): string {
  const d = toDate(v);
  if (!d) return '';
  const p = wallParts(d.getTime(), z);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** A date-time field's value ("2026-12-06T21:57"), read on the user's clock, as an ISO instant. */
export function fromWallTime(wall: string, z = timeZone()): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(wall);
  if (!m) return null;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  // The zone's offset at the guess, then once more at the answer (a change of offset in between).
  let ms = asUtc - offsetAt(asUtc, z);
  ms = asUtc - offsetAt(ms, z);
  return new Date(ms).toISOString();
}

/** ISO-8601 date-times inside free text (engine messages). */
export const ISO_IN_TEXT =
  /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g;

/** Free text with every ISO timestamp in it rewritten in the one format. */
export function formatText(s: string, z = timeZone()): string {
  return s.replace(ISO_IN_TEXT, (m) => formatDateTime(m.replace(' ', 'T'), z));
}

/** A plain sentence for a technical failure, by the code or phrase in it. */
const TECHNICAL: [RegExp, string][] = [
  [
    /ECONNREFUSED/i,
    'The server refused the connection: it may be down, or the address or port may be wrong.',
  ],
  [/ETIMEDOUT|timed? ?out|ESOCKETTIMEDOUT/i, 'The server did not answer in time.'],
  [
    /ENOTFOUND|EAI_AGAIN|getaddrinfo/i,
    'That server name could not be found. Check the spelling of the address.',
  ],
  [/ECONNRESET|EPIPE|socket hang up/i, 'The connection was cut off by the other side.'],
  [
    /EAUTH|535|authentication failed|invalid login|bad credentials|username and password not accepted/i,
    'The username or password was not accepted.',
  ],
  [/self[- ]signed|certificate|CERT_|SSL|TLS/i, "The server's security certificate could not be checked."],
  [/EACCES|EPERM|permission denied/i, 'Understudy is not allowed to use that file or folder.'],
  [/ENOSPC|no space left/i, 'The disk is full.'],
  [/EROFS|read-only/i, 'The disk is read-only.'],
  [/ENOENT|no such file/i, 'That file or folder does not exist.'],
  [/SQLITE_BUSY|database is locked/i, 'The data is busy with another task. Try again in a moment.'],
  [/\b5\d\d\b.*(http|status)|(http|status).*\b5\d\d\b/i, 'The service had an error on its side.'],
  [/\b429\b|rate limit|too many requests/i, 'The service asked Understudy to slow down.'],
];

/** Does this text carry something a marketer cannot act on (a code, a stack, a timestamp, a command)? */
export function looksTechnical(s: string): boolean {
  return (
    /\bE[A-Z]{3,}\b/.test(s) || // ECONNREFUSED, ENOTFOUND…
    /\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/.test(s) || // 127.0.0.1:587
    /\bat [\w.<>]+ \(/.test(s) || // stack lines
    /`[^`]+`/.test(s) || // command hints
    /\bunderstudy [a-z-]+/.test(s) ||
    /\b(provider|send|esp|custody|campaign|incident|outage|schedule|mirror|health)\.[a-z_]+\b/.test(
      s.replace(/\S+@\S+|https?:\/\/\S+/g, ''),
    ) ||
    new RegExp(ISO_IN_TEXT.source).test(s) ||
    s.split(/;\s|\s\|\s/).length > 2
  );
}

export interface PlainError {
  /** The sentence read first. */
  what: string;
  safe: string | null;
  next: string | null;
  /** The technical text, for the details toggle (null: nothing more to show). */
  details: string | null;
}

/** Commands and technical hints never reach the sentence; they stay in the details. */
function stripCommands(s: string): string {
  const cut = s.replace(/,?\s*(?:(?:or|and|then)\s+)?(?:(?:run|use|type|with)\s+)?\(?`[^`]*`\)?/gi, '');
  return (cut.match(/[^.!?]+[.!?]*/g) ?? [])
    .filter((sentence) => !/`|\bunderstudy [a-z-]+|UNDERSTUDY_[A-Z_]+/.test(sentence))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** One translation for every engine error the UI shows. */
export function plainError(e: ApiError, z = timeZone()): PlainError {
  const detailsParts = [`Code: ${e.code}`];
  let what: string;
  if (e.kind === 'internal') {
    detailsParts.unshift(e.message);
    what = 'Something went wrong inside Understudy. Nothing you did caused it.';
  } else if (looksTechnical(e.message)) {
    detailsParts.unshift(e.message);
    const hit = TECHNICAL.find(([re]) => re.test(e.message));
    // Keep the person's part of the sentence (before the first colon), say the cause plainly.
    const head = stripCommands(formatText(e.message.split(/:\s/)[0] ?? '', z));
    const headOk = head && !looksTechnical(head) && head.length < 160;
    what = [headOk ? head.replace(/[.]?$/, '.') : null, hit?.[1] ?? null].filter(Boolean).join(' ');
    if (!what) what = 'Something did not work.';
  } else {
    what = formatText(e.message, z);
  }
  const clean = (s: string | undefined) => (s ? stripCommands(formatText(s, z)) || null : null);
  if (e.next && stripCommands(e.next) !== e.next.trim()) detailsParts.push(`In a terminal: ${e.next}`);
  return {
    what,
    safe: clean(e.safe),
    next: clean(e.next),
    details: detailsParts.join('\n'),
  };
}
