/**
 * Issue 11 §2, "every change is in the events log": each path that suppresses an address records a
 * suppression.added event with the earlier status of the rows it changed, the per-address history shows
 * it, and `suppressions remove` gives that status back. Real parts: a real SQLite file, the real
 * importer, a real SMTP server refusing one recipient, the fake Mailchimp on loopback. (The backup
 * mailbox's path is in continuity/mailbox.test.ts, next to its Dovecot set-up.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../../electron/engine/engine';
import type { EventRow } from '../../../electron/engine/db/repos/events';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import {
  ONE_EVENT_EACH_UP_TO,
  removeSuppression,
  suppressionHistory,
} from '../../../electron/engine/mirror/suppressions';
import { SUPPRESSION_EVENTS, SuppressionAddedDataSchema } from '../../../electron/engine/api/suppressions';
import { runCampaign } from '../../../electron/engine/sending';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { espEngine } from '../esp/helpers';
import { campaign, FAST, server, smtpProvider, world } from '../sending/fixture';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { Engine as EngineClass } from '../../../electron/engine/engine';
import { connectMailchimp } from '../../helpers/connectMailchimp';

const open: Engine[] = [];
const fakes: FakeMailchimp[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  for (const f of fakes.splice(0)) await f.stop();
});

/** The suppression.added events the history of `email` shows (checked against the contract). */
function addedEvents(engine: Engine, email: string): EventRow[] {
  const h = suppressionHistory(engine, email);
  const added = h.events.filter((e) => e.type === SUPPRESSION_EVENTS.added);
  for (const e of added) SuppressionAddedDataSchema.parse(e.data);
  return added;
}

const allAdded = (engine: Engine): EventRow[] =>
  engine.repos.events.recent(10_000).filter((e) => e.type === SUPPRESSION_EVENTS.added);

describe('suppression.added, for each path that suppresses', () => {
  it('send: a recipient the server refuses as unknown; the event names the provider and the status before, and removal restores it', async () => {
    const w = await world(30);
    open.push(w.engine);
    const srv = await server({
      rejectRcpt: {
        'user3@example.test': { code: 550, message: '5.1.1 <user3@example.test>: User unknown' },
      },
    });
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 29, failed: 1 });
    const list = w.engine.repos.lists.byName('Customers')!;
    const sub = w.engine.repos.subscribers.byEmail(list.id, 'user3@example.test')!;
    expect(sub.status).toBe('bounced');

    const [ev, ...more] = addedEvents(w.engine, 'user3@example.test');
    expect(more).toHaveLength(0);
    expect(ev!.campaignId).toBe(id);
    expect(ev!.providerId).toBe(w.engine.repos.providers.byName('relay')!.id);
    expect(ev!.message).toContain('"relay" refused it during sending');
    expect(ev!.data).toMatchObject({
      email: 'user3@example.test',
      reason: 'bounced',
      source: 'send',
      previous: [{ subscriberId: sub.id, status: 'subscribed' }],
    });
    expect(String(ev!.data.detail)).toContain('User unknown');
    expect(allAdded(w.engine)).toHaveLength(1); // nobody else was suppressed, nobody else logged

    const r = removeSuppression(w.engine, { email: 'user3@example.test', why: 'the mailbox exists again' });
    expect(r.restored).toEqual([{ list: 'Customers', listId: list.id, from: 'bounced', to: 'subscribed' }]);
    expect(r.stillBlocked).toEqual([]);
    expect(w.engine.repos.subscribers.byId(sub.id)!.status).toBe('subscribed');
  });

  it('import: a few addresses get one event each, many get one event listing them; history finds both, removal restores', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'understudy.sqlite');
    const engine = EngineClass.open({ dbPath });
    const csv = join(dir, 'people.csv');
    const people = Array.from({ length: 100 }, (_, i) => `p${i}@example.org`);
    writeFileSync(csv, `email,first_name,status\n${people.map((p) => `${p},P,subscribed`).join('\n')}\n`);
    await importFile(engine, { file: csv, list: 'Shop', rejectReport: join(dir, 'r1.csv') });
    const shop = engine.repos.lists.byName('Shop')!;
    const idOf = (e: string) => engine.repos.subscribers.byEmail(shop.id, e)!.id;
    expect(allAdded(engine)).toHaveLength(0);

    // Many: 60 of them come back cleaned, plus 5 new bounced addresses.
    const many = people.slice(0, 60);
    const fresh = Array.from({ length: 5 }, (_, i) => `new${i}@example.org`);
    writeFileSync(
      csv,
      `email,first_name,status\n${[
        ...many.map((p) => `${p},P,cleaned`),
        ...fresh.map((p) => `${p},N,bounced`),
      ].join('\n')}\n`,
    );
    await importFile(engine, { file: csv, list: 'Shop', rejectReport: join(dir, 'r2.csv') });
    expect(many.length + fresh.length).toBeGreaterThan(ONE_EVENT_EACH_UP_TO);
    const batch = allAdded(engine);
    // One event per reason, each listing its addresses.
    expect(batch.map((e) => [e.data.reason, e.data.count]).sort()).toEqual([
      ['bounced', 5],
      ['cleaned', 60],
    ]);
    const cleaned = batch.find((e) => e.data.reason === 'cleaned')!;
    expect(cleaned.listId).toBe(shop.id);
    expect(cleaned.data).toMatchObject({ source: 'import:csv', emails: many });
    expect(cleaned.data.previous).toEqual([]);
    expect(cleaned.data.previousByStatus).toEqual({ subscribed: many.map(idOf) });
    expect(batch.find((e) => e.data.reason === 'bounced')!.data).toMatchObject({
      emails: fresh,
      previous: [],
      previousByStatus: {},
    });
    // The history of one address finds the batch event; removal restores the status it recorded.
    expect(addedEvents(engine, 'P42@Example.org').map((e) => e.id)).toEqual([cleaned.id]);
    expect(addedEvents(engine, 'p61@example.org')).toEqual([]);
    const r = removeSuppression(engine, { email: 'p42@example.org', why: 'they re-confirmed by phone' });
    expect(r.restored).toEqual([{ list: 'Shop', listId: shop.id, from: 'cleaned', to: 'subscribed' }]);
    expect(engine.repos.subscribers.byId(idOf('p42@example.org'))!.status).toBe('subscribed');
    // A new address has no earlier status to give back: it stays blocked in its list, and says so.
    const n = removeSuppression(engine, { email: 'new0@example.org', why: 'typo fixed at the source' });
    expect(n.restored).toEqual([]);
    expect(n.stillBlocked).toEqual([{ list: 'Shop', listId: shop.id, status: 'bounced' }]);

    // A few: one event per address, naming it.
    writeFileSync(csv, 'email,first_name,status\np70@example.org,P,cleaned\np71@example.org,P,complained\n');
    await importFile(engine, { file: csv, list: 'Shop', rejectReport: join(dir, 'r3.csv') });
    const [ev70] = addedEvents(engine, 'p70@example.org');
    expect(ev70!.data).toMatchObject({
      email: 'p70@example.org',
      reason: 'cleaned',
      source: 'import:csv',
      previous: [{ subscriberId: idOf('p70@example.org'), status: 'subscribed' }],
    });
    expect(addedEvents(engine, 'p71@example.org')[0]!.data).toMatchObject({ reason: 'complained' });
    await engine.close();

    // `suppressions history` shows the batch event for an address inside it.
    const h = await cli(['suppressions', 'history', 'p10@example.org', '--db', dbPath]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('p10@example.org is suppressed: cleaned');
    expect(h.stdout).toMatch(
      /suppression\.added {2}60 addresses will get no more mail from any list: each was cleaned/,
    );
    const removed = await cli([
      'suppressions',
      'remove',
      'p70@example.org',
      '--why',
      'asked to stay',
      '--db',
      dbPath,
      '--json',
    ]);
    expect(removed.code).toBe(0);
    expect((removed.json() as { restored: { to: string }[] }).restored).toEqual([
      expect.objectContaining({ from: 'cleaned', to: 'subscribed' }),
    ]);
  });

  it('sync: a member the ESP marks cleaned; the event records the status the mirror had, and removal restores it', async () => {
    const fake = new FakeMailchimp();
    await fake.start();
    fakes.push(fake);
    const { engine } = await espEngine();
    open.push(engine);
    fake.addList('L1', 'Newsletter');
    fake.seedMembers('L1', 30);
    fake.upsertMember('L1', 'bounced@example.com', { status: 'cleaned' });
    await connectMailchimp(engine, fake);
    await syncEsp(engine);
    const list = engine.repos.lists.all().find((l) => l.espListId === 'L1')!;
    const mc = engine.repos.providers.byName('MC')!;
    // Cleaned at the ESP before the first sync: suppressed, with no earlier status here.
    const [first] = addedEvents(engine, 'bounced@example.com');
    expect(first!.data).toMatchObject({
      email: 'bounced@example.com',
      reason: 'cleaned',
      source: 'esp:mailchimp',
      previous: [],
    });
    expect(first!.providerId).toBe(mc.id);
    expect(first!.listId).toBe(list.id);

    const sub = engine.repos.subscribers.byEmail(list.id, 'user3@example.com')!;
    expect(sub.status).toBe('subscribed');
    fake.upsertMember('L1', 'user3@example.com', { status: 'cleaned' });
    await syncEsp(engine);
    expect(engine.repos.subscribers.byId(sub.id)!.status).toBe('cleaned');
    const [ev] = addedEvents(engine, 'user3@example.com');
    expect(ev!.data).toMatchObject({
      email: 'user3@example.com',
      reason: 'cleaned',
      source: 'esp:mailchimp',
      previous: [{ subscriberId: sub.id, status: 'subscribed' }],
    });
    expect(ev!.message).toContain('synced into "Newsletter"');

    const r = removeSuppression(engine, { email: 'user3@example.com', why: 'cleaned by mistake' });
    expect(r.restored).toEqual([{ list: list.name, listId: list.id, from: 'cleaned', to: 'subscribed' }]);
    expect(engine.repos.subscribers.byId(sub.id)!.status).toBe('subscribed');
  });
});
