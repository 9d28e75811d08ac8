/**
 * MailerLite campaigns aimed at groups or a segment: the audience is read at sync from
 * /groups/{id}/subscribers and /segments/{id}/subscribers (in_any = one of them, in_all = every one) and a
 * backup sends to exactly those people, minus local unsubscribes and suppressions. A condition the API
 * cannot list is reported at sync and on the campaign.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { runCampaign } from '../../../electron/engine/sending';
import { MailerLiteFake, MailerLiteSchemas, mlDate } from '../../fakes/mailerlite';
import { espEngine } from './helpers';
import { audienceOf, backup, campaignId, FAST, sendThroughBackup, unsubscribeAndSuppress } from './audience';

let fake: MailerLiteFake;
let engine: Engine;
let dir: string;
let schemas: MailerLiteSchemas;
let ids: { groups: string; segment: string; field: string };

beforeEach(async () => {
  fake = await new MailerLiteFake().start();
  ({ engine, dir } = await espEngine());
  schemas = new MailerLiteSchemas();
  fake.onExchange = (x) => schemas.check(x);
  const vip = fake.addGroup('VIP');
  const shoes = fake.addGroup('Shoes');
  const subs = Array.from({ length: 10 }, (_, i) =>
    fake.addSubscriber(`user${i}@example.com`, { groups: i < 3 ? [vip] : i < 5 ? [shoes] : [] }),
  );
  fake.addSubscriber('left@example.com', { status: 'unsubscribed', groups: [vip] });
  fake.segments.set('900', { name: 'Engaged', subscriberIds: new Set([subs[7]!.id, subs[8]!.id]) });
  const at = mlDate(Date.now() + 3 * 86_400_000);
  ids = {
    groups: fake.addCampaign({ name: 'VIP and shoes', groups: [vip, shoes], scheduled_for: at }).id,
    segment: fake.addCampaign({ name: 'Engaged', groups: [], segments: ['900'], scheduled_for: at }).id,
    field: fake.addCampaign({
      name: 'Lyon',
      groups: [],
      rules: [{ operator: 'equal', args: ['fields', ['city', 'Lyon']] }],
      scheduled_for: at,
    }).id,
  };
  await addConnection(engine, {
    kind: 'mailerlite',
    name: 'ML',
    apiKey: fake.apiKey,
    baseUrl: `${fake.url}/api`,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('MailerLite campaigns aimed at groups or a segment', () => {
  it('two groups: exactly their subscribers, minus unsubscribes and suppressions; a segment: exactly its subscribers', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.resolved).toBe(2);
    const id = campaignId(engine, ids.groups);
    expect(audienceOf(engine, id)).toMatchObject({ state: 'resolved', members: 5, backupReady: true });
    const srv = await backup(engine, dir);
    unsubscribeAndSuppress(engine, 'user1@example.com', 'user3@example.com');
    expect(await sendThroughBackup(engine, srv, id)).toEqual([
      'user0@example.com',
      'user2@example.com',
      'user4@example.com',
    ]);
    srv.messages.splice(0);
    expect(await sendThroughBackup(engine, srv, campaignId(engine, ids.segment))).toEqual([
      'user7@example.com',
      'user8@example.com',
    ]);
    expect(schemas.problems).toEqual([]);
  });

  it('a condition the API cannot list is reported at sync and on the campaign, and a backup send refuses it', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.unresolvable).toEqual([
      expect.objectContaining({ espCampaignId: ids.field, reason: expect.stringContaining('cannot list') }),
    ]);
    const id = campaignId(engine, ids.field);
    expect(audienceOf(engine, id)).toMatchObject({
      backupReady: false,
      next: expect.stringContaining('groups'),
    });
    const srv = await backup(engine, dir);
    await expect(runCampaign(engine, id, { tuning: FAST })).rejects.toMatchObject({
      code: 'segment_unsupported',
    });
    expect(srv.messages).toHaveLength(0);
  });
});
