/** A table of real SMTP replies and transport failures, and what each must mean. */
import { describe, expect, it } from 'vitest';
import { classifySmtpFailure, parseReply, type SmtpFailure } from '../../../electron/engine/sending/classify';
import { DOCUMENTED_REPLIES, type ReplyExpectation } from '../../../electron/engine/sending/replyCatalog';

const reply = (command: string, response: string): SmtpFailure => ({
  code: command === 'DATA' ? 'EMESSAGE' : 'EENVELOPE',
  responseCode: Number(response.slice(0, 3)),
  response,
  command,
});

describe('parseReply', () => {
  it.each([
    ['550 5.1.1 <a@b>: Recipient address rejected: User unknown', 550, '5.1.1'],
    ['421-4.7.0 Try again later', 421, '4.7.0'],
    ['250 2.0.0 Ok: queued as ABC', 250, '2.0.0'],
    ['550 Mailbox unavailable', 550, null],
    ['550 4.1.1 contradictory class', 550, null],
  ])('%s', (text, code, enhanced) => {
    expect(parseReply(text)).toEqual({ code, enhanced });
  });
});

describe('classifySmtpFailure', () => {
  it.each<[string, SmtpFailure, string, string, string?]>([
    // Recipient problems: bounce and suppress.
    [
      'Postfix user unknown',
      reply('RCPT TO', '550 5.1.1 <x@y>: Recipient address rejected: User unknown in virtual mailbox table'),
      'recipient_perm',
      'ok',
    ],
    [
      'Gmail no such user',
      reply(
        'RCPT TO',
        "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address",
      ),
      'recipient_perm',
      'ok',
    ],
    [
      'disabled mailbox 5.2.1',
      reply('RCPT TO', '550 5.2.1 The email account that you tried to reach is disabled.'),
      'recipient_perm',
      'ok',
    ],
    [
      'Exchange DBEB 5.4.1',
      reply('RCPT TO', '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)'),
      'recipient_perm',
      'ok',
    ],
    ['plain 550 no enhanced code on RCPT', reply('RCPT TO', '550 No such user here'), 'recipient_perm', 'ok'],
    // Temporary: retry.
    [
      'greylisting',
      reply(
        'RCPT TO',
        '450 4.2.0 <x@y>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/',
      ),
      'retry',
      'soft',
    ],
    [
      'mailbox full 4.2.2',
      reply('RCPT TO', '452 4.2.2 The email account that you tried to reach is over quota.'),
      'retry',
      'ok',
    ],
    ['mailbox full 5.2.2 is not suppressed', reply('RCPT TO', '552 5.2.2 Mailbox full'), 'retry', 'ok'],
    ['smtp-sink soft default', reply('RCPT TO', '450 4.3.0 Error: command failed'), 'retry', 'soft'],
    ['421 service closing', reply('RCPT TO', '421 4.3.2 Service shutting down'), 'retry', 'soft'],
    // Quota and rate: pause the provider, never the subscriber.
    [
      'Gmail daily limit',
      reply(
        'DATA',
        '550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852',
      ),
      'requeue',
      'quota',
      'day',
    ],
    [
      'Gmail quota wording',
      reply('DATA', '550 5.4.5 Daily user sending quota exceeded.'),
      'requeue',
      'quota',
      'day',
    ],
    [
      'Microsoft 365 quota',
      reply(
        'DATA',
        '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message',
      ),
      'requeue',
      'quota',
      'day',
    ],
    [
      'SES daily quota',
      reply('MAIL FROM', '454 Throttling failure: Daily message quota exceeded.'),
      'requeue',
      'quota',
      'day',
    ],
    [
      'SES throttling',
      reply('MAIL FROM', '454 Throttling failure: Maximum sending rate exceeded.'),
      'requeue',
      'quota',
      'rate',
    ],
    [
      '421 rate',
      reply('RCPT TO', '421 4.7.0 Try again later, closing connection. (rate limit exceeded)'),
      'requeue',
      'quota',
      'rate',
    ],
    [
      'Gmail 4.7.28 unsolicited rate',
      reply(
        'DATA',
        '421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.',
      ),
      'requeue',
      'quota',
      'rate',
    ],
    [
      'Microsoft concurrency',
      reply(
        'MAIL FROM',
        '432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending',
      ),
      'requeue',
      'quota',
      'rate',
    ],
    // The provider/account is the problem: next provider, no suppression.
    ['relay denied with 5.7.1', reply('RCPT TO', '554 5.7.1 <x@y>: Relay access denied'), 'requeue', 'down'],
    ['relay denied without enhanced code', reply('RCPT TO', '550 Relaying denied'), 'requeue', 'down'],
    [
      'sender refused',
      reply('MAIL FROM', '553 5.7.1 <news@shop.test>: Sender address rejected: not owned by user shop'),
      'requeue',
      'down',
    ],
    [
      'Microsoft SendAs denied',
      reply('DATA', '554 5.2.252 SendAsDenied; shop@x.com not allowed to send as news@shop.test'),
      'requeue',
      'down',
    ],
    ['bad sender 5.1.7', reply('MAIL FROM', '550 5.1.7 Invalid sender address'), 'requeue', 'down'],
    [
      'auth failed',
      {
        code: 'EAUTH',
        responseCode: 535,
        response: '535 5.7.8 Username and Password not accepted',
        command: 'AUTH PLAIN',
      },
      'requeue',
      'down',
    ],
    [
      'auth failed (Microsoft basic auth off)',
      {
        code: 'EAUTH',
        responseCode: 535,
        response:
          '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.',
        command: 'AUTH LOGIN',
      },
      'requeue',
      'down',
    ],
    [
      'connection refused',
      {
        code: 'ESOCKET',
        originalCode: 'ECONNREFUSED',
        command: 'CONN',
        message: 'connect ECONNREFUSED 127.0.0.1:25',
      },
      'requeue',
      'down',
    ],
    [
      'DNS failure',
      {
        code: 'EDNS',
        originalCode: 'ENOTFOUND',
        command: 'CONN',
        message: 'getaddrinfo ENOTFOUND smtp.example',
      },
      'requeue',
      'down',
    ],
    ['TLS failure', { code: 'ETLS', command: 'CONN', message: 'self-signed certificate' }, 'requeue', 'down'],
    [
      '554 greeting',
      {
        code: 'EPROTOCOL',
        responseCode: 554,
        response: '554 5.7.1 Service unavailable; Client host blocked',
        command: 'CONN',
      },
      'requeue',
      'down',
    ],
    // Message-level refusals: failed for good, address kept.
    [
      'content rejected as spam: a policy, every message would be: fail over',
      reply('DATA', '550 5.7.1 Message rejected as spam by Content Filtering.'),
      'requeue',
      'down',
    ],
    [
      "DMARC is the account's authentication, not the message: fail over",
      reply(
        'DATA',
        "550 5.7.26 Unauthenticated email from shop.test is not accepted due to domain's DMARC policy.",
      ),
      'requeue',
      'down',
    ],
    [
      'message too big',
      reply('DATA', '552 5.3.4 Message size exceeds fixed maximum message size'),
      'message_perm',
      'ok',
    ],
    ['smtp-sink hard default', reply('RCPT TO', '500 5.3.0 Error: command failed'), 'message_perm', 'ok'],
    // RFC 1047: the reply to the data never came.
    [
      'connection closed mid-transaction',
      { code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' },
      'uncertain',
      'soft',
    ],
    [
      'pool gave up after close',
      { code: 'ECONNECTION', message: 'Reached maximum number of retries after connection was closed' },
      'uncertain',
      'soft',
    ],
    [
      'timeout waiting for the reply',
      { code: 'ETIMEDOUT', command: 'CONN', message: 'Timeout' },
      'uncertain',
      'soft',
    ],
    // Lost before the message's final dot (smtpSession.ts knows): nothing can have been delivered.
    [
      'connection closed before the data',
      {
        code: 'ECONNECTION',
        command: 'RCPT TO',
        message: 'Connection closed unexpectedly',
        sentNothing: true,
      },
      'requeue',
      'soft',
    ],
    [
      'connection closed after the final dot',
      { code: 'ECONNECTION', command: 'DATA', message: 'Connection closed unexpectedly', sentNothing: false },
      'uncertain',
      'soft',
    ],
    [
      'timeout before the data',
      { code: 'ETIMEDOUT', command: 'MAIL FROM', message: 'Timeout', sentNothing: true },
      'requeue',
      'soft',
    ],
  ])('%s', (_name, failure, delivery, provider, window) => {
    const c = classifySmtpFailure(failure);
    expect(c.delivery).toBe(delivery);
    expect(c.provider).toBe(provider);
    if (window) expect(c.quotaWindow).toBe(window);
  });

  it('never turns a provider-side problem into a suppression', () => {
    const providerProblems = [
      '550 5.4.5 Daily user sending limit exceeded.',
      '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException',
      '550 5.7.1 Relaying denied',
      '553 5.7.1 Sender address rejected',
      '550 Sending limit exceeded for this account',
      '550 5.7.1 Your account is suspended',
    ];
    for (const r of providerProblems)
      for (const cmd of ['MAIL FROM', 'RCPT TO', 'DATA'])
        expect(classifySmtpFailure(reply(cmd, r)).delivery, `${cmd}: ${r}`).not.toBe('recipient_perm');
  });
});

/** What each expectation of the catalogue means in the classifier's two answers. */
const VERDICT: Record<ReplyExpectation, { delivery: string; provider: string[]; window?: string }> = {
  bounce: { delivery: 'recipient_perm', provider: ['ok'] },
  account: { delivery: 'requeue', provider: ['down'] },
  quota_day: { delivery: 'requeue', provider: ['quota'], window: 'day' },
  quota_rate: { delivery: 'requeue', provider: ['quota'], window: 'rate' },
  retry: { delivery: 'retry', provider: ['soft', 'ok'] },
  full: { delivery: 'retry', provider: ['ok'] },
  message: { delivery: 'message_perm', provider: ['ok'] },
};

describe('documented provider replies (replyCatalog.ts)', () => {
  it('holds at least 60 replies of the named providers, each with a meaning and a source', () => {
    expect(DOCUMENTED_REPLIES.length).toBeGreaterThanOrEqual(60);
    const providers = new Set(DOCUMENTED_REPLIES.map((d) => d.provider));
    for (const p of [
      'Gmail / Google Workspace',
      'Microsoft 365',
      'Outlook.com',
      'Yahoo',
      'Amazon SES',
      'Mailgun',
      'SendGrid',
      'Postmark',
      'Brevo',
      'Postfix',
    ])
      expect(providers, p).toContain(p);
    for (const d of DOCUMENTED_REPLIES) {
      expect(d.meaning.length, d.reply).toBeGreaterThan(3);
      expect(d.source, d.reply).toMatch(/^https:\/\/\S+ \(.+\)$/);
    }
  });

  it.each(DOCUMENTED_REPLIES.map((d) => [`${d.provider} ${d.command}: ${d.reply.slice(0, 70)}`, d] as const))(
    '%s',
    (_name, d) => {
      const f: SmtpFailure = d.command.startsWith('AUTH')
        ? { code: 'EAUTH', responseCode: Number(d.reply.slice(0, 3)), response: d.reply, command: d.command }
        : reply(d.command, d.reply);
      const c = classifySmtpFailure(f);
      const want = VERDICT[d.expect];
      expect(c.delivery, `${d.meaning} (${d.source})`).toBe(want.delivery);
      expect(want.provider).toContain(c.provider);
      if (want.window) expect(c.quotaWindow).toBe(want.window);
      // The rule that matters most: only a bad address suppresses anyone.
      if (d.expect !== 'bounce') expect(c.delivery).not.toBe('recipient_perm');
    },
  );
});
