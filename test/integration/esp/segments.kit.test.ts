/**
 * Kit broadcasts aimed at tags: the audience is read at sync from /v4/tags/{tag_id}/subscribers (all =
 * every tag, any = one of them, none = left out) and a backup sends to exactly those people, minus local
 * unsubscribes and suppressions. A broadcast aimed at a Kit segment, which the API cannot list, is
 * reported at sync and on the campaign.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { runCampaign } from '../../../electron/engine/sending';
import { KitFake, type KitBroadcast } from '../../fakes/kit';
import { loadSpec } from '../../fakes/spec';
import { espEngine } from './helpers';
import { audienceOf, backup, campaignId, FAST, sendThroughBackup, unsubscribeAndSuppress } from './audience';

const SPEC = 'kit-v4.json';
let fake: KitFake;
let engine: Engine;
let dir: string;
let tagged: number;
let segmentB: number;

beforeEach(async () => {
  fake = await new KitFake().start();
  ({ engine, dir } = await espEngine());
  const vip = fake.addTag('VIP');
  const shoes = fake.addTag('Shoes');
  for (let i = 0; i < 10; i++) fake.addSubscriber(`user${i}@example.com`, { tags: i < 6 ? [vip] : [] });
  fake.addSubscriber('shoefan@example.com', { tags: [vip, shoes] });
  fake.addSubscriber('gone@example.com', { tags: [vip], state: 'cancelled' });
  const send_at = new Date(Date.now() + 7 * 86_400_000).toISOString();
  tagged = fake.addBroadcast({
    subject: 'VIP without shoes',
    description: 'VIP',
    send_at,
    subscriber_filter: [
      { all: [{ type: 'tag', ids: [vip] }], none: [{ type: 'tag', ids: [shoes] }] },
    ] as KitBroadcast['subscriber_filter'],
  }).id;
  segmentB = fake.addBroadcast({
    subject: 'Engaged',
    description: 'Engaged readers',
    send_at,
    subscriber_filter: [{ all: [{ type: 'segment', ids: [55] }] }],
  }).id;
  await addConnection(engine, {
    kind: 'kit',
    name: 'Kit',
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('Kit broadcasts aimed at tags or segments', () => {
  it('a tag minus an excluded tag: exactly those subscribers, minus unsubscribes and suppressions', async () => {
    const spec = loadSpec(SPEC);
    fake.onExchange = (x) => spec.check(x);
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.resolved).toBe(1);
    const id = campaignId(engine, String(tagged));
    expect(audienceOf(engine, id)).toMatchObject({
      state: 'resolved',
      members: 6,
      excluded: 1,
      target: 'subscribers tagged "VIP" except those tagged "Shoes"',
    });
    const srv = await backup(engine, dir);
    unsubscribeAndSuppress(engine, 'user1@example.com', 'user2@example.com');
    expect(await sendThroughBackup(engine, srv, id)).toEqual([
      'user0@example.com',
      'user3@example.com',
      'user4@example.com',
      'user5@example.com',
    ]);
    // The audience reads conform (the unschedule PUT's known spec gaps are kit.sync.test.ts's concern).
    if (spec) expect(spec.problems.map(String).filter((p) => !p.startsWith('PUT '))).toEqual([]);
  });

  it('a segment is reported at sync and on the campaign, and a backup send refuses it', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.unresolvable).toEqual([
      expect.objectContaining({
        espCampaignId: String(segmentB),
        reason: expect.stringContaining('Kit segment'),
      }),
    ]);
    const id = campaignId(engine, String(segmentB));
    expect(audienceOf(engine, id)).toMatchObject({
      backupReady: false,
      next: expect.stringContaining('tag'),
    });
    expect(
      engine.db
        .prepare(
          `SELECT count(*) AS n FROM events WHERE type = 'esp.audience_unresolvable' AND campaign_id = ?`,
        )
        .get(id),
    ).toEqual({ n: 1 });
    const srv = await backup(engine, dir);
    await expect(runCampaign(engine, id, { tuning: FAST })).rejects.toMatchObject({
      code: 'segment_unsupported',
    });
    expect(srv.messages).toHaveLength(0);
  });
});
