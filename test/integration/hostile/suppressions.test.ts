/**
 * Hostile input to `understudy suppressions` (issue 11, §2): unknown and garbage addresses, missing or
 * empty reasons, a complaint without --force, impossible dates, unknown reasons, out-of-range paging,
 * huge and control-character input. Each case exits 1 with a message saying what happened, and
 * leaves every table's row count and every file of the data folder as it was.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { seedSuppressions, type SuppressionFixture } from '../../helpers/suppressions';

interface Case {
  name: string;
  args: string[];
  code: number;
  /** Words the message must contain (case-insensitive). */
  words: string[];
  /** The --json error code, when the case is also run with --json. */
  json?: string;
}

const big = 'x'.repeat(100_000);

const cases: Case[] = [
  {
    name: 'remove: an address that is not suppressed',
    args: ['remove', 'nobody@example.com', '--why', 'test'],
    code: 1,
    words: ['nobody@example.com is not on the suppression list', 'nothing was changed'],
    json: 'not_suppressed',
  },
  {
    name: 'remove: no --why at all',
    args: ['remove', 'bob@example.com'],
    code: 1,
    words: ['a reason is needed', 'say why'],
    json: 'why_required',
  },
  {
    name: 'remove: an empty --why',
    args: ['remove', 'bob@example.com', '--why', ''],
    code: 1,
    words: ['a reason is needed'],
    json: 'why_required',
  },
  {
    name: 'remove: a --why of blanks',
    args: ['remove', 'bob@example.com', '--why', ' \t  '],
    code: 1,
    words: ['a reason is needed'],
  },
  {
    name: 'remove: a spam complaint without --force',
    args: ['remove', 'carol@example.com', '--why', 'she asked'],
    code: 1,
    words: ['reported your mail as spam', 'needs a confirmation', '--force'],
    json: 'complaint_needs_force',
  },
  {
    name: 'remove: a spam complaint, other spelling, without --force',
    args: ['remove', '  CAROL@Example.COM ', '--why', 'she asked'],
    code: 1,
    words: ['carol@example.com reported your mail as spam'],
  },
  {
    name: 'remove: not an email address',
    args: ['remove', 'not-an-email', '--why', 'test'],
    code: 1,
    words: ['"not-an-email" is not an email address', 'name@example.com'],
    json: 'bad_email',
  },
  {
    name: 'remove: a 100,000-character address',
    args: ['remove', `${big}@example.com`, '--why', 'test'],
    code: 1,
    words: ['is not an email address', '...'],
  },
  {
    name: 'remove: an address with a NUL byte',
    args: ['remove', 'bob@example.com\u0000', '--why', 'test'],
    code: 1,
    words: ['is not an email address'],
  },
  {
    name: 'remove: a reason with terminal escape sequences',
    args: ['remove', 'bob@example.com', '--why', 'ok\u001b]0;owned\u0007\u001b[31m'],
    code: 1,
    words: ['control characters', 'plain text'],
    json: 'why_control',
  },
  {
    name: 'remove: a 5,000-character reason',
    args: ['remove', 'bob@example.com', '--why', 'y'.repeat(5000)],
    code: 1,
    words: ['5000 characters long', 'at most 1000'],
    json: 'why_too_long',
  },
  {
    name: 'remove: no address',
    args: ['remove', '--why', 'test'],
    code: 1,
    words: ['missing required argument'],
  },
  {
    name: 'list: an impossible date (February 30th)',
    args: ['list', '--since', '2027-02-30'],
    code: 1,
    words: ['"2027-02-30" does not exist', '2026-12-01'],
    json: 'bad_since',
  },
  {
    name: 'list: an impossible time of day',
    args: ['list', '--since', '2026-12-01T24:30+01:00'],
    code: 1,
    words: ['impossible time of day'],
  },
  {
    name: 'list: words instead of a date',
    args: ['list', '--since', 'last tuesday'],
    code: 1,
    words: ['"last tuesday" is not a date', '7d'],
  },
  {
    name: 'list: a span reaching back millennia',
    args: ['list', '--since', '9999999d'],
    code: 1,
    words: ['more than a hundred years'],
  },
  {
    name: 'list: a date with an escape sequence',
    args: ['list', '--since', '\u001b[2J2026-12-01'],
    code: 1,
    words: ['is not a date', '?[2J'],
  },
  {
    name: 'list: an unknown reason',
    args: ['list', '--reason', 'spam'],
    code: 1,
    words: ['no suppression reason "spam"', 'bounced', 'complained'],
    json: 'bad_reason',
  },
  {
    name: 'list: an empty reason',
    args: ['list', '--reason', ''],
    code: 1,
    words: ['no suppression reason ""'],
  },
  {
    name: 'list: --limit 0',
    args: ['list', '--limit', '0'],
    code: 1,
    words: ['--limit must be a whole number of at least 1'],
  },
  {
    name: 'list: --limit above 1000',
    args: ['list', '--limit', '5000'],
    code: 1,
    words: ['at most 1000', '--offset'],
    json: 'bad_limit',
  },
  {
    name: 'list: --limit that is not a number',
    args: ['list', '--limit', 'lots'],
    code: 1,
    words: ['--limit must be a whole number', '"lots"'],
  },
  {
    name: 'list: a negative --offset',
    args: ['list', '--offset', '-1'],
    code: 1,
    words: ['--offset must be a whole number of at least 0'],
  },
  {
    name: 'list: a 10,000-character --search',
    args: ['list', '--search', 'a'.repeat(10_000)],
    code: 1,
    words: ['longer than any email address'],
    json: 'bad_search',
  },
  {
    name: 'history: not an email address',
    args: ['history', '<script>alert(1)</script>'],
    code: 1,
    words: ['is not an email address'],
  },
];

let f: SuppressionFixture;
beforeAll(async () => {
  f = await seedSuppressions(tempDir());
  // The first command on a database notes its integrity check in meta: done before any snapshot.
  expect((await cli(['suppressions', 'list', '--db', f.dbPath])).code).toBe(0);
});

describe('hostile input: understudy suppressions', () => {
  it('has at least 15 cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)('$name', async (c) => {
    const before = snapshot(f.dir, f.dbPath);
    const r = await cli(['suppressions', ...c.args, '--db', f.dbPath]);
    expect(r.code, r.stderr).toBe(c.code);
    for (const w of c.words) expect(r.stderr.toLowerCase()).toContain(w.toLowerCase());
    expectCleanMessage(r.stderr);
    expect(r.stdout).toBe('');
    if (c.json) {
      const j = await cli(['suppressions', ...c.args, '--db', f.dbPath, '--json']);
      expect(j.code).toBe(c.code);
      expect(j.json()).toMatchObject({ error: { kind: 'user', code: c.json, safe: expect.any(String) } });
    }
    expectUnchanged(before, snapshot(f.dir, f.dbPath));
  });
});
