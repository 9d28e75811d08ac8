/** The desktop shell's path grants: only paths from main's own dialogs reach a call that names a file. */
import { describe, expect, it } from 'vitest';
import { PathGrants } from '../../../electron/main/pathGrants';

describe('PathGrants', () => {
  it('swaps a granted token for its path once', () => {
    const g = new PathGrants();
    const t = g.grant('exportList', 'out', '/home/ann/list.csv');
    expect(t).toMatch(/^grant:[\w-]{32}$/);
    expect(g.resolve('exportList', ['out'], { list: 'L', out: t })).toEqual({
      ok: true,
      input: { list: 'L', out: '/home/ann/list.csv' },
    });
    expect(g.resolve('exportList', ['out'], { list: 'L', out: t })).toMatchObject({
      ok: false,
      field: 'out',
      reason: 'not_granted',
    });
  });

  it.each([
    ['a raw path', '/home/ann/.config/Understudy/understudy.sqlite'],
    ['a relative path', '../secrets.enc'],
    ['a guessed token', 'grant:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a number', 42],
    ['an object', { path: '/etc/passwd' }],
    ['null', null],
  ])('refuses %s in a path field', (_what, value) => {
    const g = new PathGrants();
    g.grant('importList', 'file', '/home/ann/export.csv');
    expect(g.resolve('importList', ['file'], { list: 'L', file: value })).toMatchObject({
      ok: false,
      field: 'file',
    });
  });

  it('refuses a token granted for another call or field, and spends nothing then', () => {
    const g = new PathGrants();
    const open = g.grant('importList', 'file', '/home/ann/export.csv');
    // An open dialog's choice cannot become an export's destination (overwriting what was chosen to read).
    expect(g.resolve('exportList', ['out'], { list: 'L', out: open }).ok).toBe(false);
    expect(g.resolve('importCodes', ['file'], { batch: 'b', file: open }).ok).toBe(false);
    expect(g.resolve('importList', ['file'], { list: 'L', file: open }).ok).toBe(true);
  });

  it('lets an optional path field stay absent, and passes calls without path fields through', () => {
    const g = new PathGrants();
    expect(g.resolve('incidentReport', ['out'], { id: 1 })).toEqual({ ok: true, input: { id: 1 } });
    expect(g.resolve('listLists', [], 'anything')).toEqual({ ok: true, input: 'anything' });
    expect(g.resolve('incidentReport', ['out'], 'not an object')).toMatchObject({
      ok: false,
      reason: 'not_an_object',
    });
  });

  it('peeks without spending (the import preview), and expires grants', () => {
    let now = 1_000;
    const g = new PathGrants({ ttlMs: 100, now: () => now });
    const t = g.grant('importList', 'file', '/home/ann/export.csv');
    expect(g.peek(t, 'importList', 'file')).toBe('/home/ann/export.csv');
    expect(g.peek(t, 'importList', 'file')).toBe('/home/ann/export.csv');
    expect(g.peek(t, 'requestRestore', 'file')).toBeUndefined();
    now += 100;
    expect(g.peek(t, 'importList', 'file')).toBeUndefined();
    expect(g.resolve('importList', ['file'], { file: t }).ok).toBe(false);
  });

  it('does not spend the first token when a later field is refused', () => {
    const g = new PathGrants();
    const a = g.grant('copy', 'from', '/a');
    expect(g.resolve('copy', ['from', 'to'], { from: a, to: '/etc/passwd' }).ok).toBe(false);
    expect(g.peek(a, 'copy', 'from')).toBe('/a');
  });
});
