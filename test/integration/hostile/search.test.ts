/**
 * Hostile input to the subscriber search (issue 15, "Finding people"): what a person may type or paste
 * into the search box — quotes, `*`, `-`, FTS5 operators and column filters, SQL wildcards, control
 * characters, a pasted paragraph — is plain text: never an error, never a different meaning, and it
 * reads without writing. A bad sort column or status is refused in words. Each case also proves that
 * every table's row count and every file of the data folder are as they were.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';

interface Case {
  name: string;
  /** What is typed into the search box (or, with `args`, the whole command after `subscribers`). */
  search?: string;
  args?: string[];
  /** The command, when not `subscribers`. */
  command?: string;
  code: number;
  /** What the answer must say: the "(shown of matching)" line, or words of the refusal. */
  words: RegExp;
}

// The list: 40 people, 10 of them Smiths (one an O'Brien-Smith), at two domains.
const SMITHS = /\(10 of 10\)/;
const NONE = /\(0 of 0\)/;

const cases: Case[] = [
  { name: 'an unbalanced double quote', search: '"', code: 0, words: NONE },
  { name: 'a quoted name', search: '"smith"', code: 0, words: SMITHS },
  { name: 'a quote inside a word', search: 'smi"th', code: 0, words: NONE },
  { name: 'a star after the name', search: 'smith*', code: 0, words: SMITHS },
  { name: 'a star alone', search: '*', code: 0, words: NONE },
  { name: 'a leading minus (FTS "not")', search: '-smith', code: 0, words: SMITHS },
  { name: 'a minus between words', search: 'smith -ann', code: 0, words: /\(5 of 5\)/ },
  { name: 'FTS5 NEAR()', search: 'NEAR(smith ann)', code: 0, words: NONE },
  { name: 'FTS5 OR / NOT', search: 'smith OR jones NOT ann', code: 0, words: NONE },
  { name: 'an FTS5 column filter on the list column', search: 'list : 1', code: 0, words: NONE },
  { name: 'an FTS5 column filter on words', search: 'words:smith', code: 0, words: NONE },
  { name: 'an FTS5 initial-token caret', search: '^smith', code: 0, words: SMITHS },
  { name: 'parentheses only', search: '()', code: 0, words: NONE },
  { name: 'SQL wildcards', search: '%_%', code: 0, words: NONE },
  { name: 'an SQL injection attempt', search: "x'); DROP TABLE subscribers; --", code: 0, words: NONE },
  { name: 'a backslash', search: '\\', code: 0, words: NONE },
  { name: 'an @ alone (every address has one)', search: '@', code: 0, words: /\(40 of 40\)/ },
  { name: 'a domain with a quote', search: '@exa"mple.com', code: 0, words: NONE },
  { name: 'control characters', search: 'smi\u0007th\u001b[31m', code: 0, words: NONE },
  { name: 'a 10,000-character paste', search: 'smith '.repeat(1700), code: 0, words: SMITHS },
  { name: 'an apostrophe in the name', search: "o'brien", code: 0, words: /\(1 of 1\)/ },
  {
    name: 'an unknown sort column',
    args: ['--list', 'L', '--sort', 'email; DROP TABLE subscribers'],
    code: 1,
    words:
      /Unknown --sort "email; DROP TABLE subscribers".*Nothing was read or changed.*email, name, status, date/s,
  },
  {
    name: 'an unknown status with a search',
    args: ['--list', 'L', '--search', 'smith', '--status', 'smith*'],
    code: 1,
    words: /Unknown --status "smith\*"/,
  },
  {
    name: "a subscriber's page: an address not in the list",
    command: 'subscriber',
    args: ['nobody@example.com', '--list', 'L'],
    code: 1,
    words: /"nobody@example.com" is not in the list "L".*Nothing was changed/s,
  },
  {
    name: "a subscriber's page: FTS syntax as the address",
    command: 'subscriber',
    args: ['smith* OR "x"', '--list', 'L'],
    code: 1,
    words: /is not in the list "L"/,
  },
  {
    name: "a subscriber's page: a list that does not exist",
    command: 'subscriber',
    args: ['p1@example.com', '--list', 'Nope'],
    code: 1,
    words: /There is no list named "Nope"/,
  },
  {
    name: "a subscriber's page, shown (reading it changes nothing)",
    command: 'subscriber',
    args: ['P1@Example.com', '--list', 'L'],
    code: 0,
    words: /nothing yet/,
  },
];

let dir: string;
let dbPath: string;
beforeAll(async () => {
  dir = tempDir();
  dbPath = join(dir, 'understudy.sqlite');
  const rows = ['Email,First Name,Last Name'];
  for (let i = 0; i < 40; i++) {
    const last = i === 0 ? "O'Brien-Smith" : i % 4 === 0 ? 'Smith' : 'Jones';
    rows.push(`p${i}@${i % 2 ? 'example.com' : 'shop.org'},${i % 8 < 4 ? 'Ann' : 'Bo'},${last}`);
  }
  const csv = join(dir, 'l.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  expect((await cli(['import', csv, '--list', 'L', '--db', dbPath])).code).toBe(0);
  // The first command on a database notes its integrity check in meta: done before any snapshot.
  expect((await cli(['subscribers', '--list', 'L', '--db', dbPath])).code).toBe(0);
});

describe('hostile input: subscriber search', () => {
  it('has at least 10 cases', () => expect(cases.length).toBeGreaterThanOrEqual(10));

  it.each(cases)('$name', async (c) => {
    const before = snapshot(dir, dbPath);
    const args = c.args ?? ['--list', 'L', '--search', c.search!];
    const r = await cli(
      c.command
        ? [c.command, ...args, '--db', dbPath]
        : ['subscribers', ...args, '--limit', '1000', '--db', dbPath],
    );
    expect(r.code, r.stderr).toBe(c.code);
    const text = c.code === 0 ? r.stdout.trim().split('\n').at(-1)! : r.stderr;
    expect(text).toMatch(c.words);
    expectCleanMessage(c.code === 0 ? text : r.stderr);
    if (c.code === 0) expect(r.stderr).toBe('');
    expectUnchanged(before, snapshot(dir, dbPath));
  });
});
