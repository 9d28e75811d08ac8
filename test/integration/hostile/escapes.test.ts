/**
 * Terminal escape sequences in anything a person typed or a file held never reach the terminal raw:
 * every error line the CLI writes shows them as visible `\x1b` escapes (cli/main.ts#printable), and
 * the database is unchanged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';

const ESC = '\u001b';
const evil = `${ESC}[2J${ESC}]0;pwned${'\u0007'}shop`;

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'understudy.sqlite');
  expect((await cli(['settings', 'set', 'company_name', 'Shop', '--db', db])).code).toBe(0);
  await cli(['lists', '--db', db]); // the second command settles the meta rows
});

const cases: { name: string; args: () => string[] }[] = [
  { name: 'a provider name', args: () => ['providers', 'test', evil, '--db', db] },
  { name: 'a provider to remove', args: () => ['providers', 'remove', evil, '--db', db] },
  { name: 'an ESP connection name', args: () => ['esp', 'health', evil, '--db', db] },
  {
    name: 'a list name to export',
    args: () => ['export', '--list', evil, '--out', join(dir, 'x.csv'), '--db', db],
  },
  { name: 'a campaign id', args: () => ['campaigns', 'show', evil, '--db', db] },
  { name: 'a settings key', args: () => ['settings', 'set', evil, 'x', '--db', db] },
  {
    name: 'a suppression to remove',
    args: () => ['suppressions', 'remove', `${evil}@x.test`, '--why', 'x', '--db', db],
  },
];

describe('hostile input: escape sequences are never echoed raw', () => {
  it.each(cases)('$name', async (c) => {
    const before = snapshot(dir, db);
    const r = await cli(c.args(), { UNDERSTUDY_PASSPHRASE: 'a long enough passphrase' });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).not.toContain('\u0007');
    expectCleanMessage(r.stderr.trim(), 900);
    expectUnchanged(before, snapshot(dir, db));
  });
});
