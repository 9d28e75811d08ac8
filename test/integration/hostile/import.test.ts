/**
 * Hostile input to `understudy import`, through the CLI in-process: files that mix encodings, carry
 * control characters or terminal escape sequences, hide an opt-out in a column whose meaning is
 * unclear, or are simply huge. A refused import exits 1 with one clean line and leaves the data folder
 * and every table exactly as they were; a row that cannot be imported lands in the reject report.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';

const u8 = (s: string) => Buffer.from(s, 'utf8');
const w1252 = (s: string) => iconv.encode(s, 'win1252');
const ESC = '\u001b';

let dataDir = '';
let db = '';
let inputs = '';
let n = 0;

beforeAll(async () => {
  const root = tempDir('understudy-hostile-import-');
  dataDir = join(root, 'data');
  inputs = join(root, 'inputs');
  mkdirSync(dataDir);
  mkdirSync(inputs);
  db = join(dataDir, 'understudy.sqlite');
  const seed = join(inputs, 'seed.csv');
  writeFileSync(
    seed,
    'Email,First Name,Status\nann@example.com,Ann,subscribed\numa@example.com,Uma,unsubscribed\n',
  );
  const r = await cli(['import', seed, '--list', 'Main', '--db', db]);
  expect(r.code, r.stderr).toBe(0);
  // A second open settles what the first leaves to do (a meta row): every case starts from a steady state.
  expect((await cli(['lists', '--db', db])).code).toBe(0);
});

/** Writes an input file (outside the data folder) and returns its path. */
function input(content: Buffer | string, name = `in-${++n}.csv`): string {
  const p = join(inputs, name);
  writeFileSync(p, content);
  return p;
}

interface Refused {
  name: string;
  file: () => string;
  args?: string[];
  words: RegExp[];
  /** Longest acceptable stderr (a one-line error; default 600). */
  max?: number;
}

const bigHeader = () => `Name,${'Phone number,'.repeat(800_000)}City\nA,1\n`; // ~10 MB, no email column

const refused: Refused[] = [
  // --- an opt-out hidden in a column whose meaning is unclear: ask, never import as subscribed ---
  {
    name: 'a column "Unsubscribe reason" nothing maps with certainty',
    file: () => input('Email,Name,Unsubscribe reason\na@example.com,A,too many emails\n'),
    words: [
      /"Unsubscribe reason"/,
      /--map "Unsubscribe reason=status"/,
      /--status unsubscribed/,
      /unchanged/,
    ],
  },
  {
    name: 'the same with --status subscribed (the guess it refuses to make)',
    file: () => input('Email,Name,Unsubscribe reason\na@example.com,A,too many emails\n'),
    args: ['--status', 'subscribed'],
    words: [/"Unsubscribe reason"/, /will not guess/],
  },
  {
    name: 'a "GDPR withdrawn" column',
    file: () => input('Email,GDPR withdrawn\na@example.com,2024-05-01\n'),
    words: [/"GDPR withdrawn"/, /--map/],
  },
  {
    name: 'a "Status 2" column beside the email',
    file: () => input('E-mail,Status 2\na@example.com,gone\n'),
    words: [/"Status 2"/],
  },
  {
    name: 'a Mailchimp export with an unknown consent-like merge column',
    file: () =>
      input('Email Address,First Name,MEMBER_RATING,Newsletter optout reason\na@example.com,A,2,moved\n'),
    words: [/"Newsletter optout reason"/, /--status unsubscribed/],
  },
  {
    name: 'two unclear columns, named together',
    file: () => input('Email,Consent source,Bounce type\na@example.com,form,hard\n'),
    words: [/Columns "Consent source", "Bounce type"/],
  },
  {
    name: 'an unclear column whose name is an escape sequence and 100 KB long',
    file: () => input(`Email,Unsub ${ESC}[31m${'x'.repeat(100_000)}\na@example.com,1\n`),
    words: [/Unsub \\x1b\[31mx+…/, /characters in all/],
  },
  // --- mixed encodings: refused with the line, whatever the size ---
  {
    name: 'a small UTF-8 file with one Windows-1252 line',
    file: () =>
      input(
        Buffer.concat([u8('Email,First Name\nrenee@example.com,Renée\n'), w1252('noel@example.com,Noël\n')]),
      ),
    words: [/on line 3\b/, /mixes encodings/, /unchanged/],
  },
  {
    name: 'a UTF-8 file with BOM and a Windows-1252 line',
    file: () =>
      input(
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          u8('Email,First Name\na@example.com,A\n'),
          w1252('b@example.com,Bérénice\n'),
        ]),
      ),
    words: [/on line 3\b/],
  },
  {
    name: 'a big Windows-1252 file that turns to UTF-8 after 64 KiB',
    file: () => {
      let s = 'Email,First Name\n';
      for (let i = 0; i < 5000; i++) s += `p${i}@example.com,Noël\n`;
      return input(Buffer.concat([w1252(s), u8('late@example.com,Renée\n')]));
    },
    words: [/on line 5002\b/, /"é"/, /Windows-1252/],
  },
  {
    name: 'a big UTF-8 file with a Windows-1252 line after 64 KiB',
    file: () => {
      let s = 'Email,First Name\n';
      for (let i = 0; i < 5000; i++) s += `p${i}@example.com,Zoë\n`;
      return input(Buffer.concat([u8(s), w1252('late@example.com,Noël\n')]));
    },
    words: [/on line 5002\b/, /not valid UTF-8/],
  },
  {
    name: 'a UTF-8 file with a stray 0xFF byte after an emoji',
    file: () =>
      input(
        Buffer.concat([u8('Email,Name\na@example.com,😀\nb@example.com,'), Buffer.from([0xff]), u8('\n')]),
      ),
    words: [/on line 3\b/],
  },
  // --- control characters and escape sequences ---
  {
    name: 'a header with a terminal escape sequence',
    file: () => input(`Email,${ESC}]0;pwned${ESC}\\${ESC}[2J\na@example.com,1\n`),
    words: [/header row holds a control character/, /\\x1b\]0;pwned/],
  },
  {
    name: 'a header with NUL',
    file: () => input('Email,Na\u0000me\na@example.com,1\n'),
    words: [/control character/, /Na\\x00me/],
  },
  {
    name: 'a list name with an escape sequence',
    file: () => input('Email\na@example.com\n'),
    args: ['--list', `Evil${ESC}[2J`],
    words: [/list name "Evil\\x1b\[2J" holds a control character/],
  },
  {
    name: 'a file name with an escape sequence (and an empty file)',
    file: () => input('', `x${ESC}[31mred.csv`),
    words: [/x\\x1b\[31mred\.csv is empty/],
  },
  {
    name: 'a missing file whose path holds an escape sequence',
    file: () => join(inputs, `nope${ESC}[2J.csv`),
    words: [/No file at .*nope\\x1b\[2J\.csv/],
  },
  {
    name: '--map naming a column (with an escape) that the file does not have',
    file: () => input('Email,Name\na@example.com,A\n'),
    args: ['--map', `Ci${ESC}[5mty=merge:CITY`],
    words: [/--map names a column "Ci\\x1b\[5mty"/, /"Email", "Name"/],
  },
  {
    name: '--map to a field that does not exist',
    file: () => input('Email,Name\na@example.com,A\n'),
    args: ['--map', 'Name=frobnicate'],
    words: [/"frobnicate" is not a field/, /unsubscribed_at/],
  },
  {
    name: '--format with an escape sequence',
    file: () => input('Email\na@example.com\n'),
    args: ['--format', `evil${ESC}[2J`],
    words: [/Unknown --format "evil\\x1b\[2J"/, /sendgrid/, /klaviyo/],
  },
  {
    name: '--status that is not a status',
    file: () => input('Email\na@example.com\n'),
    args: ['--status', 'maybe'],
    words: [/Unknown --status "maybe"/],
  },
  // --- size: a message quotes at most ~200 characters of the input ---
  {
    name: 'a 10 MB header line of 800,000 columns',
    file: () => input(bigHeader()),
    words: [/header row \(line 1\) has more than 5000 columns/, /unchanged/],
  },
  {
    name: 'a 1 MB header line without an email column',
    file: () => input(`Name,${'Phone number,'.repeat(4000)}City\nA,1\n`),
    words: [/No email column/, /and \d+ more/],
  },
  {
    name: 'a 2 MB column name without an email column',
    file: () => input(`${'N'.repeat(2_000_000)},City\nA,B\n`),
    words: [/No email column/, /characters in all/],
  },
  // --- plain bad files ---
  {
    name: 'an empty file',
    file: () => input(''),
    words: [/is empty/, /header row/],
  },
  {
    name: 'a file that is only a byte-order mark',
    file: () => input(Buffer.from([0xef, 0xbb, 0xbf])),
    words: [/is empty/],
  },
  {
    name: 'a folder given as the file',
    file: () => inputs,
    words: [/No file at/],
  },
  {
    name: 'a file without an email column',
    file: () => input('Name,Phone\nA,1\n'),
    words: [/No email column/, /--map "Name=email"/],
  },
];

describe('hostile imports that must be refused', () => {
  it.each(refused)('$name: exit 1, a clean message, nothing changed', async (c) => {
    const file = c.file();
    const args = c.args ?? [];
    const list = args.includes('--list') ? [] : ['--list', `Case ${++n}`];
    const before = snapshot(dataDir, db);
    const r = await cli(['import', file, ...list, ...args, '--db', db]);
    expect(r.code, r.stderr).toBe(1);
    for (const w of c.words) expect(r.stderr).toMatch(w);
    expectCleanMessage(r.stderr, c.max ?? 600);
    expect(r.stdout).toBe('');
    expectUnchanged(before, snapshot(dataDir, db));
  });
});

interface Rejected {
  name: string;
  text: string | Buffer;
  args?: string[];
  /** The reject report's line for the row: its line number and words of the reason. */
  report: RegExp;
  imported: number;
}

const rejected: Rejected[] = [
  {
    name: 'NUL in a name',
    text: 'Email,Name\na@example.com,A\nb@example.com,B\u0000ob\n',
    report: /^3,"""Name"" holds a control character \(U\+0000\)/m,
    imported: 1,
  },
  {
    name: 'a terminal escape sequence in a name',
    text: `Email,Name\na@example.com,${ESC}[2J${ESC}[31mBoo\nb@example.com,B\n`,
    report: /^2,"""Name"" holds a control character \(U\+001B\)/m,
    imported: 1,
  },
  {
    name: 'a C1 control (CSI, U+009B) in a merge field',
    text: 'Email,City\na@example.com,Os\u009b2Jlo\nb@example.com,Rome\n',
    report: /^2,"""City"" holds a control character \(U\+009B\)/m,
    imported: 1,
  },
  {
    name: 'DEL in an address',
    text: 'Email\na\u007f@example.com\nb@example.com\n',
    report: /^2,"""Email"" holds a control character \(U\+007F\)/m,
    imported: 1,
  },
  {
    name: 'a formula where the address should be (the report neutralises it)',
    text: "Email,Name\n=cmd|' /C calc'!A0,A\nb@example.com,B\n",
    report: /^2,"not an email address.*","'=cmd\|' \/C calc'!A0,A"$/m,
    imported: 1,
  },
  {
    name: 'a consent cell that cannot be read',
    text: 'Email,GDPR consent\na@example.com,maybe\nb@example.com,yes\n',
    report: /^2,"""GDPR consent"" is ""maybe"": cannot tell whether this person agreed/m,
    imported: 1,
  },
  {
    name: 'a do-not-email flag that is neither yes nor no',
    text: 'Email,Do not email\na@example.com,perhaps\nb@example.com,no\n',
    report: /^2,"""Do not email"" is ""perhaps"", expected yes or no/m,
    imported: 1,
  },
  {
    name: 'a Klaviyo consent value it does not know',
    text: 'Email,Klaviyo ID,Email Marketing Consent\na@example.com,1,LOL\nb@example.com,2,SUBSCRIBED\n',
    report: /^2,"""Email Marketing Consent"" is ""LOL""/m,
    imported: 1,
  },
  {
    name: 'a 1 MB status word (the reason quotes ~200 characters)',
    text: `Email,Status\na@example.com,${'z'.repeat(1_000_000)}\nb@example.com,subscribed\n`,
    report: /^2,"unknown status ""z{10,200}… \(1000000 characters in all\)"""/m,
    imported: 1,
  },
];

describe('hostile rows that go to the reject report', () => {
  it.each(rejected)('$name: the row is in the reject report, the rest imported', async (c) => {
    const file = input(c.text);
    const report = join(inputs, `report-${++n}.csv`);
    const r = await cli([
      'import',
      file,
      '--list',
      `Rejects ${n}`,
      '--db',
      db,
      '--reject-report',
      report,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ imported: c.imported, rejected: 1, rejectReport: report });
    expect(readFileSync(report, 'utf8')).toMatch(c.report);
    // Nothing raw reaches the terminal, and the summary stays short.
    expectCleanMessage(r.stderr, 2000);
    expectCleanMessage(r.stdout, 2000);
  });
});

const listCommands: { name: string; args: () => string[]; words: RegExp[] }[] = [
  {
    name: 'export of a list whose name is an escape sequence',
    args: () => ['export', '--list', `${ESC}[2J${ESC}[3J`, '--out', join(inputs, 'never.csv')],
    words: [/no list named "\\x1b\[2J\\x1b\[3J"/, /Known lists: "Main"/],
  },
  {
    name: 'subscribers of a list whose name is a 1 MB string',
    args: () => ['subscribers', '--list', 'L'.repeat(1_000_000)],
    words: [/no list named "L+… \(1000000 characters in all\)"/],
  },
];

describe('hostile list names given to the other list commands', () => {
  it.each(listCommands)('$name: exit 1, a clean message, nothing changed', async (c) => {
    const before = snapshot(dataDir, db);
    const r = await cli([...c.args(), '--db', db]);
    expect(r.code, r.stderr).toBe(1);
    for (const w of c.words) expect(r.stderr).toMatch(w);
    expectCleanMessage(r.stderr);
    expectUnchanged(before, snapshot(dataDir, db));
  });
});
