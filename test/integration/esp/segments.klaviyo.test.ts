/**
 * Klaviyo campaigns to several lists and segments, with excluded audiences: every included and excluded
 * segment is mirrored (/api/segments/{id}/profiles) in the same sync, and the audience is the included
 * people minus the excluded ones; a backup sends to exactly them, minus local unsubscribes and
 * suppressions. An audience Klaviyo no longer returns is reported at sync and on the campaign.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { runCampaign } from '../../../electron/engine/sending';
import { KlaviyoFake } from '../../fakes/klaviyo';
import { loadSpec } from '../../fakes/spec';
import { espEngine } from './helpers';
import { audienceOf, backup, campaignId, FAST, sendThroughBackup, unsubscribeAndSuppress } from './audience';

const SPEC = 'klaviyo-stable.json';
let fake: KlaviyoFake;
let engine: Engine;
let dir: string;
let news: string;
let campaign: string;

beforeEach(async () => {
  fake = await new KlaviyoFake().start();
  ({ engine, dir } = await espEngine());
  news = fake.addList('Newsletter');
  const vip = fake.addList('VIP');
  const ids = Array.from(
    { length: 10 },
    (_, i) => fake.addProfile(`user${i}@example.com`, { lists: i < 4 ? [news, vip] : [news] }).id,
  );
  const lyon = fake.addSegment('Lyon', ids.slice(2, 7));
  const churned = fake.addSegment('Churned', ids.slice(5, 7));
  campaign = fake.addCampaign({ name: 'VIP and Lyon', included: [vip, lyon], excluded: [churned] }).id;
  await addConnection(engine, {
    kind: 'klaviyo',
    name: 'Klaviyo',
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('Klaviyo campaigns to several audiences with exclusions', () => {
  it('a list and a segment minus an excluded segment: exactly those people, minus unsubscribes and suppressions', async () => {
    const spec = loadSpec(SPEC, { oneOfAsAnyOf: true });
    fake.onExchange = (x) => spec.check(x);
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.resolved).toBe(1);
    const id = campaignId(engine, campaign);
    // VIP: user0-3; Lyon: user2-6; Churned: user5-6.
    expect(audienceOf(engine, id)).toMatchObject({
      state: 'resolved',
      members: 5,
      excluded: 2,
      backupReady: true,
    });
    const srv = await backup(engine, dir);
    unsubscribeAndSuppress(engine, 'user1@example.com', 'user3@example.com');
    expect(await sendThroughBackup(engine, srv, id)).toEqual([
      'user0@example.com',
      'user2@example.com',
      'user4@example.com',
    ]);
    if (spec) expect(spec.problems).toEqual([]);
  });

  it('an excluded segment Klaviyo does not return is reported at sync and on the campaign, and a backup send refuses it', async () => {
    const lost = fake.addCampaign({ name: 'Lost', included: [news], excluded: ['Sgone1'] }).id;
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.unresolvable).toEqual([
      expect.objectContaining({ espCampaignId: lost, reason: expect.stringContaining('segment:Sgone1') }),
    ]);
    const id = campaignId(engine, lost);
    expect(audienceOf(engine, id)).toMatchObject({
      backupReady: false,
      next: expect.stringContaining('deleted'),
    });
    const srv = await backup(engine, dir);
    await expect(runCampaign(engine, id, { tuning: FAST })).rejects.toMatchObject({
      code: 'segment_unsupported',
    });
    expect(srv.messages).toHaveLength(0);
  });
});
