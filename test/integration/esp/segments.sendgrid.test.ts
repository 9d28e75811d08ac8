/**
 * SendGrid single sends to several lists and segments: each targeted list and segment is mirrored
 * through SendGrid's export jobs in the same sync, and the audience is their union; a backup sends to
 * exactly those people, each once, minus local unsubscribes and suppressions. A segment SendGrid no
 * longer returns is reported at sync and on the campaign.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { runCampaign } from '../../../electron/engine/sending';
import { SENDGRID_SPECS, SendGridFake, sendgridSpecFor } from '../../fakes/sendgrid';
import { loadSpec, type SpecValidator } from '../../fakes/spec';
import { espEngine } from './helpers';
import { audienceOf, backup, campaignId, FAST, sendThroughBackup, unsubscribeAndSuppress } from './audience';

let fake: SendGridFake;
let engine: Engine;
let dir: string;
let problems: string[];
let both: string;
let gone: string;
/** A segment deleted at SendGrid (its GET answers 404). */
const GONE = '0d4c6a4e-5b7f-4e0a-9d59-9a3f8c2b1e77';

beforeEach(async () => {
  fake = await new SendGridFake().start();
  const e = await espEngine();
  ({ engine, dir } = e);
  engine.services.connectorOverrides = {
    sleep: e.sleeps.sleep,
    backoffBaseMs: 1,
    backoffMaxMs: 4,
    timeoutMs: 10_000,
    config: { exportPollMs: 5 },
  };
  problems = [];
  const specs = new Map<string, SpecValidator>();
  for (const s of SENDGRID_SPECS) specs.set(s.file, loadSpec(s.file));
  fake.onExchange = (x) => {
    const file = sendgridSpecFor(x);
    const v = file ? specs.get(file) : undefined;
    if (!v) return;
    v.check(x);
    problems.push(...v.problems.splice(0));
  };
  const newsletter = fake.addList('Newsletter');
  const vip = fake.addList('VIP');
  const lyon: string[] = [];
  for (let i = 0; i < 10; i++) {
    const c = fake.addContact(`user${i}@example.com`, { lists: i < 3 ? [newsletter, vip] : [newsletter] });
    if (i >= 2 && i < 6) lyon.push(c.contact_id);
  }
  const segment = fake.addSegment('Lyon', lyon);
  both = fake.addSingleSend({
    name: 'VIP and Lyon',
    subject: 'Hello',
    list_ids: [vip],
    segment_ids: [segment],
  }).id;
  await addConnection(engine, {
    kind: 'sendgrid',
    name: 'SG',
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('SendGrid single sends to several lists and segments', () => {
  it('a list and a segment: each person once, minus unsubscribes and suppressions', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.resolved).toBe(1);
    const id = campaignId(engine, both);
    // VIP: user0-2; Lyon: user2-5.
    expect(audienceOf(engine, id)).toMatchObject({ state: 'resolved', members: 6, backupReady: true });
    const srv = await backup(engine, dir);
    unsubscribeAndSuppress(engine, 'user0@example.com', 'user4@example.com');
    expect(await sendThroughBackup(engine, srv, id)).toEqual([
      'user1@example.com',
      'user2@example.com',
      'user3@example.com',
      'user5@example.com',
    ]);
    expect(problems).toEqual([]);
  });

  it('a segment SendGrid does not return is reported at sync and on the campaign, and a backup send refuses it', async () => {
    const vip = [...fake.lists.values()].find((l) => l.name === 'VIP')!.id;
    gone = fake.addSingleSend({
      name: 'Old segment',
      subject: 'Hi',
      list_ids: [vip],
      segment_ids: [GONE],
    }).id;
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.unresolvable).toEqual([
      expect.objectContaining({
        espCampaignId: gone,
        reason: expect.stringContaining(`segment:${GONE}`),
      }),
    ]);
    const id = campaignId(engine, gone);
    expect(audienceOf(engine, id)).toMatchObject({ backupReady: false });
    const srv = await backup(engine, dir);
    await expect(runCampaign(engine, id, { tuning: FAST })).rejects.toMatchObject({
      code: 'segment_unsupported',
    });
    expect(srv.messages).toHaveLength(0);
  });
});
