/**
 * What an SMTP failure means, decided from the RFC 5321 reply code, the RFC 3463 enhanced status code,
 * the command it answered, the transport's error code, and the texts known providers use for quota and
 * policy replies. Two separate answers come out:
 *
 * - `delivery`: what happens to this one message —
 *   'retry' (temporary: back off with jitter and try again), 'requeue' (never reached the recipient's
 *   side because the provider failed: hand it to the next provider at once, no attempt counted),
 *   'uncertain' (the connection died after the data may have been accepted, RFC 1047: resend once with
 *   the same Message-ID), 'recipient_perm' (5.1.x no such user, 5.2.1 disabled: bounce, suppress),
 *   'message_perm' (this message is refused for good, but the address is fine: no suppression).
 * - `provider`: what it says about the provider — 'ok', 'soft' (counts towards the breaker: repeated
 *   4xx, a dropped connection), 'down' (connection refused/reset, TLS, auth, a refused sender: open the
 *   breaker now), 'quota' (a daily or rate limit: pause the provider until its window resets).
 *
 * The rule that matters most: a provider's problem never suppresses a subscriber. A reply that names
 * the sender, the relay, a permission, authentication or a policy (or carries a 5.7.x code) is the
 * account's problem whatever else it says: 'requeue' + 'down' (fail over, suppress nobody, mark nobody
 * failed_perm). Only then is a 5xx whose enhanced code is about the mailbox (5.1.x except the sender
 * codes 5.1.7/5.1.8, 5.2.1), a mailbox refusal without an enhanced code, or a plain 550/551/553 to
 * RCPT TO with no policy or quota words in it, 'recipient_perm'. Even those are only believed while
 * the provider accepts other people: massReject.ts watches for a provider that rejects everyone.
 *
 * The table of real provider replies these rules are checked against, each with its documented
 * meaning and source, is replyCatalog.ts.
 */

export type DeliveryVerdict = 'retry' | 'requeue' | 'uncertain' | 'recipient_perm' | 'message_perm';
export type ProviderVerdict = 'ok' | 'soft' | 'down' | 'quota';

export interface Classification {
  delivery: DeliveryVerdict;
  provider: ProviderVerdict;
  /** For 'quota': 'day' (wait for the rolling 24 h window) or 'rate' (a short pause). */
  quotaWindow?: 'day' | 'rate';
  code: number | null;
  enhanced: string | null;
  /** One line for the delivery record and the timeline. */
  reason: string;
}

/** The parts of a nodemailer (or any SMTP client) error the decision needs. */
export interface SmtpFailure {
  code?: string | undefined;
  originalCode?: string | undefined;
  responseCode?: number | undefined;
  response?: string | undefined;
  command?: string | undefined;
  message?: string | undefined;
  /** The connection failed before the message's terminating dot was written (smtpSession.ts). */
  sentNothing?: boolean | undefined;
}

/** The SMTP failure a thrown value describes (a transport's rejection is `unknown` until read here). */
export function smtpFailureOf(err: unknown): SmtpFailure {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as Record<string, unknown>;
  const text = (k: keyof SmtpFailure) => {
    const v = e[k];
    return typeof v === 'string' ? v : undefined;
  };
  return {
    code: text('code'),
    originalCode: text('originalCode'),
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
    response: text('response'),
    command: text('command'),
    message: text('message'),
    sentNothing: typeof e.sentNothing === 'boolean' ? e.sentNothing : undefined,
  };
}

const ENHANCED = /(?:^|[\s-])([245])\.(\d{1,3})\.(\d{1,3})(?=[\s,;:.)]|$)/;

/** Reply code and enhanced status code of a reply line such as "550 5.1.1 <a@b>: User unknown". */
export function parseReply(text: string | undefined): { code: number | null; enhanced: string | null } {
  if (!text) return { code: null, enhanced: null };
  const t = text.trim();
  const m = /^([2-5]\d\d)[\s-]?/.exec(t);
  const code = m ? Number(m[1]) : null;
  const rest = m ? t.slice(m[0].length) : t;
  const e = ENHANCED.exec(` ${rest}`);
  let enhanced = e ? `${e[1]}.${e[2]}.${e[3]}` : null;
  // An enhanced code whose class contradicts the reply code is ignored (RFC 3463 section 2).
  if (enhanced && code !== null && enhanced[0] !== String(code)[0]) enhanced = null;
  return { code, enhanced };
}

// Known provider texts (checked before the generic rules). Sources: replyCatalog.ts.
const DAILY_QUOTA = [
  /5\.4\.5.*(daily|sending) (user )?(sending )?(limit|quota)/i, // Gmail: 550 5.4.5 Daily user sending limit exceeded
  /Daily user sending (limit|quota) exceeded/i,
  /SubmissionQuotaExceeded/i, // Microsoft 365: 554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException
  /Daily message quota exceeded/i, // Amazon SES
  /(daily|24[- ]?hour) (sending )?(quota|limit)/i,
  /message limit (reached|exceeded)|exceeded.*(sending|message) (quota|limit)/i,
  /Email quota exceeded/i, // Gmail: 550 5.7.1 Email quota exceeded
  /Maximum credits exceeded/i, // SendGrid: 451 Authentication failed: Maximum credits exceeded
];
const RATE_QUOTA = [
  /Throttling failure/i, // Amazon SES: 454 Throttling failure: Maximum sending rate exceeded.
  /Maximum sending rate exceeded/i,
  /rate limit|rate-limit|too many (messages|connections|emails|requests)|sending rate/i,
  /4\.7\.28/, // Gmail: unusual rate of unsolicited mail
  /Concurrent connections limit exceeded/i, // Microsoft 365 432 4.3.2
  /received this hour|hourly (sending )?(limit|quota)/i, // SendGrid 452, Brevo hourly limit
];
/**
 * Words that put the account, not the recipient, at fault: the sender, the relay, a permission,
 * authentication, or a policy (RFC 3463 class x.7 is "security or policy"). Any permanent reply that
 * says one of these fails over and suppresses nobody, whatever its enhanced code (Postfix's
 * "550 5.1.0 Sender denied" carries a 5.1.x code, and 5.1.x alone would say "bad address").
 */
const ACCOUNT_WORDS = [
  /\bsender\b|\bfrom[- ]address\b|\bsend(ing)? as\b|SendAs|on behalf of|sender identity|sender signature/i,
  /\brelay(ing)?\b(?! recipient)/i, // not Postfix's "relay recipient table" (a recipient lookup)
  /authenticat|\bauth\b|credentials|login or password|username and password/i,
  /permission|not (allowed|permitted|authori[sz]ed) to send|is not allowed to send/i,
  /\bpolic(y|ies)\b|dmarc|\bspf\b|dkim|unsolicited|\bspam|block ?list|blocklisted|blacklist|\bblocked\b|reputation|spamhaus|PTR record/i,
  /not (been )?verified|unverified (sender|domain|identity)|domain is unverified|not yet activated|pending approval|free accounts|sandbox|authorized recipients/i,
  /your account|account (is |has been )?(paused|suspended|deactivated)|sending (is )?(paused|disabled|suspended)/i,
];
/** The provider keeps this address on its own suppression list: this message fails, our list is untouched. */
const PROVIDER_HELD =
  /address blacklisted|inactive recipient|marked as inactive|on (the|our|your) suppression list/i;
/** Exchange Online's recipient restrictions (a group that takes mail only from some senders): not the account, not the address. */
const RECIPIENT_RESTRICTION = /RESOLVER\.RST\./i;
/** 4xx replies that will never clear by waiting: the account is not allowed to send (Mailgun sandbox, unverified domain). */
const ACCOUNT_TEMP =
  /not allowed to send|authorized recipients|free accounts|sandbox|domain is unverified|not verified/i;
const MAILBOX_WORDS =
  /user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (is )?(unavailable|not found|does not exist|disabled)|does not exist|recipient (address )?rejected|recipient not found|invalid recipient|address rejected|account (has been )?disabled|inactive|doesn't have an? .{1,40} account|user does not exist/i;
const MAILBOX_FULL = /mailbox (is )?full|over quota|exceeded storage|insufficient storage/i;
const POLICY_WORDS =
  /relay|auth|quota|limit|rate|policy|spam|block|blacklist|blocklist|reputation|dmarc|spf|dkim/i;

export function classifySmtpFailure(f: SmtpFailure): Classification {
  const reply = f.response ?? '';
  const parsed = parseReply(reply);
  const code = f.responseCode ?? parsed.code;
  const enhanced = parsed.enhanced;
  const cmd = (f.command ?? '').toUpperCase();
  const text = `${reply} ${f.message ?? ''}`;
  const reason = oneLine(reply || f.message || f.code || 'unknown error');
  const out = (
    delivery: DeliveryVerdict,
    provider: ProviderVerdict,
    extra: Partial<Classification> = {},
  ): Classification => ({ delivery, provider, code: code ?? null, enhanced, reason, ...extra });

  // 1. Quota and rate replies, whatever their class: the provider rests, the message goes elsewhere.
  if (code !== null && code >= 400) {
    if (DAILY_QUOTA.some((r) => r.test(text))) return out('requeue', 'quota', { quotaWindow: 'day' });
    if (
      RATE_QUOTA.some((r) => r.test(text)) ||
      (code === 421 && enhanced === '4.7.0' && /rate|limit/i.test(text))
    )
      return out('requeue', 'quota', { quotaWindow: 'rate' });
  }

  // 2. No reply at all: the transport failed.
  if (code === null) {
    const c = f.code ?? '';
    const oc = f.originalCode ?? '';
    if (c === 'EAUTH' || c === 'ENOAUTH' || c === 'EOAUTH2') return out('requeue', 'down');
    if (
      c === 'ETLS' ||
      c === 'EREQUIRETLS' ||
      (/certificate|self[- ]signed|TLS|SSL/i.test(text) && c !== 'ECONNECTION')
    )
      return out('requeue', 'down');
    if (
      c === 'EDNS' ||
      ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(oc)
    )
      return out('requeue', 'down');
    if (cmd === 'CONN' && c === 'ESOCKET') return out('requeue', 'down');
    if (c === 'EENVELOPE' || c === 'EMESSAGE' || c === 'ESTREAM') return out('message_perm', 'ok');
    // Lost before the message's final dot: it cannot have been delivered. Again at once, maybe elsewhere.
    if (f.sentNothing === true) return out('requeue', 'soft');
    if (
      c === 'ECONNECTION' ||
      c === 'ETIMEDOUT' ||
      c === 'ESOCKET' ||
      oc === 'ECONNRESET' ||
      oc === 'EPIPE'
    ) {
      // Before the greeting or during login, nothing was sent. Otherwise the data may have arrived.
      if (
        cmd === 'CONN' &&
        /before|greeting|connect/i.test(text) &&
        !/closed unexpectedly|retries/i.test(text)
      )
        return out('requeue', 'down');
      return out('uncertain', 'soft');
    }
    return out('uncertain', 'soft');
  }

  // 3. Replies to the connection itself, the greeting, EHLO/HELO, AUTH, STARTTLS: the provider's problem.
  if (
    ['CONN', 'CONNECT', 'EHLO', 'HELO', 'STARTTLS'].includes(cmd) ||
    cmd.startsWith('AUTH') ||
    f.code === 'EAUTH'
  )
    return out('requeue', code >= 500 || f.code === 'EAUTH' ? 'down' : 'soft');

  // 4. Temporary replies: retry this message later; repeated ones trip the provider's breaker.
  if (code >= 400 && code < 500) {
    if (ACCOUNT_TEMP.test(text)) return out('requeue', 'down');
    if (code === 421) return out('retry', 'soft'); // service closing the channel
    if (enhanced === '4.2.2') return out('retry', 'ok'); // mailbox full: the recipient's problem, not the provider's
    return out('retry', 'soft');
  }

  // 5. Permanent replies.
  if (code >= 500) {
    // Sender refused, relay denied, auth required, a policy: the account is the problem; try the next
    // provider and suppress nobody.
    if (cmd === 'MAIL FROM' || cmd === 'MAIL') return out('requeue', 'down');
    if (enhanced === '5.1.7' || enhanced === '5.1.8') return out('requeue', 'down');
    if (PROVIDER_HELD.test(text)) return out('message_perm', 'ok');
    if (RECIPIENT_RESTRICTION.test(text)) return out('message_perm', 'ok');
    if (ACCOUNT_WORDS.some((r) => r.test(text))) return out('requeue', 'down');
    if (enhanced && enhanced.startsWith('5.7.')) return out('requeue', 'down'); // security or policy
    if (enhanced === '5.2.2' || (enhanced === null && MAILBOX_FULL.test(text))) return out('retry', 'ok'); // "mailbox full", often lifted within days: retry, never suppress
    if (enhanced && /^5\.1\.\d+$/.test(enhanced)) return out('recipient_perm', 'ok');
    if (enhanced === '5.2.1') return out('recipient_perm', 'ok');
    if (enhanced === '5.4.1' && MAILBOX_WORDS.test(text)) return out('recipient_perm', 'ok'); // Exchange Online DBEB
    const toRecipient = cmd === 'RCPT TO' || cmd === 'RCPT';
    // One recipient per transaction: a mailbox refusal after the data is about that recipient too (Yahoo).
    if ((toRecipient || cmd === 'DATA') && (enhanced === null || /^5\.[05]\.0$/.test(enhanced))) {
      if (MAILBOX_WORDS.test(text)) return out('recipient_perm', 'ok');
      if (toRecipient && enhanced === null && [550, 551, 553].includes(code) && !POLICY_WORDS.test(text))
        return out('recipient_perm', 'ok');
    }
    return out('message_perm', 'ok');
  }
  return out('retry', 'soft');
}

function oneLine(s: string): string {
  const t = s.replace(/[\r\n]+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}
