/**
 * Hostile SMTP replies (issue 11 §2): a small campaign sent through one faulting server (Postfix's
 * smtp-sink with its -f/-r/-Q fault flags and -B custom replies) must not touch who is subscribed or
 * suppressed. Each case asserts the run's outcome, the words the person reads (the run's summary and
 * the provider's timeline event), that nobody is failed_perm, and that the data folder's files, the
 * subscriber and suppression rows are unchanged. (Sending writes its own records — deliveries, events,
 * send_log — so those tables are not compared; the documented replies of replyCatalog.ts are the
 * table-driven unit share of this suite, test/unit/sending/classify.test.ts.)
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCampaign } from '../../../electron/engine/sending';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';
import { expectCleanMessage, snapshot, type Snapshot } from '../../helpers/hostile';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { campaign, FAST, smtpProvider, world, type World } from '../sending/fixture';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
});

const TUNING = { ...FAST, breakerCooldownMs: 50, breakerMaxCooldownMs: 100, maxWaitMs: 1000, maxAttempts: 2 };

interface Protected {
  files: Snapshot['files'];
  counts: Record<string, number | undefined>;
  subscribers: unknown[];
  suppressions: unknown[];
}

/** What a hostile reply must never change: files, subscribers (every column), suppressions, lists. */
function protectedState(w: World): Protected {
  const snap = snapshot(w.dir, w.dbPath);
  const db = new Database(w.dbPath, { readonly: true, fileMustExist: true });
  try {
    return {
      files: snap.files,
      counts: {
        subscribers: snap.counts.subscribers,
        suppressions: snap.counts.suppressions,
        lists: snap.counts.lists,
      },
      subscribers: db.prepare('SELECT * FROM subscribers ORDER BY id').all(),
      suppressions: db.prepare('SELECT * FROM suppressions ORDER BY email_norm').all(),
    };
  } finally {
    db.close();
  }
}

const UNKNOWN = '550 5.1.1 <x>: Recipient address rejected: User unknown in local recipient table';
const MASS =
  /rejected \d+ different people (in a row )?as unknown.*; that is the account's problem, not theirs\. Understudy paused it and restored them/;

type Case = [
  name: string,
  flags: string[],
  state: 'waiting' | 'finished',
  event: [type: string, words: RegExp] | null,
];

const CASES: Case[] = [
  [
    'Postfix: every RCPT "User unknown in local recipient table"',
    ['-f', 'RCPT', '-B', UNKNOWN],
    'waiting',
    ['provider.mass_rejection', MASS],
  ],
  [
    'Postfix: every RCPT "User unknown in virtual mailbox table"',
    ['-f', 'RCPT', '-B', '550 5.1.1 <x>: Recipient address rejected: User unknown in virtual mailbox table'],
    'waiting',
    ['provider.mass_rejection', MASS],
  ],
  [
    'Yahoo-style "doesn\'t have an account" to everyone',
    ['-f', 'RCPT', '-B', "554 delivery error: dd This user doesn't have a yahoo.com account"],
    'waiting',
    ['provider.mass_rejection', MASS],
  ],
  [
    'plain "550 No such user here" to everyone',
    ['-f', 'RCPT', '-B', '550 No such user here'],
    'waiting',
    ['provider.mass_rejection', MASS],
  ],
  [
    'Postfix 550 5.1.0 Sender denied',
    ['-f', 'RCPT', '-B', '550 5.1.0 Sender denied'],
    'finished',
    ['provider.down', /is failing \(550 5\.1\.0 Sender denied\)/],
  ],
  [
    'Postfix relay access denied',
    ['-f', 'RCPT', '-B', '554 5.7.1 <x>: Relay access denied'],
    'finished',
    ['provider.down', /Relay access denied/],
  ],
  [
    'sender address rejected at MAIL FROM',
    ['-f', 'MAIL', '-B', '553 5.7.1 Sender address rejected'],
    'finished',
    ['provider.down', /Sender address rejected/],
  ],
  [
    'Microsoft 365 5.7.60 send as',
    ['-f', '.', '-B', '550 5.7.60 SMTP; Client does not have permissions to send as this sender'],
    'finished',
    ['provider.down', /does not have permissions to send as this sender/],
  ],
  [
    'Microsoft 5.7.515 authentication level',
    [
      '-f',
      'RCPT',
      '-B',
      '550 5.7.515 Access denied, sending domain shop.test does not meet the required authentication level.',
    ],
    'finished',
    ['provider.down', /required authentication level/],
  ],
  [
    'Gmail 5.7.26 DMARC',
    [
      '-f',
      '.',
      '-B',
      "550 5.7.26 Unauthenticated email from shop.test is not accepted due to domain's DMARC policy.",
    ],
    'finished',
    ['provider.down', /DMARC policy/],
  ],
  [
    'Amazon SES unverified identity',
    [
      '-f',
      '.',
      '-B',
      '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: news@shop.test',
    ],
    'finished',
    ['provider.down', /Email address is not verified/],
  ],
  [
    'Mailgun sandbox domain',
    [
      '-f',
      '.',
      '-B',
      '554 Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in domain settings.',
    ],
    'finished',
    ['provider.down', /Sandbox subdomains/],
  ],
  [
    'SendGrid unverified Sender Identity',
    [
      '-f',
      '.',
      '-B',
      '550 The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.',
    ],
    'finished',
    ['provider.down', /verified Sender Identity/],
  ],
  [
    'Gmail daily sending limit',
    ['-f', '.', '-B', '550 5.4.5 Daily user sending limit exceeded.'],
    'waiting',
    ['provider.paused', /reported a sending limit .*No subscriber is affected/],
  ],
  ['mailbox full (5.2.2) to everyone', ['-f', 'RCPT', '-B', '552 5.2.2 Mailbox full'], 'finished', null],
  ['450 on every RCPT', ['-r', 'RCPT'], 'finished', ['provider.down', /is failing/]],
  ['421 and disconnect after MAIL FROM', ['-Q', 'MAIL'], 'finished', ['provider.down', /is failing/]],
];

describe('hostile SMTP replies leave subscribers and suppressions alone', () => {
  it.each(CASES)('%s', async (_name, flags, state, event) => {
    const extra = ['ana@mail.test,Ana,subscribed', 'bo@post.test,Bo,subscribed'];
    const w = await world(4, { extraCsvRows: extra });
    const bad = await startSmtpSink({ flags });
    sinks.push(bad);
    await smtpProvider(w, 'Backup relay', bad.port);
    const id = campaign(w);
    await unsubscribeSecret(w.engine, w.secrets); // the first send's one-time key: not what is compared
    const before = protectedState(w);

    const s = await runCampaign(w.engine, id, { tuning: TUNING });

    expect(s.state).toBe(state);
    expect(s).toMatchObject({ sent: 0, suppressed: 0 });
    expect(s.message).toMatch(
      state === 'waiting' ? /is waiting: no provider can send now/ : /is done: 0 sent/,
    );
    expectCleanMessage(s.message, 1000);
    if (event) {
      const e = w.engine.repos.events.recent(1000).find((x) => x.type === event[0]);
      expect(e?.message, event[0]).toMatch(event[1]);
      expectCleanMessage(e!.message, 1000);
    }
    expect(w.engine.repos.deliveries.page(id, { state: 'failed_perm' })).toHaveLength(0);
    await w.engine.close();
    const after = protectedState(w);
    expect(after.counts).toEqual(before.counts);
    expect(after.subscribers).toEqual(before.subscribers);
    expect(after.suppressions).toEqual(before.suppressions);
    expect(after.files).toEqual(before.files);
  });
});
