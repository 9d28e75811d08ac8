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
});
