/** The outbox's queries: the claim is one index range scan, and the repo's transitions hold. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { tempDir } from '../../helpers/tmp';

function seed(engine: Engine, n: number): { campaignId: number; listId: number } {
  const now = engine.now();
  const list = engine.repos.lists.create({ name: 'L', now });
  const ins = engine.db.prepare(
    `INSERT INTO subscribers (list_id, email, email_norm, status, source, created_at, updated_at) VALUES (?, ?, ?, 'subscribed', 'test', ?, ?)`,
  );
  for (let i = 0; i < n; i++) ins.run(list.id, `u${i}@x.test`, `u${i}@x.test`, now, now);
  const c = engine.repos.campaigns.create(
    {
      listId: list.id,
      name: 'c',
      subject: 's',
      fromName: '',
      fromEmail: 'a@x.test',
      replyTo: null,
      html: '<p>x</p>',
      text: null,
      dialect: 'local',
      scheduledAt: null,
      timeZone: null,
      status: 'draft',
    },
    now,
  );
  return { campaignId: c.id, listId: list.id };
}

describe('outbox', () => {
  it('claims due rows through the deliveries_state index without sorting', () => {
    const engine = Engine.open({ dbPath: join(tempDir(), 'a.sqlite') });
    const plan = engine.repos.deliveries.claimPlan().join(' | ');
    expect(plan).toMatch(/SEARCH d USING INDEX deliveries_state/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
    void engine.close();
  });

  it('enqueues once, claims in order, records outcomes, and releases in-flight rows as interrupted', () => {
    const engine = Engine.open({ dbPath: join(tempDir(), 'a.sqlite') });
    const { campaignId, listId } = seed(engine, 10);
    const mid = (c: number, s: number) => `<c${c}.s${s}@x.test>`;
    expect(engine.repos.deliveries.enqueue(campaignId, listId, mid, engine.now())).toBe(10);
    expect(engine.repos.deliveries.enqueue(campaignId, listId, mid, engine.now())).toBe(0);
    const later = new Date(Date.now() + 1000).toISOString();
    const { claimed } = engine.repos.deliveries.claim(campaignId, 4, later);
    expect(claimed.map((d) => d.email)).toEqual(['u0@x.test', 'u1@x.test', 'u2@x.test', 'u3@x.test']);
    expect(claimed[0]!.messageId).toBe(`<c${campaignId}.s${claimed[0]!.subscriberId}@x.test>`);
    engine.repos.deliveries.record(
      [{ id: claimed[0]!.id, state: 'sent', providerId: null, attempts: 1 }],
      [],
      engine.now(),
    );
    expect(engine.repos.deliveries.counts(campaignId)).toMatchObject({ sent: 1, claimed: 3, queued: 6 });
    expect(engine.repos.deliveries.releaseClaimed(campaignId, engine.now())).toBe(3);
    expect(engine.repos.deliveries.counts(campaignId)).toMatchObject({ sent: 1, claimed: 0, queued: 9 });
    // An outcome for a row that is no longer claimed is ignored (a late write never undoes a release).
    engine.repos.deliveries.record(
      [{ id: claimed[1]!.id, state: 'sent', providerId: null, attempts: 1 }],
      [],
      engine.now(),
    );
    expect(engine.repos.deliveries.counts(campaignId).sent).toBe(1);
    void engine.close();
  });

  it('enqueues in ranges of subscriber id with the same result, and a crash mid-way is finished without doubles', () => {
    const engine = Engine.open({ dbPath: join(tempDir(), 'a.sqlite') });
    const { campaignId, listId } = seed(engine, 25);
    engine.db
      .prepare(`UPDATE subscribers SET status = 'unsubscribed' WHERE email IN ('u3@x.test', 'u17@x.test')`)
      .run();
    const repo = engine.repos.deliveries;
    const mid = (c: number, s: number) => `<c${c}.s${s}@x.test>`;
    repo.beginEnqueue(campaignId);
    expect(repo.enqueuePending(campaignId)).toBe(true);
    // The process "dies" in the third range: the Message-ID function throws there.
    let calls = 0;
    const dying = (c: number, s: number) => {
      if (++calls > 10) throw new Error('killed');
      return mid(c, s);
    };
    expect(() => repo.enqueue(campaignId, listId, dying, engine.now(), { chunkSize: 5 })).toThrow(/killed/);
    const partial = repo.counts(campaignId).total;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(23);
    expect(repo.enqueuePending(campaignId)).toBe(true);
    // The next run finishes it: every subscribed member once, the marker gone.
    expect(repo.enqueue(campaignId, listId, mid, engine.now(), { chunkSize: 5 })).toBe(23 - partial);
    expect(repo.counts(campaignId)).toMatchObject({ total: 23, queued: 23 });
    expect(repo.enqueuePending(campaignId)).toBe(false);
    const n = engine.db
      .prepare(`SELECT count(DISTINCT subscriber_id) AS n FROM deliveries WHERE campaign_id = ?`)
      .get(campaignId) as { n: number };
    expect(n.n).toBe(23);
    // Same rows as one whole-list enqueue of another campaign.
    const c = engine.repos.campaigns.byId(campaignId)!;
    const other = engine.repos.campaigns.create(
      {
        listId,
        name: 'd',
        subject: c.subject,
        fromName: '',
        fromEmail: c.fromEmail,
        replyTo: null,
        html: c.html,
        text: null,
        dialect: 'local',
        scheduledAt: null,
        timeZone: null,
        status: 'draft',
      },
      engine.now(),
    );
    expect(repo.enqueue(other.id, listId, mid, engine.now())).toBe(23);
    void engine.close();
  });

  it('a smaller page cache while sending, restored when the last run ends', () => {
    const engine = Engine.open({ dbPath: join(tempDir(), 'a.sqlite') });
    const cache = () => engine.db.pragma('cache_size', { simple: true });
    const before = cache();
    const a = engine.repos.deliveries.useSendingCache(8192);
    const b = engine.repos.deliveries.useSendingCache(8192);
    expect(cache()).toBe(-8192);
    a();
    a();
    expect(cache()).toBe(-8192);
    b();
    expect(cache()).toBe(before);
    void engine.close();
  });
});
