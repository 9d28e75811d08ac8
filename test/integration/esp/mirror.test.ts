/**
 * Mirror details: members deleted at the ESP are archived after a full pass, a list imported from the
 * ESP's CSV export is adopted (not duplicated), an address changed at the ESP follows its ESP id, a
 * cancelled sync keeps whole pages only, tagging backup recipients, and the query plans of the sync's
 * hot lookups.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import {
  addConnection,
  findConnection,
  openConnector,
} from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { FakeMailchimp, md5 } from '../../fakes/mailchimp';
import { addedAndUnsubscribedHere, espEngine } from './helpers';
import { planOf } from '../../helpers/queryPlan';

let fake: FakeMailchimp;
let engine: Engine;

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', 2200);
  ({ engine } = await espEngine());
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const connect = () =>
  addConnection(engine, {
    kind: 'mailchimp',
    name: 'MC',
    apiKey: fake.key,
    baseUrl: fake.baseUrl,
    statusUrl: null,
  });
const list = () => engine.repos.lists.all().find((l) => l.espListId === 'L1')!;

describe('ESP mirror', () => {
  it('archives members deleted at the ESP after a full pass, and leaves stricter statuses alone', async () => {
    await connect();
    await syncEsp(engine);
    fake.removeMember('L1', 'user5@example.com');
    fake.removeMember('L1', 'user6@example.com');
    const six = engine.repos.subscribers.byEmail(list().id, 'user6@example.com')!;
    engine.repos.subscribers.setStatus(six.id, 'complained', 'fbl', engine.now());
    const [s] = await syncEsp(engine, { full: true });
    expect(s!.members.archived).toBe(1);
    expect(engine.repos.subscribers.byEmail(list().id, 'user5@example.com')!.status).toBe('archived');
    expect(engine.repos.subscribers.byEmail(list().id, 'user6@example.com')!.status).toBe('complained');
    expect(engine.repos.subscribers.byEmail(list().id, 'user7@example.com')!.status).toBe('subscribed');
  });

  it("adopts a list imported earlier under the ESP list's name instead of making a second one", async () => {
    const local = engine.repos.lists.create({ name: 'Newsletter', now: engine.now() });
    await connect();
    await syncEsp(engine);
    expect(engine.repos.lists.all()).toHaveLength(1);
    expect(list().id).toBe(local.id);
    expect(engine.repos.subscribers.count({ listId: local.id })).toBe(2200);
  });

  it('follows a member whose address changed at the ESP (same ESP id)', async () => {
    await connect();
    await syncEsp(engine);
    // Mailchimp keeps the member's id when the address is edited.
    const l = fake.lists.get('L1')!;
    const m = l.members.get(md5('user9@example.com'))!;
    l.members.delete(m.id);
    l.members.set(m.id, { ...m, email_address: 'user9.new@example.com', last_changed: fake.tick() });
    l.ordered = undefined;
    await syncEsp(engine);
    expect(engine.repos.subscribers.byEmail(list().id, 'user9@example.com')).toBeUndefined();
    expect(engine.repos.subscribers.byEmail(list().id, 'user9.new@example.com')).toMatchObject({
      espId: m.id,
      firstName: 'First9',
    });
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2200);
  });

  it('a first sync into an empty list that is written to meanwhile looks every row up again (a local unsubscribe made meanwhile is kept)', async () => {
    await connect();
    // Pages come newest change first: user2199 … user1200, then user1199 … user200, then user199 … user0.
    // While page 2 is requested (page 1 applied), someone adds user5, still to come on page 3, and
    // unsubscribes it locally: the first pass's lookup-free inserts must not trip over it or lose it.
    let added = false;
    fake.server.beforeRequest = (r) => {
      if (added || r.path !== '/lists/L1/members' || r.query.get('offset') !== '1000') return;
      added = true;
      addedAndUnsubscribedHere(engine, list().id, 'user5@example.com', { pushBack: true });
    };
    const [s] = await syncEsp(engine);
    expect(added).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2200);
    expect(engine.repos.subscribers.byEmail(list().id, 'user5@example.com')).toMatchObject({
      status: 'unsubscribed',
      espId: md5('user5@example.com'),
      firstName: 'First5',
    });
    expect(s!.members.added).toBe(2199);
    expect(s!.members.keptLocal).toBeGreaterThan(0);
    expect(engine.repos.espPushback.countByState(list().providerId!).pending).toBe(1);
  });

  it("asks for a new list's pages at once and for none past its end; the follow-up and campaigns travel beside them", async () => {
    await connect();
    // Every answer takes a while, as a real ESP's does: what is asked before what is answered shows.
    fake.server.latencyMs = 150;
    const log: string[] = [];
    const name = (path: string, q: URLSearchParams) =>
      path.endsWith('/members')
        ? `members ${q.get('offset')}${q.get('since_last_changed') ? ' since' : ''}`
        : path.replace(/^.*\//, '');
    fake.server.beforeRequest = (r) => log.push(`ask ${name(r.path, r.query)}`);
    fake.server.onExchange = (x) => {
      const u = new URL(x.url, 'http://x');
      log.push(`answer ${name(u.pathname, u.searchParams)}`);
    };
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(2200);
    const asked = log.filter((l) => l.startsWith('ask members') && !l.endsWith('since'));
    // 2,200 members are three pages of 1,000: exactly those, and no request past the end.
    expect(asked.sort()).toEqual(['ask members 0', 'ask members 1000', 'ask members 2000']);
    // All three asked before the first is answered (the list said its size), not one after another.
    const firstAnswer = log.indexOf('answer members 0');
    for (const a of asked) expect(log.indexOf(a)).toBeLessThan(firstAnswer);
    // The follow-up pass (members changed meanwhile) is asked for once the last page is, not after
    // the pages are written; so are the scheduled campaigns.
    expect(log.filter((l) => l === 'ask members 0 since')).toHaveLength(1);
    expect(log.indexOf('ask members 0 since')).toBeLessThan(log.indexOf('answer members 2000'));
    expect(log.indexOf('ask campaigns')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('ask campaigns')).toBeLessThan(log.indexOf('answer members 2000'));
    // Nothing outlives the sync.
    expect(fake.server.inFlight).toBe(0);
  });

  it("asks for every list's merge fields at once, not one list after another", async () => {
    fake.addList('L2', 'Customers');
    fake.addList('L3', 'Partners');
    await connect();
    fake.server.latencyMs = 100;
    const log: string[] = [];
    fake.server.beforeRequest = (r) => {
      if (r.path.endsWith('/merge-fields')) log.push(`ask ${r.path}`);
    };
    fake.server.onExchange = (x) => {
      if (x.url.includes('/merge-fields')) log.push(`answer ${x.url}`);
    };
    const [s] = await syncEsp(engine);
    expect(s!.lists).toBe(3);
    expect(log.slice(0, 3).every((l) => l.startsWith('ask '))).toBe(true);
    expect(log.filter((l) => l.startsWith('ask '))).toHaveLength(3);
  });

  it('asks for the merge fields beside the first member pages, not before them, and still mirrors them', async () => {
    await connect();
    fake.server.latencyMs = 100;
    const log: string[] = [];
    fake.server.beforeRequest = (r) => {
      if (r.path.endsWith('/merge-fields') || r.path.endsWith('/members')) log.push(`ask ${r.path}`);
    };
    fake.server.onExchange = (x) => {
      if (/\/(merge-fields|members)\b/.test(x.url)) log.push(`answer ${x.url.split('?')[0]!}`);
    };
    await syncEsp(engine);
    // The first member page is asked for before the merge fields are answered.
    const fieldsAnswered = log.indexOf('answer /lists/L1/merge-fields');
    const firstPage = log.indexOf('ask /lists/L1/members');
    expect(fieldsAnswered).toBeGreaterThan(-1);
    expect(firstPage).toBeGreaterThan(-1);
    expect(firstPage).toBeLessThan(fieldsAnswered);
    // …and the list's fields are the ESP's all the same.
    expect(list().mergeFields.map((f) => f.tag)).toEqual(expect.arrayContaining(['FNAME', 'LNAME']));
  });

  it('a pass that fails cancels what it asked for ahead: no request is left running after the sync', async () => {
    await connect();
    const members = (r: { path: string }) => r.path === '/lists/L1/members';
    // The last page is refused; the follow-up page, asked for ahead, would never be answered.
    fake.server.fault({
      match: (r) => members(r) && r.query.get('offset') === '2000' && !r.query.get('since_last_changed'),
      times: 1000,
      status: 400,
      body: { type: 'x', title: 'Invalid Resource', status: 400, detail: 'No', instance: 'i' },
    });
    fake.server.fault({
      match: (r) => members(r) && !!r.query.get('since_last_changed'),
      times: 1,
      hang: true,
    });
    await expect(syncEsp(engine)).rejects.toBeInstanceOf(Error);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2000);
    await expect.poll(() => fake.server.inFlight).toBe(0);
  });

  it('cancels between pages: what was applied stays, nothing is half-applied, the next sync resumes', async () => {
    // More pages than one commit takes (a first pass of a list this size asks for its pages at once).
    fake.seedMembers('L1', 10_000, 2200);
    await connect();
    const ac = new AbortController();
    const e = await syncEsp(engine, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'members' && p.pages > 0) ac.abort();
      },
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'cancelled' });
    const kept = engine.repos.subscribers.count({ listId: list().id });
    expect(kept % 1000).toBe(0);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(12_200);
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(12_200);
  });

  it('tags members sent through a backup at Mailchimp', async () => {
    await connect();
    const c = await openConnector(engine, findConnection(engine, 'MC'));
    const r = await c.tagBackupRecipients!(
      'L1',
      ['user1@example.com', 'nobody@example.com'],
      'sent-by-understudy',
    );
    expect(r.tagged).toBe(1);
    expect(
      fake.lists
        .get('L1')!
        .members.get(md5('user1@example.com'))!
        .tags.map((t) => t.name),
    ).toContain('sent-by-understudy');
  });

  it('looks members up through indexes, never a scan of the list', () => {
    // The repositories' own statements (statements()), with two values in each IN list.
    const sync = engine.repos.espSync.statements(2);
    const pushback = engine.repos.espPushback.statements(2);
    expect(planOf(engine.db, sync.membersByEmail, 1, 'a', 'b')).toMatch(
      /USING (COVERING )?INDEX subscribers_email/,
    );
    expect(planOf(engine.db, sync.membersByEspId, 1, 'a', 'b')).toMatch(
      /USING (COVERING )?INDEX subscribers_esp/,
    );
    expect(planOf(engine.db, pushback.pendingEmails, 1, 'a', 'b')).toMatch(
      /USING (COVERING )?INDEX esp_pushback_list/,
    );
    expect(planOf(engine.db, pushback.pending, 1, 0, 10)).toMatch(/USING INDEX esp_pushback_state/);
  });
});
