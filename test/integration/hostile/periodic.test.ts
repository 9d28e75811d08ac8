/**
 * Hostile values for the scheduled sync and the team alert channel (`policy --sync-every`,
 * `--alert-to`, `--alert-from`): each is refused with exit 1 and words saying what was wrong and that
 * nothing changed, and the data folder and every table's row count are unchanged — a refused option
 * next to a valid one does not half-apply the valid one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { cli } from '../../helpers/cli';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';

interface Case {
  name: string;
  args: string[];
  words: string[];
}

const NOTHING = 'No setting was changed';
const cases: Case[] = [
  {
    name: 'an alert address without @',
    args: ['--alert-to', 'bob'],
    words: ['"bob" cannot receive alerts', NOTHING],
  },
  {
    name: 'one bad address among good ones',
    args: ['--alert-to', 'ann@shop.example,bob@'],
    words: ['"bob@" cannot receive alerts', NOTHING],
  },
  {
    name: 'an address with a newline (header injection)',
    args: ['--alert-to', 'ann@shop.example\nBcc: all@evil.example'],
    words: ['cannot receive alerts', NOTHING],
  },
  {
    name: 'a From that is not an address',
    args: ['--alert-from', 'Understudy'],
    words: ['cannot receive alerts', NOTHING],
  },
  {
    name: 'a sync interval of 0 minutes',
    args: ['--sync-every', '0'],
    words: ['sync setting is not valid', NOTHING],
  },
  {
    name: 'a sync interval that is not a number',
    args: ['--sync-every', 'often'],
    words: ['sync setting is not valid', NOTHING],
  },
  {
    name: 'a sync interval above a day',
    args: ['--sync-every', '5000'],
    words: ['sync setting is not valid', NOTHING],
  },
  {
    name: 'a fractional sync interval',
    args: ['--sync-every', '1.5'],
    words: ['sync setting is not valid', NOTHING],
  },
  {
    name: 'a valid interval next to a bad address (nothing half-applied)',
    args: ['--sync-every', '30', '--alert-to', 'x'],
    words: ['"x" cannot receive alerts', NOTHING],
  },
];

describe('hostile values for the scheduled sync and alerts', () => {
  const dir = tempDir('understudy-hostile-periodic-');
  const dbPath = join(dir, 'understudy.db');
  beforeAll(async () => {
    await Engine.open({ dbPath }).close();
    await cli(['policy', '--db', dbPath]); // whatever the CLI writes the first time it opens a database
  });

  it.each(cases)('$name', async (c) => {
    const before = snapshot(dir, dbPath);
    const r = await cli(['policy', ...c.args, '--db', dbPath]);
    expect(r.code, r.stderr).toBe(1);
    for (const w of c.words) expect(r.stderr).toContain(w);
    expectCleanMessage(r.stderr);
    expect(r.stdout).toBe('');
    expectUnchanged(before, snapshot(dir, dbPath));
    const now = await cli(['policy', '--db', dbPath]);
    expect(now.stdout).toContain('sync: every 15 min');
    expect(now.stdout).toContain('alerts: not emailed');
  });
});
