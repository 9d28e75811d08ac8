/**
 * Mailchimp campaigns aimed at a saved segment or a tag: the audience is read at sync from
 * /lists/{list_id}/segments/{segment_id}/members and a backup sends to exactly those people (minus local
 * unsubscribes and suppressions); conditions set on the campaign itself, which the API cannot list,
 * are reported at sync and on the campaign, and a backup send refuses them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { runCampaign } from '../../../electron/engine/sending';
import { FakeMailchimp, MAILCHIMP_SPEC, MAILCHIMP_SPEC_OPTIONS } from '../../fakes/mailchimp';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { main } from '../../../electron/cli/main';
import { tempDir } from '../../helpers/tmp';
import { planOf } from '../../helpers/queryPlan';
import { attachSpec, espEngine } from './helpers';
import { audienceOf, backup, campaignId, FAST, sendThroughBackup, unsubscribeAndSuppress } from './audience';
import { connectMailchimp } from '../../helpers/connectMailchimp';

let fake: FakeMailchimp;
let engine: Engine;
let dir: string;

const base = {
  status: 'schedule' as const,
  send_time: '2026-12-24T09:00:00+00:00',
  list_id: 'L1',
  subject_line: 'VIP preview',
  title: 'VIP',
  from_name: 'Acme',
  reply_to: 'news@acme.example',
  html: '<p>Hello *|FNAME|*</p>',
  plain_text: 'Hello *|FNAME|*',
};

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  ({ engine, dir } = await espEngine());
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', 30);
  fake.upsertMember('L1', 'left@example.com', { status: 'unsubscribed' });
  // A tag (static segment) of 6 people, one of whom unsubscribed at Mailchimp.
  fake.segments.set(7, {
    id: 7,
    list_id: 'L1',
    name: 'VIP',
    type: 'static',
    emails: [
      'user1@example.com',
      'user2@example.com',
      'user3@example.com',
      'user4@example.com',
      'user5@example.com',
      'left@example.com',
    ],
  });
  fake.campaigns.set('C1', {
    ...base,
    id: 'C1',
    segment_opts: { saved_segment_id: 7, match: 'all', conditions: [] },
  });
  fake.campaigns.set('C2', {
    ...base,
    id: 'C2',
    title: 'Lyon',
    subject_line: 'Lyon only',
    segment_opts: {
      match: 'all',
      conditions: [{ condition_type: 'TextMerge', field: 'CITY', op: 'is', value: 'Lyon' }],
    },
  });
  await connectMailchimp(engine, fake);
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('Mailchimp campaigns aimed at a segment or tag', () => {
  it('mirrors the tag’s members with the campaign and a backup sends to exactly them, minus unsubscribes and suppressions', async () => {
    const spec = attachSpec(fake.server, MAILCHIMP_SPEC, MAILCHIMP_SPEC_OPTIONS);
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.resolved).toBe(1);
    const id = campaignId(engine, 'C1');
    const a = audienceOf(engine, id)!;
    expect(a).toMatchObject({ state: 'resolved', members: 5, backupReady: true, target: 'the tag "VIP"' });
    expect(a.sentence).toContain('5 people of the tag "VIP"');

    const srv = await backup(engine, dir);
    unsubscribeAndSuppress(engine, 'user2@example.com', 'user3@example.com');
    // A dry run counts the audience, not the whole list of 30.
    expect(await runCampaign(engine, id, { dryRun: true })).toMatchObject({ sent: 3, suppressed: 1 });
    expect(await sendThroughBackup(engine, srv, id)).toEqual([
      'user1@example.com',
      'user4@example.com',
      'user5@example.com',
    ]);
    if (spec) expect(spec.problems).toEqual([]);
  });

  it('reports at sync and on the campaign that conditions set on the campaign cannot be listed, and a backup send refuses it', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.campaigns.audiences.unresolvable).toEqual([
      expect.objectContaining({
        espCampaignId: 'C2',
        name: 'Lyon',
        reason: expect.stringContaining('saved segment'),
      }),
    ]);
    const id = campaignId(engine, 'C2');
    const events = engine.db
      .prepare(
        `SELECT type, message FROM events WHERE type = 'esp.audience_unresolvable' AND campaign_id = ?`,
      )
      .all(id) as { message: string }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(
      /cannot send "Lyon" through a backup because .*What to do: .*save these conditions as a segment/,
    );
    const a = audienceOf(engine, id)!;
    expect(a.backupReady).toBe(false);
    expect(a.sentence).toMatch(/^Understudy cannot send this through a backup because/);
    expect(a.next).toMatch(/save these conditions as a segment/);

    // A second sync does not repeat the event.
    await syncEsp(engine);
    expect(
      engine.db.prepare(`SELECT count(*) AS n FROM events WHERE type = 'esp.audience_unresolvable'`).get(),
    ).toEqual({ n: 1 });

    const srv = await backup(engine, dir);
    const err = await runCampaign(engine, id, { tuning: FAST }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('segment_unsupported');
    expect((err as Error).message).toMatch(/cannot send campaign \d+ through a backup because/);
    expect(srv.messages).toHaveLength(0);
    expect(engine.repos.deliveries.counts(id).total).toBe(0);
  });

  it('enqueues the audience through the primary keys (no scan of the list)', () => {
    // The repository's own statement (enqueueAudience's), with its message-id function registered.
    const { enqueueAudience } = engine.repos.deliveries.statements((c, s) => `<${c}.${s}@test>`);
    const plan = planOf(engine.db, enqueueAudience, 1, '', 1, '', 1);
    expect(plan).toMatch(/SEARCH a USING PRIMARY KEY \(campaign_id=\?\)/);
    expect(plan).toMatch(/SEARCH s USING INTEGER PRIMARY KEY/);
  });

  it('refreshes the audience at each sync', async () => {
    await syncEsp(engine);
    const id = campaignId(engine, 'C1');
    fake.segments.get(7)!.emails.push('user9@example.com');
    await syncEsp(engine);
    expect(audienceOf(engine, id)!.members).toBe(6);
  });

  it('`sync` and `campaigns show` say which campaign a backup cannot send, why and what to do', async () => {
    const run = async (args: string[]) => {
      const out = new PassThrough();
      let stdout = '';
      out.on('data', (d) => (stdout += d));
      const env = { ...process.env, UNDERSTUDY_PASSPHRASE: 'correct horse', MC_KEY: fake.key };
      const code = await main(args, {
        stdout: out,
        stderr: new PassThrough(),
        env,
        stdin: new PassThrough(),
      });
      return { code, stdout };
    };
    const db = join(tempDir('understudy-seg-cli-'), 'm.db');
    const add = [
      'esp',
      'add',
      'mailchimp',
      '--name',
      'MC',
      '--key-env',
      'MC_KEY',
      '--base-url',
      fake.baseUrl,
    ];
    expect((await run([...add, '--status-url', fake.baseUrl, '--db', db])).code).toBe(0);
    const sync = await run(['sync', '--db', db]);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/audience mirrored for a backup send: 1/);
    expect(sync.stdout).toMatch(
      /Understudy cannot send "Lyon" through a backup because .*What to do: In Mailchimp, save/,
    );
    const list = (
      JSON.parse((await run(['campaigns', 'list', '--db', db, '--json'])).stdout) as {
        campaigns: { id: number; name: string }[];
      }
    ).campaigns;
    const lyon = list.find((c) => c.name === 'Lyon')!;
    const show = await run(['campaigns', 'show', String(lyon.id), '--db', db]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/audience: Understudy cannot send this through a backup because/);
    expect(show.stdout).toMatch(/what to do: In Mailchimp, save these conditions as a segment/);
    const vip = list.find((c) => c.name === 'VIP')!;
    expect((await run(['campaigns', 'show', String(vip.id), '--db', db])).stdout).toMatch(
      /audience: Through a backup it goes to the 5 people of the tag "VIP"/,
    );
  });
});
