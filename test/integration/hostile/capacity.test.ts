/**
 * Hostile input for capacity and warm-up (issue 16, §3 and §4): bad campaign ids, no providers, all
 * providers down, an empty audience, absurd caps, and bad warm-up values. A forecast is read-only, so
 * every case — an answer (exit 0) or a refusal (exit 1) — leaves the data folder and every table's
 * row count unchanged, and says in words what it found or what was wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Engine } from '../../../electron/engine/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { addProvider, createCampaign, setSendingSetting } from '../../../electron/engine/sending';
import type { ProviderInput } from '../../../electron/engine/api/sending';
import { cli } from '../../helpers/cli';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';

type Setup = 'none' | 'down' | 'tiny' | 'huge' | 'warm';

interface Case {
  name: string;
  setup: Setup;
  args: string[];
  code: 0 | 1;
  /** Words of stdout (exit 0) or stderr (exit 1). */
  words: string[];
}

const NOTHING = 'Nothing was changed';
const cases: Case[] = [
  {
    name: 'a campaign that does not exist',
    setup: 'warm',
    args: ['campaigns', 'show', '999'],
    code: 1,
    words: ['There is no campaign 999', NOTHING],
  },
  {
    name: 'a campaign id that is not a number',
    setup: 'warm',
    args: ['campaigns', 'show', 'twelve'],
    code: 1,
    words: ['--id must be a whole number', 'twelve'],
  },
  {
    name: 'a dry run of a campaign that does not exist',
    setup: 'warm',
    args: ['send', '4242', '--dry-run'],
    code: 1,
    words: ['There is no campaign 4242'],
  },
  {
    name: 'no provider at all',
    setup: 'none',
    args: ['campaigns', 'show', '1'],
    code: 0,
    words: ['No backup is set up to send the 40 messages'],
  },
  {
    name: 'every provider down or paused',
    setup: 'down',
    args: ['campaigns', 'show', '1'],
    code: 0,
    words: [
      'No backup can carry this campaign now',
      '"relay-a" is down and carries nothing',
      '"relay-b" is paused',
    ],
  },
  {
    name: 'a dry run with every provider down',
    setup: 'down',
    args: ['send', '1', '--dry-run'],
    code: 0,
    words: [
      '40 message(s) would be sent',
      'No backup can carry this campaign now',
      'Nothing was sent or changed',
    ],
  },
  {
    name: 'an empty audience',
    setup: 'warm',
    args: ['campaigns', 'show', '2'],
    code: 0,
    words: ['status: draft'],
  },
  {
    name: 'a dry run of an empty audience',
    setup: 'warm',
    args: ['send', '2', '--dry-run'],
    code: 0,
    words: ['0 message(s) would be sent', 'Nothing is left to send'],
  },
  {
    name: 'a cap of one message a day',
    setup: 'tiny',
    args: ['campaigns', 'show', '1'],
    code: 0,
    words: ['Backups can deliver 1 of 40 by today', 'the rest by'],
  },
  {
    name: 'a cap of a trillion a second',
    setup: 'huge',
    args: ['campaigns', 'show', '1'],
    code: 0,
    words: ['Backups can deliver all 40 by today'],
  },
  {
    name: 'a dry run through a provider that does not exist',
    setup: 'warm',
    args: ['send', '1', '--dry-run', '--via', 'nobody'],
    code: 1,
    words: ['There is no SMTP provider named "nobody"', 'relay'],
  },
  {
    name: 'warm-up of a provider that does not exist',
    setup: 'warm',
    args: ['providers', 'warmup', 'nobody'],
    code: 1,
    words: ['There is no SMTP provider named "nobody"'],
  },
  {
    name: 'declared warm and cold at once',
    setup: 'warm',
    args: ['providers', 'update', 'relay', '--warm', '--cold'],
    code: 1,
    words: ['--warm and --cold contradict', NOTHING],
  },
  {
    name: 'a warm-up growth of 50× a day',
    setup: 'warm',
    args: ['providers', 'update', 'relay', '--warmup-growth', '50'],
    code: 1,
    words: ['daily growth must be between 1 and 10', NOTHING],
  },
  {
    name: 'a negative warm-up start',
    setup: 'warm',
    args: ['providers', 'update', 'relay', '--warmup-start', '-5'],
    code: 1,
    words: ['start must be a whole number', NOTHING],
  },
  {
    name: 'a warm-up start that is not a number',
    setup: 'warm',
    args: ['providers', 'update', 'relay', '--warmup-start', 'lots'],
    code: 1,
    words: ['--warmup-start must be a number', '"lots"', NOTHING],
  },
  {
    name: 'half a warm-up day',
    setup: 'warm',
    args: ['providers', 'update', 'relay', '--warmup-days', '2.5'],
    code: 1,
    words: ['length must be 0 to 365 days', NOTHING],
  },
  {
    name: 'a valid cap next to a bad curve (nothing half-applied)',
    setup: 'warm',
    args: ['providers', 'update', 'relay', '--per-day', '5', '--warmup-growth', '0.5'],
    code: 1,
    words: ['daily growth must be between 1 and 10', NOTHING],
  },
  {
    name: 'cold after zero days',
    setup: 'warm',
    args: ['providers', 'cold-after', '0'],
    code: 1,
    words: ['--days must be a whole number of at least 1'],
  },
];

async function build(setup: Setup): Promise<string> {
  const dir = tempDir(`understudy-hostile-capacity-${setup}-`);
  const dbPath = join(dir, 'understudy.db');
  const engine = Engine.open({ dbPath });
  const csv = join(dir, 'list.csv');
  writeFileSync(
    csv,
    ['email,status', ...Array.from({ length: 40 }, (_, i) => `p${i}@example.test,subscribed`)].join('\n'),
  );
  await importFile(engine, { file: csv, list: 'Customers', format: 'csv' });
  engine.repos.lists.create({ name: 'Nobody yet', now: engine.now() });
  setSendingSetting(engine, 'postal_address', '1 Test Street, Testville');
  setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@shop.test');
  createCampaign(engine, {
    list: 'Customers',
    subject: 'Sale',
    from: 'Shop <news@shop.test>',
    html: '<p>Hi</p>',
  });
  createCampaign(engine, {
    list: 'Nobody yet',
    subject: 'Hello',
    from: 'Shop <news@shop.test>',
    html: '<p>Hi</p>',
  });
  const relay = (name: string, extra: Partial<ProviderInput> = {}) =>
    addProvider(engine, { name, host: '127.0.0.1', port: 2525, tls: 'none', ...extra });
  if (setup === 'down') {
    await relay('relay-a', { perSecond: 10 });
    await relay('relay-b', { perDay: 100, priority: 200 });
    engine.repos.providers.setHealth(engine.repos.providers.byName('relay-a')!.id, 'down', engine.now());
    engine.repos.providers.setHealth(engine.repos.providers.byName('relay-b')!.id, 'paused', engine.now());
  }
  if (setup === 'tiny') await relay('relay', { perDay: 1 });
  if (setup === 'huge') await relay('relay', { perSecond: 1e12 });
  if (setup === 'warm') await relay('relay', { perSecond: 5 });
  await engine.close();
  // Whatever the CLI writes the first time it opens a database, before any case is snapshotted.
  await cli(['campaigns', 'list', '--db', dbPath]);
  return dbPath;
}

describe('hostile input for capacity and warm-up', () => {
  const dbs = new Map<Setup, string>();
  beforeAll(async () => {
    for (const s of ['none', 'down', 'tiny', 'huge', 'warm'] as const) dbs.set(s, await build(s));
  });

  it.each(cases)('$name', async (c) => {
    const dbPath = dbs.get(c.setup)!;
    const dir = join(dbPath, '..');
    const before = snapshot(dir, dbPath);
    const r = await cli([...c.args, '--db', dbPath]);
    expect(r.code, r.stderr).toBe(c.code);
    const text = c.code === 0 ? r.stdout : r.stderr;
    for (const w of c.words) expect(text).toContain(w);
    if (c.code === 1) {
      expectCleanMessage(r.stderr);
      expect(r.stdout).toBe('');
    }
    expectUnchanged(before, snapshot(dir, dbPath));
  });

  it('the refused update left the cap and the curve as they were', async () => {
    const r = await cli(['providers', 'warmup', 'relay', '--db', dbs.get('warm')!]);
    expect(r.stdout).toContain('"relay": warm; it has never sent.');
    expect(r.stdout).toContain('curve: none');
    const list = await cli(['providers', 'list', '--json', '--db', dbs.get('warm')!]);
    expect((list.json() as { providers: { perDay: number | null }[] }).providers[0]!.perDay).toBeNull();
  });
});
