/**
 * The post-incident review and the runbook (issue 16 §7), through the real CLI on a real SQLite file:
 * the review is written and edited, each change lands on the incident's timeline, it is printed with
 * the report; the runbook is generated from the setup, names what is missing, and writes only where
 * it may.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { Engine } from '../../../electron/engine/engine';
import { INCIDENT_CAUSES, type IncidentReview, type Runbook } from '../../../electron/engine/api/review';
import { CAUSES_0012 } from '../../../electron/engine/db/migrations/0012_incident_review';
import { BACKUP_SETTINGS_KEY } from '../../../electron/engine/files/backupSettings';
import { ALERT_SETTINGS_KEY } from '../../../electron/engine/continuity/teamAlerts';
import { createDispatcher } from '../../../electron/engine/handlers';

async function setup(): Promise<{ db: string; dir: string }> {
  const dir = tempDir();
  const db = join(dir, 'u.sqlite');
  const e = Engine.open({ dbPath: db });
  e.repos.incidents.open(null, 'Mailchimp down', e.now());
  await e.close();
  return { db, dir };
}

const smtp = (name: string, priority: number) => ({
  name,
  kind: 'smtp' as const,
  type: 'smtp',
  config: { host: '127.0.0.1', port: 2525, user: 'u' },
  secretRef: `smtp-${name}`,
  preset: name === 'ses' ? 'ses' : null,
  priority,
  weight: 1,
  caps: { perSecond: null, perMinute: null, perHour: 500, perDay: 2000 },
  maxConnections: 2,
});

describe('incident review', () => {
  it('is written and edited in the CLI, each change on the timeline, and printed with the report', async () => {
    const { db } = await setup();
    const empty = await cli(['incidents', 'review', '1', '--db', db, '--json']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.json()).toMatchObject({ cause: null, actions: [], updatedAt: null });

    const saved = await cli([
      'incidents',
      'review',
      '1',
      '--cause',
      'esp outage',
      '--cause-text',
      'Mailchimp API returned 503 for two hours.',
      '--worked',
      'The newsletter went out through SES within 35 minutes.',
      '--did-not-work',
      'Nobody was alerted by email.',
      '--db',
      db,
    ]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/Cause: The email service \(ESP\) was down — Mailchimp API returned 503/);

    const add = await cli([
      'incidents',
      'action',
      '1',
      'Add',
      'the',
      'team',
      'to',
      'alerts',
      '--owner',
      'Sam',
      '--db',
      db,
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Action 1 added for Sam/);
    await cli(['incidents', 'action', '1', 'Buy a second backup', '--owner', 'Ann', '--db', db]);
    const done = await cli(['incidents', 'action', '1', '--done', '1', '--db', db, '--json']);
    expect(done.code, done.stderr).toBe(0);
    const r = done.json() as IncidentReview;
    expect(r.actions.map((a) => [a.text, a.owner, a.done])).toEqual([
      ['Add the team to alerts', 'Sam', true],
      ['Buy a second backup', 'Ann', false],
    ]);
    expect(r.actions[0]!.doneAt).not.toBeNull();
    const removed = await cli(['incidents', 'action', '1', '--remove', '2', '--db', db, '--json']);
    expect((removed.json() as IncidentReview).actions).toHaveLength(1);

    // Saving the same text again changes nothing and records nothing.
    const again = await cli([
      'incidents',
      'review',
      '1',
      '--worked',
      'The newsletter went out through SES within 35 minutes.',
      '--db',
      db,
    ]);
    expect(again.code).toBe(0);

    const shown = await cli(['incidents', 'show', '1', '--db', db, '--json']);
    const types = (shown.json() as { timeline: { type: string }[] }).timeline.map((e) => e.type);
    expect(types.filter((t) => t === 'incident.review_saved')).toHaveLength(1);
    expect(types.filter((t) => t === 'incident.action_added')).toHaveLength(2);
    expect(types.filter((t) => t === 'incident.action_changed')).toHaveLength(2);

    const report = await cli(['report', '1', '--db', db]);
    expect(report.code, report.stderr).toBe(0);
    const review = report.stdout.slice(report.stdout.indexOf('<div data-review>'));
    expect(review).toMatch(/The email service \(ESP\) was down/);
    expect(review).toMatch(/Mailchimp API returned 503/);
    expect(review).toMatch(/within 35 minutes/);
    expect(review).toMatch(/Nobody was alerted by email/);
    expect(review).toMatch(/<td>Add the team to alerts<\/td><td>Sam<\/td><td>yes/);
  });

  it('refuses what it cannot keep, in words, and changes nothing', async () => {
    const { db } = await setup();
    const before = readFileSync(db);
    const cases: [string[], RegExp][] = [
      [
        ['incidents', 'review', '1', '--cause', 'aliens'],
        /"aliens" is not one of the causes[\s\S]*esp_outage \(The email service/,
      ],
      [['incidents', 'review', '9', '--worked', 'x'], /no incident 9/],
      [['incidents', 'action', '1', 'Do', 'it'], /needs an owner[\s\S]*--owner/],
      [['incidents', 'action', '1', '--owner', 'Sam'], /Say what is to be done/],
      [['incidents', 'action', '1', '--done', '4'], /has no action 4/],
      [['incidents', 'action', '1', '--done', 'x'], /"x" is not an action number/],
      [['incidents', 'action', '1', '--done', '1', '--remove', '1'], /either an action to add, or one of/],
    ];
    for (const [args, message] of cases) {
      const r = await cli([...args, '--db', db]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM incident_reviews').get()).toEqual({ n: 0 });
    expect(raw.prepare('SELECT count(*) AS n FROM incident_actions').get()).toEqual({ n: 0 });
    raw.close();
    expect(before.length).toBeGreaterThan(0);
  });

  it('the stored causes are the contract’s, and the table refuses any other', async () => {
    expect([...INCIDENT_CAUSES]).toEqual(CAUSES_0012);
    const { db } = await setup();
    const raw = new Database(db);
    expect(() =>
      raw
        .prepare(`INSERT INTO incident_reviews (incident_id, cause, updated_at) VALUES (1, 'aliens', 'x')`)
        .run(),
    ).toThrow(/CHECK/);
    raw.close();
  });

  it('the app edits the same review through the contract', async () => {
    const { db } = await setup();
    const e = Engine.open({ dbPath: db });
    try {
      const { dispatch } = createDispatcher(e);
      const s = await dispatch('saveIncidentReview', {
        id: 1,
        cause: 'credentials',
        worked: 'Drill found it',
      });
      expect(s).toMatchObject({ ok: true, value: { cause: 'credentials', worked: 'Drill found it' } });
      const bad = await dispatch('addReviewAction', { id: 1, text: 'Rotate the key', owner: '   ' });
      expect(bad).toMatchObject({ ok: false, error: { kind: 'user' } });
      const a = await dispatch('addReviewAction', { id: 1, text: 'Rotate the key', owner: 'Ann' });
      expect(a).toMatchObject({ ok: true, value: { actions: [{ text: 'Rotate the key', owner: 'Ann' }] } });
      const got = await dispatch('getIncidentReview', { id: 1 });
      expect(got).toMatchObject({ ok: true, value: { cause: 'credentials', actions: [{ done: false }] } });
    } finally {
      await e.close();
    }
  });
});

describe('runbook', () => {
  it('is generated from the setup and lists what is missing, each with what to do', async () => {
    const { db } = await setup();
    const r = await cli(['runbook', '--db', db, '--json', '--out', join(db, '..', 'runbook.html')]);
    expect(r.code, r.stderr).toBe(0);
    const rb = r.json() as Runbook & { out: string };
    expect(rb.gaps.join('\n')).toMatch(/Nobody is alerted/);
    expect(rb.gaps.join('\n')).toMatch(/no backup sending account/);
    expect(rb.gaps.join('\n')).toMatch(/No postal address/);
    expect(rb.gaps.join('\n')).toMatch(/No unsubscribe address/);
    expect(rb.gaps.join('\n')).toMatch(/this computer only/);
    expect(rb.rules.join('\n')).toMatch(/waits up to 30 min/);
    const html = readFileSync(rb.out, 'utf8');
    expect(html).toMatch(/<h1>Email outage runbook/);
    expect(html).toMatch(/Fix before the next outage/);
    expect(html).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/); // no ISO timestamps for a person to read
  });

  it('shows each backup in the order used, with its readiness, and the gaps close as the setup does', async () => {
    const { db, dir } = await setup();
    const e = Engine.open({ dbPath: db });
    const now = e.now();
    const first = e.repos.providers.create(smtp('ses', 1), now);
    e.repos.providers.create(smtp('relay-a', 2), now);
    e.repos.providers.create(smtp('relay-b', 2), now);
    const d = e.repos.drills.start(first.id, '<m@x>', now);
    e.repos.drills.finish(d.id, 'passed', 'arrived in 4 s', now);
    e.repos.settings.set(ALERT_SETTINGS_KEY, { to: ['team@shop.example'] }, now);
    e.repos.settings.set(BACKUP_SETTINGS_KEY, { mirrorDir: join(dir, 'usb') }, now);
    e.repos.settings.set('sending.postal_address', '1 Harbour Street', now);
    e.repos.settings.set('sending.company_name', 'Harbour Shop', now);
    e.repos.settings.set('sending.unsubscribe_url', 'https://unsub.shop.example', now);
    await e.close();

    const r = await cli(['runbook', '--db', db, '--json', '--out', join(dir, 'rb.html')]);
    expect(r.code, r.stderr).toBe(0);
    const rb = r.json() as Runbook;
    expect(rb.company).toBe('Harbour Shop');
    expect(rb.contacts).toEqual([expect.stringMatching(/^team@shop\.example/)]);
    expect(rb.backups.map((b) => [b.name, b.order])).toEqual([
      ['ses', '1st in line'],
      ['relay-a', 'shares the load with relay-b'],
      ['relay-b', 'shares the load with relay-a'],
    ]);
    expect(rb.backups[0]).toMatchObject({
      caps: '500/hour, 2000/day',
      lastDrill: expect.stringMatching(/^passed /),
    });
    expect(rb.backups[0]!.dnsRecords[0]).toMatchObject({
      type: 'TXT',
      value: expect.stringMatching(/include:amazonses\.com/),
    });
    expect(rb.backups[1]!.lastDrill).toBe('never');
    const gaps = rb.gaps.join('\n');
    expect(gaps).not.toMatch(/Nobody is alerted|this computer only|postal address|unsubscribe/);
    expect(gaps).toMatch(/relay-a: email authentication was never checked/);
    expect(gaps).toMatch(/relay-b: no passed drill/);
    expect(rb.drills[0]).toMatch(/ses: arrived/);
    expect(rb.notices.map((n) => n.subject)).toEqual([
      'A note from Harbour Shop about our emails',
      'We are sorry — Harbour Shop',
    ]);
  });

  it('writes only where it may: never over the database, an existing file only with --force', async () => {
    const { db, dir } = await setup();
    const dbBytes = readFileSync(db);
    const onDb = await cli(['runbook', '--out', db, '--db', db]);
    expect(onDb.code).toBe(1);
    expect(onDb.stderr).toMatch(/is the Understudy database/);
    expect(readFileSync(db).equals(dbBytes)).toBe(true);
    const out = join(dir, 'plan.html');
    writeFileSync(out, 'keep me');
    const exists = await cli(['runbook', '--out', out, '--db', db]);
    expect(exists.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const forced = await cli(['runbook', '--out', out, '--force', '--db', db]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/Email outage runbook/);
    const stdout = await cli(['runbook', '--db', db]);
    expect(stdout.stdout).toMatch(/^<!doctype html>/);
    expect(existsSync(join(dir, 'runbook.html'))).toBe(false);
  });
});
