/**
 * A large first sync is written by a thread of its own (mirror/esp/writer.ts): the same rows,
 * suppressions, events and checkpoints as when the engine thread writes them; a list written to
 * meanwhile falls back to the engine thread with every row looked up; a cancel keeps whole pages and
 * the next sync resumes. Each test syncs the same ESP twice, once each way, where it compares.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { MemberWriter } from '../../../electron/engine/mirror/esp/writer';
import { FakeMailchimp, md5 } from '../../fakes/mailchimp';
import { addedAndUnsubscribedHere, espEngine } from './helpers';
import { connectMailchimp } from '../../helpers/connectMailchimp';

let fake: FakeMailchimp;
const engines: Engine[] = [];

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  // Changed a day ago: the follow-up pass (changed since the first began) finds none of them again,
  // so what the first pass wrote is all there is to compare.
  fake.backdateMs = 24 * 3600_000;
  fake.seedMembers('L1', 4500);
  // Some the ESP stopped mailing: the sync adds them to the global suppressions.
  for (const i of [7, 1500, 4400]) fake.upsertMember('L1', `user${i}@example.com`, { status: 'cleaned' });
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  await fake.stop();
});

async function connected(): Promise<Engine> {
  const { engine } = await espEngine();
  engines.push(engine);
  await connectMailchimp(engine, fake);
  return engine;
}

const listId = (engine: Engine) => engine.repos.lists.all().find((l) => l.espListId === 'L1')!.id;

/** What a sync wrote, without ids and clock times (which differ between two runs). */
function written(engine: Engine) {
  return {
    members: engine.db
      .prepare(
        `SELECT email, email_norm, first_name, last_name, name_norm, status, status_reason, merge_fields, tags,
           extra, optin_time, optin_ip, confirm_time, confirm_ip, esp_id, esp_changed_at, source,
           esp_seen_at IS NOT NULL AS seen
         FROM subscribers ORDER BY email_norm`,
      )
      .all(),
    suppressions: engine.db.prepare('SELECT email_norm, reason, source FROM suppressions ORDER BY 1').all(),
    events: engine.db
      .prepare(`SELECT type, message FROM events WHERE type LIKE 'suppression%' ORDER BY message`)
      .all(),
    checkpoint:
      engine.repos.espSync.checkpoint<{ pass: unknown; lastFullAt: string | null }>(
        engine.repos.lists.all()[0]!.providerId!,
        'members:L1',
      ) ?? null,
  };
}

describe('the writer thread of a large first sync', () => {
  it('writes the same rows, suppressions, events and checkpoint as the engine thread', async () => {
    const here = await connected();
    const before = MemberWriter.threadsStarted;
    const [a] = await syncEsp(here, { writerFrom: Number.POSITIVE_INFINITY });
    expect(MemberWriter.threadsStarted).toBe(before);

    const aside = await connected();
    const [b] = await syncEsp(aside, { writerFrom: 0 });
    expect(MemberWriter.threadsStarted).toBe(before + 1);

    expect(b!.members).toEqual(a!.members);
    expect(b!.pages).toBe(a!.pages);
    const x = written(here);
    const y = written(aside);
    expect(y.members).toHaveLength(4500);
    expect(y.members).toEqual(x.members);
    expect(y.suppressions).toEqual(x.suppressions);
    expect(y.suppressions).toHaveLength(3);
    expect(y.events).toEqual(x.events);
    expect(y.events).toHaveLength(3);
    expect(y.checkpoint).toMatchObject({ pass: null });
    expect(y.checkpoint!.lastFullAt).not.toBeNull();
    // The next sync (incremental) goes on from the checkpoint the writer stored.
    const [c] = await syncEsp(aside, { writerFrom: 0 });
    expect(c!.mode).toBe('incremental');
    expect(c!.members.added).toBe(0);
  });

  it('a list written to meanwhile is written on the engine thread, every row looked up (a local unsubscribe kept)', async () => {
    const engine = await connected();
    // Pages come newest change first; user5 is on the last page. While a later page is asked for,
    // someone adds user5 and unsubscribes it here: the writer's lookup-free insert of it fails, and
    // that group and every one after it are written again on the engine thread.
    let added = false;
    fake.server.beforeRequest = (r) => {
      if (added || r.path !== '/lists/L1/members' || r.query.get('offset') !== '3000') return;
      added = true;
      addedAndUnsubscribedHere(engine, listId(engine), 'user5@example.com');
    };
    const [s] = await syncEsp(engine, { writerFrom: 0 });
    expect(added).toBe(true);
    expect(engine.repos.subscribers.count({ listId: listId(engine) })).toBe(4500);
    expect(engine.repos.subscribers.byEmail(listId(engine), 'user5@example.com')).toMatchObject({
      status: 'unsubscribed',
      espId: md5('user5@example.com'),
      firstName: 'First5',
    });
    expect(s!.members.added).toBe(4499);
    expect(s!.members.keptLocal).toBeGreaterThan(0);
    expect(written(engine).suppressions).toHaveLength(3);
  });

  it('a cancel keeps whole pages only, and the next sync resumes', async () => {
    fake.seedMembers('L1', 10_000, 4500);
    const engine = await connected();
    const ac = new AbortController();
    const e = await syncEsp(engine, {
      writerFrom: 0,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'members' && p.pages > 0) ac.abort();
      },
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'cancelled' });
    const kept = engine.repos.subscribers.count({ listId: listId(engine) });
    expect(kept % 1000).toBe(0);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(14_500);
    const [s] = await syncEsp(engine, { writerFrom: 0 });
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: listId(engine) })).toBe(14_500);
  });
});
