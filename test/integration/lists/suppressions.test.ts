/**
 * Reviewing and undoing suppressions (issue 11, §2): the list and its filters, removal with a reason
 * (a complaint needs --force), what removal gives back to subscriber rows, the per-address history,
 * rollbacks recorded by the engine, the same calls through the dispatcher — on a real SQLite file.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';
import { seedSuppressions, DAY } from '../../helpers/suppressions';
import { Engine } from '../../../electron/engine/engine';
import { createDispatcher } from '../../../electron/engine/handlers';
import { parseSince } from '../../../electron/engine/mirror/suppressions';
import { SUPPRESSION_EVENTS } from '../../../electron/engine/api/suppressions';

const statusOf = (dbPath: string, id: number): string => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT status FROM subscribers WHERE id = ?').pluck().get(id) as string;
  } finally {
    db.close();
  }
};
const suppressed = (dbPath: string): string[] => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT email_norm FROM suppressions ORDER BY 1').pluck().all() as string[];
  } finally {
    db.close();
  }
};

describe('suppressions list', () => {
  it('lists newest first with reason, source and date; filters by reason, since and part of the address; pages', async () => {
    const f = await seedSuppressions(tempDir());
    const all = await cli(['suppressions', 'list', '--db', f.dbPath, '--json']);
    expect(all.code).toBe(0);
    const page = all.json() as { total: number; rows: { email: string; reason: string; source: string }[] };
    expect(page.total).toBe(6);
    expect(page.rows.map((r) => r.email)).toEqual([
      'ghost@example.net',
      'carol@example.com',
      'bob@example.com',
      'eve@example.com',
      'ann@example.com',
      'dan@example.com',
    ]);
    expect(page.rows[2]).toMatchObject({ reason: 'bounced', source: 'send' });

    const bounced = (
      await cli(['suppressions', 'list', '--reason', 'bounced', '--db', f.dbPath, '--json'])
    ).json();
    expect((bounced as { rows: { email: string }[] }).rows.map((r) => r.email)).toEqual([
      'bob@example.com',
      'eve@example.com',
      'ann@example.com',
    ]);
    const week = (await cli(['suppressions', 'list', '--since', '7d', '--db', f.dbPath, '--json'])).json();
    expect((week as { total: number }).total).toBe(4);
    const sinceDate = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
    const month = (
      await cli(['suppressions', 'list', '--since', sinceDate, '--db', f.dbPath, '--json'])
    ).json();
    expect((month as { total: number }).total).toBe(5);
    const search = (
      await cli(['suppressions', 'list', '--search', 'EXAMPLE.NET', '--db', f.dbPath, '--json'])
    ).json();
    expect((search as { rows: { email: string }[] }).rows.map((r) => r.email)).toEqual(['ghost@example.net']);
    const paged = (
      await cli(['suppressions', 'list', '--limit', '2', '--offset', '2', '--db', f.dbPath, '--json'])
    ).json() as { total: number; rows: { email: string }[] };
    expect(paged.total).toBe(6);
    expect(paged.rows.map((r) => r.email)).toEqual(['bob@example.com', 'eve@example.com']);

    const human = await cli(['suppressions', 'list', '--reason', 'complained', '--db', f.dbPath]);
    expect(human.stdout).toContain('1 suppressed address:');
    expect(human.stdout).toMatch(
      /carol@example\.com {2}complained {2}since \d{4}-\d\d-\d\d \d\d:\d\d UTC {2}from inbox/,
    );
  });

  it('parses since as a date, a zoned date-time or a span, and refuses impossible dates', () => {
    const now = new Date('2026-12-06T12:00:00.000Z');
    expect(parseSince('2026-12-01', now)).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('2026-12-01T09:00+01:00', now)).toBe('2026-12-01T08:00:00.000Z');
    expect(parseSince('24h', now)).toBe('2026-12-05T12:00:00.000Z');
    expect(parseSince('2w', now)).toBe('2026-11-22T12:00:00.000Z');
    expect(() => parseSince('2027-02-30', now)).toThrow(/does not exist/);
    expect(() => parseSince('2026-12-01T25:00Z', now)).toThrow(/impossible time/);
    expect(() => parseSince('last tuesday', now)).toThrow(/not a date/);
  });
});

describe('suppressions remove', () => {
  it('lifts a bounce with a reason, gives back the statuses an event recorded, logs it, and shows it in list and history', async () => {
    const f = await seedSuppressions(tempDir());
    const r = await cli([
      'suppressions',
      'remove',
      ' Ann@Example.com ',
      '--why',
      'she fixed her mailbox',
      '--db',
      f.dbPath,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      email: 'ann@example.com',
      removed: { reason: 'bounced', source: 'inbox' },
      warning: null,
      restored: [
        { list: 'Newsletter', from: 'bounced', to: 'subscribed' },
        { list: 'Shop', from: 'bounced', to: 'subscribed' },
      ],
      stillBlocked: [],
    });
    expect(suppressed(f.dbPath)).not.toContain('ann@example.com');
    expect(statusOf(f.dbPath, f.ids.Newsletter['ann@example.com']!)).toBe('subscribed');

    const hist = (
      await cli(['suppressions', 'history', 'ann@example.com', '--db', f.dbPath, '--json'])
    ).json() as {
      current: unknown;
      events: { type: string; data: Record<string, unknown> }[];
    };
    expect(hist.current).toBeNull();
    expect(hist.events.map((e) => e.type)).toEqual([SUPPRESSION_EVENTS.removed, 'subscriber.bounced']);
    expect(hist.events[0]!.data).toMatchObject({
      why: 'she fixed her mailbox',
      reason: 'bounced',
      force: false,
    });

    const list = (await cli(['suppressions', 'list', '--db', f.dbPath, '--json'])).json() as {
      total: number;
      lifted: { email: string; how: string; why: string }[];
    };
    expect(list.total).toBe(5);
    expect(list.lifted).toMatchObject([
      { email: 'ann@example.com', how: 'removed', why: 'she fixed her mailbox' },
    ]);
  });

  it('never resubscribes someone who had unsubscribed: the recorded status comes back, not "subscribed"', async () => {
    const f = await seedSuppressions(tempDir());
    const r = await cli([
      'suppressions',
      'remove',
      'eve@example.com',
      '--why',
      'typo fixed',
      '--db',
      f.dbPath,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      restored: [
        { list: 'Newsletter', from: 'bounced', to: 'unsubscribed' },
        { list: 'Shop', from: 'bounced', to: 'subscribed' },
      ],
    });
    expect(statusOf(f.dbPath, f.ids.Newsletter['eve@example.com']!)).toBe('unsubscribed');
  });

  it('leaves rows no event recorded for as they are, and says so', async () => {
    const f = await seedSuppressions(tempDir());
    const r = await cli([
      'suppressions',
      'remove',
      'bob@example.com',
      '--why',
      'provider fault',
      '--db',
      f.dbPath,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('bob@example.com can get mail again (it was bounced since');
    expect(r.stdout).toContain(
      '"Newsletter": still bounced; it gets this list\'s mail only once you subscribe the person there again.',
    );
    expect(statusOf(f.dbPath, f.ids.Newsletter['bob@example.com']!)).toBe('bounced');
  });

  it('lifts a spam complaint only with --force, with a warning, and leaves the complained rows alone', async () => {
    const f = await seedSuppressions(tempDir());
    const refused = await cli([
      'suppressions',
      'remove',
      'carol@example.com',
      '--why',
      'she asked',
      '--db',
      f.dbPath,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('reported your mail as spam');
    expect(suppressed(f.dbPath)).toContain('carol@example.com');

    const r = await cli([
      'suppressions',
      'remove',
      'carol@example.com',
      '--why',
      'she wrote to ask for the newsletter again',
      '--force',
      '--db',
      f.dbPath,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: This person reported your mail as spam.');
    expect(r.json()).toMatchObject({
      warning: expect.stringContaining('sender reputation'),
      restored: [],
      stillBlocked: [{ list: 'Newsletter', status: 'complained' }],
    });
    expect(statusOf(f.dbPath, f.ids.Newsletter['carol@example.com']!)).toBe('complained');
    const hist = (
      await cli(['suppressions', 'history', 'carol@example.com', '--db', f.dbPath, '--json'])
    ).json() as {
      events: { type: string; severity: string; data: Record<string, unknown> }[];
    };
    expect(hist.events[0]).toMatchObject({
      type: 'suppression.removed',
      severity: 'warning',
      data: { force: true },
    });
  });

  it('does not restore a row that changed since the suppression (only the status the suppression gave is undone)', async () => {
    const f = await seedSuppressions(tempDir());
    const engine = Engine.open({ dbPath: f.dbPath });
    engine.repos.subscribers.setStatus(
      f.ids.Shop['ann@example.com']!,
      'unsubscribed',
      'unsubscribe link',
      engine.now(),
    );
    await engine.close();
    const r = await cli([
      'suppressions',
      'remove',
      'ann@example.com',
      '--why',
      'ok',
      '--db',
      f.dbPath,
      '--json',
    ]);
    expect(r.json()).toMatchObject({
      restored: [{ list: 'Newsletter', to: 'subscribed' }],
      stillBlocked: [],
    });
    expect(statusOf(f.dbPath, f.ids.Shop['ann@example.com']!)).toBe('unsubscribed');
  });
});

describe('rollbacks recorded by the engine and the API', () => {
  it('shows suppression.rolled_back events (one address or a batch) in the list and the history', async () => {
    const f = await seedSuppressions(tempDir());
    const engine = Engine.open({ dbPath: f.dbPath });
    engine.record({
      type: SUPPRESSION_EVENTS.rolledBack,
      message: 'Rolled back: the provider rejected every recipient.',
      data: { emails: ['zed@example.org', 'yan@example.org'], providerId: 3 },
    });
    engine.record({
      type: SUPPRESSION_EVENTS.rolledBack,
      message: 'Rolled back xi@example.org.',
      data: { email: 'xi@example.org', reason: 'bounced' },
    });
    await engine.close();
    const list = (await cli(['suppressions', 'list', '--db', f.dbPath, '--json'])).json() as {
      lifted: { email: string; how: string }[];
    };
    expect(list.lifted.map((l) => [l.email, l.how])).toEqual([
      ['xi@example.org', 'rolled_back'],
      ['zed@example.org', 'rolled_back'],
      ['yan@example.org', 'rolled_back'],
    ]);
    const hist = await cli(['suppressions', 'history', 'YAN@example.org', '--db', f.dbPath]);
    expect(hist.stdout).toContain('yan@example.org is not suppressed.');
    expect(hist.stdout).toContain('suppression.rolled_back');
  });

  it('serves the same calls through the dispatcher (IPC and HTTP), with the reason and force rules', async () => {
    const f = await seedSuppressions(tempDir());
    const engine = Engine.open({ dbPath: f.dbPath });
    try {
      const { dispatch } = createDispatcher(engine);
      const page = await dispatch('listSuppressions', { reason: 'complained' });
      expect(page).toMatchObject({ ok: true, value: { total: 1, rows: [{ email: 'carol@example.com' }] } });
      expect(await dispatch('removeSuppression', { email: 'dan@example.com', why: '  ' })).toMatchObject({
        ok: false,
        error: { kind: 'user', code: 'why_required' },
      });
      expect(await dispatch('removeSuppression', { email: 'carol@example.com', why: 'asked' })).toMatchObject(
        {
          ok: false,
          error: { code: 'complaint_needs_force' },
        },
      );
      expect(await dispatch('listSuppressions', { since: '2027-02-30' })).toMatchObject({
        ok: false,
        error: { code: 'bad_since' },
      });
      const done = await dispatch('removeSuppression', { email: 'dan@example.com', why: 'verified address' });
      expect(done).toMatchObject({
        ok: true,
        value: { email: 'dan@example.com', stillBlocked: [{ status: 'cleaned' }] },
      });
      const hist = await dispatch('suppressionHistory', { email: 'dan@example.com' });
      expect(hist).toMatchObject({
        ok: true,
        value: { current: null, events: [{ type: 'suppression.removed' }] },
      });
    } finally {
      await engine.close();
    }
  });
});
