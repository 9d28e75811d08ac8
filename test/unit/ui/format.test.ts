/**
 * The one date-time format (issue 15 §3/§4): never an ISO timestamp, always the chosen zone; and the
 * plain-words translation of engine errors keeps codes, addresses and commands in the details.
 */
import { describe, expect, it } from 'vitest';
import {
  allTimeZones,
  dayKey,
  formatDate,
  formatDateTime,
  fromWallTime,
  toWallTime,
  formatText,
  formatTime,
  formatWhen,
  plainError,
  setTimeZone,
  timeZone,
} from '../../../renderer/src/components/format';

const ISO = /\d{4}-\d{2}-\d{2}(T|\s\d{2}:)|\d{2}:\d{2}:\d{2}|Z\b|[+-]\d{2}:\d{2}\b/;

const INPUTS: (string | number | Date | null | undefined)[] = [
  '2026-12-06T21:57:33.123Z',
  '2026-12-06T21:57:33Z',
  '2026-03-29T01:30:00+01:00',
  '2026-12-06 21:57:33',
  '2026-12-06',
  0,
  Date.UTC(2030, 0, 1, 12),
  new Date('2026-07-01T00:00:00Z'),
  'not a date',
  '',
  null,
  undefined,
];
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Not/AZone'];

describe('the date-time format', () => {
  it.each(ZONES.flatMap((z) => INPUTS.map((v) => [z, v] as const)))('%s %s: never ISO', (z, v) => {
    for (const out of [formatDateTime(v, z), formatWhen(v, z), formatTime(v, z)]) {
      expect(out).not.toMatch(ISO);
      expect(out).not.toBe(String(v));
    }
  });

  it('free text: every ISO timestamp in an engine message is rewritten', () => {
    const s = formatText('Waiting until 2026-12-06T21:57:33.000Z, then 2026-12-07T08:00:00+01:00.', 'UTC');
    expect(s).not.toMatch(ISO);
    expect(s).toBe('Waiting until Sun 6 Dec 2026, 21:57, then Mon 7 Dec 2026, 07:00.');
  });

  it("uses the settings' zone, and keeps the computer's for a zone it does not know", () => {
    setTimeZone('Asia/Tokyo');
    expect(timeZone()).toBe('Asia/Tokyo');
    expect(formatDateTime('2026-12-06T21:57:00Z')).toBe('Mon 7 Dec 2026, 06:57');
    setTimeZone('Mars/Olympus');
    expect(timeZone()).not.toBe('Mars/Olympus');
    setTimeZone(null);
    expect(allTimeZones()).toContain('Europe/Paris');
  });
});

describe('plain errors', () => {
  it('a refused connection reads in words; the code and address are in the details', () => {
    const p = plainError({
      kind: 'user',
      code: 'smtp_connect',
      message: 'Could not reach "Backup relay": connect ECONNREFUSED 127.0.0.1:2525',
      next: 'Check the host and port, or run `understudy providers test 2`.',
    });
    expect(p.what).toBe(
      'Could not reach "Backup relay". The server refused the connection: it may be down, or the address or port may be wrong.',
    );
    expect(`${p.what} ${p.safe ?? ''} ${p.next ?? ''}`).not.toMatch(
      /ECONNREFUSED|127\.0\.0\.1|`|understudy /,
    );
    expect(p.next).toBe('Check the host and port.');
    expect(p.details).toContain('ECONNREFUSED 127.0.0.1:2525');
  });

  it('a bug says so without the stack; the stack is in the details', () => {
    const p = plainError({
      kind: 'internal',
      code: 'internal',
      message: 'TypeError: x is undefined\n    at run (engine.js:1:1)',
    });
    expect(p.what).not.toMatch(/TypeError|at run/);
    expect(p.details).toContain('at run');
  });

  it('a plain message stays as it is, with its timestamps in the one format', () => {
    setTimeZone('UTC');
    const p = plainError({
      kind: 'user',
      code: 'past',
      message: 'The send time 2026-12-06T10:00:00Z is in the past.',
    });
    expect(p.what).toBe('The send time Sun 6 Dec 2026, 10:00 is in the past.');
    setTimeZone(null);
  });
});

describe("date-time fields on the user's clock", () => {
  it("reads a typed time in the user's zone, whatever the computer's, across a change of offset", () => {
    // Berlin is UTC+1 in winter, UTC+2 in summer.
    expect(fromWallTime('2026-12-10T02:01', 'Europe/Berlin')).toBe('2026-12-10T01:01:00.000Z');
    expect(fromWallTime('2026-07-10T02:01', 'Europe/Berlin')).toBe('2026-07-10T00:01:00.000Z');
    expect(fromWallTime('2026-12-10T02:01', 'America/New_York')).toBe('2026-12-10T07:01:00.000Z');
    expect(fromWallTime('10/12/2026 02:01', 'UTC')).toBeNull();
    expect(toWallTime('2026-12-10T01:01:00.000Z', 'Europe/Berlin')).toBe('2026-12-10T02:01');
    expect(toWallTime('2026-12-10T01:01:00.000Z', 'America/New_York')).toBe('2026-12-09T20:01');
  });

  it("files an instant on the user's day and says the day in the one format", () => {
    expect(dayKey('2026-12-10T01:01:00.000Z', 'Europe/Berlin')).toBe('2026-12-10');
    expect(dayKey('2026-12-10T01:01:00.000Z', 'America/New_York')).toBe('2026-12-09');
    expect(formatDate('2026-12-10T01:01:00.000Z', 'America/New_York')).toBe('9 Dec 2026');
    expect(formatDate('garbage')).toBe('');
  });
});
