import { describe, expect, it } from 'vitest';
import { displayTime, resolveTime } from '../../../electron/engine/time';

describe('resolveTime: wall-clock times in IANA zones', () => {
  it('turns a wall-clock time into its UTC instant, keeping the zone', () => {
    const r = resolveTime('2026-12-01T09:30', 'Europe/Berlin');
    expect(r).toMatchObject({ utc: '2026-12-01T08:30:00.000Z', localTime: '2026-12-01T09:30', note: null });
    expect(resolveTime('2026-07-01T09:30', 'America/New_York').utc).toBe('2026-07-01T13:30:00.000Z');
    expect(resolveTime('2026-07-01T09:30', 'Asia/Kolkata').utc).toBe('2026-07-01T04:00:00.000Z');
  });

  it('takes an instant with an offset as it is, and shows it in the zone', () => {
    const r = resolveTime('2026-12-01T08:30:00Z', 'America/New_York');
    expect(r.utc).toBe('2026-12-01T08:30:00.000Z');
    expect(r.localTime).toBe('2026-12-01T03:30');
  });

  it('moves a time in a spring-forward gap forward by the gap and says so', () => {
    // Europe/Berlin, 29 Mar 2026: 02:00 CET → 03:00 CEST; 02:30 does not exist.
    const r = resolveTime('2026-03-29T02:30', 'Europe/Berlin');
    expect(r.adjustment).toBe('gap');
    expect(r.utc).toBe('2026-03-29T01:30:00.000Z');
    expect(displayTime(r.utc, 'Europe/Berlin')).toMatch(/03:30/);
    expect(r.note).toMatch(/does not exist.*03:30/);
    // America/New_York, 8 Mar 2026: 02:30 → 03:30 EDT.
    const ny = resolveTime('2026-03-08T02:30', 'America/New_York');
    expect(ny.utc).toBe('2026-03-08T07:30:00.000Z');
    // Lord Howe Island's gap is 30 minutes: 02:15 → 02:45.
    const lh = resolveTime('2026-10-04T02:15', 'Australia/Lord_Howe');
    expect(lh.adjustment).toBe('gap');
    expect(displayTime(lh.utc, 'Australia/Lord_Howe')).toMatch(/02:45/);
  });

  it('takes the first occurrence of a time that happens twice and says so', () => {
    // Europe/Berlin, 25 Oct 2026: 03:00 CEST → 02:00 CET; 02:30 happens twice.
    const r = resolveTime('2026-10-25T02:30', 'Europe/Berlin');
    expect(r.adjustment).toBe('overlap');
    expect(r.utc).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST, the first
    expect(r.note).toMatch(/twice.*first/);
    const ny = resolveTime('2026-11-01T01:30', 'America/New_York');
    expect(ny.utc).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
  });

  it('refuses unknown zones and unreadable times with a clear message', () => {
    expect(() => resolveTime('2026-12-01T09:30', 'Mars/Olympus')).toThrow(/not a time zone/);
    expect(() => resolveTime('next tuesday', 'UTC')).toThrow(/not a date and time/);
    expect(() => resolveTime('2026-02-30T09:00', 'UTC')).toThrow(/not a date and time/);
  });
});
