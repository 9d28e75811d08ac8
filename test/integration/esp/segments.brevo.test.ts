/**
 * Brevo campaigns to several lists, with exclusion lists, or to a segment: the audience is read at sync
 * (/contacts/lists/{listId}/contacts, /contacts?segmentId=) and a backup sends to exactly those people,
 * each once, minus the exclusion lists, local unsubscribes and suppressions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { FakeBrevo, BREVO_SPEC, BREVO_SPEC_OPTIONS, type BrevoFakeCampaign } from '../../fakes/brevo';
import { attachSpec, espEngine } from './helpers';
import { audienceOf, backup, campaignId, sendThroughBackup, unsubscribeAndSuppress } from './audience';

let fake: FakeBrevo;
let engine: Engine;
let dir: string;

const base: Omit<BrevoFakeCampaign, 'id' | 'lists'> = {
  name: 'Spring VIP',
  subject: 'Spring is here',
  status: 'queued',
  scheduledAt: '2026-12-23T08:30:00.000+00:00',
  sender: { name: 'Shop', email: 'news@shop.example', id: 1 },
  replyTo: 'help@shop.example',
  htmlContent: '<p>Bonjour {{ contact.FIRSTNAME }}</p>',
};

beforeEach(async () => {
  fake = new FakeBrevo();
  await fake.start();
  ({ engine, dir } = await espEngine());
  fake.addList(7, 'Customers');
  fake.addList(8, 'Prospects');
  fake.addList(9, 'Do not mail');
  fake.seed(7, 20); // person0..19 in Customers
  fake.upsertContact('both@example.org', { listIds: [7, 8] });
  fake.upsertContact('lead1@example.org', { listIds: [8] });
  fake.upsertContact('lead2@example.org', { listIds: [8] });
  fake.upsertContact('person0@example.org', { listIds: [7, 9] });
  fake.campaigns.set(41, { ...base, id: 41, lists: [7, 8], exclusionLists: [9] });
  fake.campaigns.set(42, { ...base, id: 42, name: 'Lille', lists: [], segments: [3] });
  fake.segments.set(3, ['person2@example.org', 'person4@example.org', 'lead1@example.org']);
  await addConnection(engine, {
    kind: 'brevo',
    name: 'Shop Brevo',
    apiKey: fake.key,
    baseUrl: fake.baseUrl,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('Brevo campaigns aimed at several lists, exclusions or a segment', () => {
  it('two lists minus an exclusion list: each person once, minus unsubscribes and suppressions', async () => {
    const spec = attachSpec(fake.server, BREVO_SPEC, BREVO_SPEC_OPTIONS);
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences).toEqual({ resolved: 2, unresolvable: [] });
    const id = campaignId(engine, '41');
    // 20 customers + both + 2 leads, person0 excluded.
    expect(audienceOf(engine, id)).toMatchObject({
      state: 'resolved',
      members: 22,
      excluded: 1,
      backupReady: true,
    });
    const srv = await backup(engine, dir);
    unsubscribeAndSuppress(engine, 'person5@example.org', 'lead2@example.org');
    const got = await sendThroughBackup(engine, srv, id);
    const want = [
      ...Array.from({ length: 20 }, (_, i) => `person${i}@example.org`).filter(
        (e) => e !== 'person0@example.org' && e !== 'person5@example.org',
      ),
      'both@example.org',
      'lead1@example.org',
    ].sort();
    expect(got).toEqual(want);
    if (spec) expect(spec.problems).toEqual([]);
  });

  it('a segment: exactly its contacts', async () => {
    const spec = attachSpec(fake.server, BREVO_SPEC, BREVO_SPEC_OPTIONS);
    await syncEsp(engine);
    const id = campaignId(engine, '42');
    expect(audienceOf(engine, id)).toMatchObject({ members: 3, target: 'Brevo segment 3' });
    const srv = await backup(engine, dir);
    expect(await sendThroughBackup(engine, srv, id)).toEqual([
      'lead1@example.org',
      'person2@example.org',
      'person4@example.org',
    ]);
    if (spec) expect(spec.problems).toEqual([]);
  });
});
