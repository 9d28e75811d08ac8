/**
 * Wall-clock times in the person's IANA zone and the UTC instants campaigns fire at. A campaign fires
 * at its UTC instant; the zone is kept so it is shown, and rescheduled, the way the person thinks of it.
 * Daylight-saving transitions are resolved explicitly and explained (luxon does the zone arithmetic):
 * - a time that does not exist (02:30 on a spring-forward night) moves forward by the length of the
 *   gap (to 03:30), and says so;
 * - a time that happens twice (01:30 on a fall-back night) is the first occurrence, and says so.
 */
import { DateTime, IANAZone } from 'luxon';
import { userError } from './errors';

export interface ResolvedTime {
  /** The instant, ISO-8601 UTC with milliseconds (the stored form). */
  utc: string;
  /** The wall-clock time as the person chose it, 'YYYY-MM-DDTHH:mm'. */
  localTime: string;
  timeZone: string;
  /** What was adjusted and why, for the person; null when the time was unambiguous. */
  note: string | null;
  adjustment: 'gap' | 'overlap' | null;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

export function assertZone(zone: string, safe = 'Nothing was scheduled.'): string {
  if (!IANAZone.isValidZone(zone)) {
    throw userError(`"${zone}" is not a time zone this computer knows.`, {
      code: 'bad_time_zone',
      safe,
      next: 'Use an IANA zone name such as Europe/Berlin or America/New_York.',
    });
  }
  return zone;
}

/** The person's zone as the system reports it (Intl), UTC when it cannot be read. */
export function systemZone(): string {
  const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return z && IANAZone.isValidZone(z) ? z : 'UTC';
}

/**
 * Reads "2026-03-29T02:30" (a wall-clock time in `zone`) or "2026-03-29T00:30:00Z" / "...+02:00" (an
 * instant) and returns the UTC instant with the person's wall-clock time and any DST explanation.
 */
export function resolveTime(input: string, zone: string): ResolvedTime {
  assertZone(zone);
  const text = input.trim();
  if (HAS_OFFSET.test(text)) {
    const dt = DateTime.fromISO(text, { setZone: true });
    if (!dt.isValid) throw badTime(input);
    const local = dt.setZone(zone);
    return {
      utc: dt.toUTC().toISO()!,
      localTime: local.toFormat("yyyy-MM-dd'T'HH:mm"),
      timeZone: zone,
      note: null,
      adjustment: null,
    };
  }
  const m = WALL.exec(text);
  if (!m) throw badTime(input);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  const wall = { year: y!, month: mo!, day: d!, hour: h!, minute: mi!, second: s! };
  const probe = DateTime.fromObject(wall, { zone: 'UTC' });
  if (!probe.isValid || probe.hour !== wall.hour || probe.day !== wall.day) throw badTime(input);
  const localMs = probe.toMillis();
  const izone = IANAZone.create(zone);
  // Every offset the zone has near that day: the wall time is valid under an offset o when the
  // instant (local - o) shows that same wall time in the zone.
  const offsets = new Set<number>();
  for (const dh of [-36, -12, 0, 12, 36]) offsets.add(izone.offset(localMs + dh * 3_600_000));
  const valid = [...offsets]
    .map((o) => localMs - o * 60_000)
    .filter((utc) => izone.offset(utc) * 60_000 + utc === localMs)
    .sort((a, b) => a - b);
  const localTime = probe.toFormat("yyyy-MM-dd'T'HH:mm");
  const fmt = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('HH:mm ZZZZ');
  if (valid.length === 1) {
    return { utc: iso(valid[0]!), localTime, timeZone: zone, note: null, adjustment: null };
  }
  if (valid.length >= 2) {
    const first = valid[0]!;
    return {
      utc: iso(first),
      localTime,
      timeZone: zone,
      note: `${probe.toFormat('HH:mm')} happens twice on ${probe.toFormat('d LLL yyyy')} in ${zone} (clocks go back); it will be sent at the first one, ${fmt(first)}.`,
      adjustment: 'overlap',
    };
  }
  // A gap: the clocks jump over this time. Move forward by the gap's length (02:30 → 03:30).
  const before = izone.offset(localMs - 36 * 3_600_000);
  const after = izone.offset(localMs + 36 * 3_600_000);
  const gapMin = Math.max(after - before, 0) || 60;
  const utc = localMs - before * 60_000;
  const shown = DateTime.fromMillis(utc, { zone });
  return {
    utc: iso(utc),
    localTime,
    timeZone: zone,
    note: `${probe.toFormat('HH:mm')} does not exist on ${probe.toFormat('d LLL yyyy')} in ${zone} (clocks jump forward ${gapMin} minutes); it will be sent at ${shown.toFormat('HH:mm ZZZZ')} instead.`,
    adjustment: 'gap',
  };
}

/**
 * How far in the past a send time may be and still count as "now" (the time it takes to type it).
 * Anything older is refused everywhere a send time is set (campaigns add, schedule set, the API and
 * the UI's forms) unless the person explicitly asks to send now.
 */
export const PAST_GRACE_MS = 60_000;

/** Refuses a send time in the past, in the person's zone, saying how to send now instead. */
export function refusePastSendTime(utc: string, nowMs: number, zone: string, safe: string): void {
  if (Date.parse(utc) > nowMs - PAST_GRACE_MS) return;
  throw userError(`${displayTime(utc, zone)} is in the past.`, {
    code: 'time_in_past',
    safe,
    next: 'Choose a time in the future, or send it now.',
  });
}

/** How a stored instant reads in the person's zone: "Sun 29 Mar 2026, 03:30 CEST". */
export function displayTime(utc: string, zone: string): string {
  return DateTime.fromISO(utc, { zone: 'utc' }).setZone(zone).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

/** Human duration: "3 min", "2 h 5 min", "6 days". */
export function humanDuration(ms: number): string {
  const min = Math.round(Math.abs(ms) / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.round(h / 24)} days`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function badTime(input: string) {
  return userError(`"${input}" is not a date and time Understudy can read.`, {
    code: 'bad_time',
    safe: 'Nothing was scheduled.',
    next: 'Write it as 2026-12-01T09:30 (in your time zone) or 2026-12-01T08:30:00Z (UTC).',
  });
}
