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
 * The rule that matters most: a provider's problem never suppresses a subscriber. Only a 5xx whose
 * enhanced code is about the mailbox (5.1.x except the sender codes 5.1.7/5.1.8, 5.2.1), or a plain
 * 550/551/553 to RCPT TO with no policy or quota words in it, is 'recipient_perm'.
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

// Known provider texts (checked before the generic rules).
const DAILY_QUOTA = [
  /5\.4\.5.*(daily|sending) (user )?(sending )?(limit|quota)/i, // Gmail: 550 5.4.5 Daily user sending limit exceeded
  /Daily user sending (limit|quota) exceeded/i,
  /SubmissionQuotaExceeded/i, // Microsoft 365: 554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException
  /Daily message quota exceeded/i, // Amazon SES
  /(daily|24[- ]?hour) (sending )?(quota|limit)/i,
  /message limit (reached|exceeded)|exceeded.*(sending|message) (quota|limit)/i,
];
const RATE_QUOTA = [
  /Throttling failure/i, // Amazon SES: 454 Throttling failure: Maximum sending rate exceeded.
  /Maximum sending rate exceeded/i,
  /rate limit|rate-limit|too many (messages|connections|emails|requests)|sending rate/i,
  /4\.7\.28/, // Gmail: unusual rate of unsolicited mail
  /Concurrent connections limit exceeded/i, // Microsoft 365 432 4.3.2
];
const PROVIDER_POLICY = [
  /relay(ing)? (access )?(denied|not permitted)|not (allowed|permitted) to relay|unable to relay/i,
  /authenticat(ion|e) (required|failed|unsuccessful)|must (issue|authenticate)|SendAsDenied|not (allowed|authorized) to send (as|on behalf)/i,
  /sender (address )?(rejected|not (allowed|verified|authorized))|unverified (sender|identity)|not verified/i,
  /account (is )?(disabled|suspended|blocked)|sending (is )?(paused|disabled|suspended)/i,
];
const MAILBOX_WORDS =
  /user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (unavailable|not found|does not exist|disabled)|does not exist|recipient (address )?rejected|invalid recipient|address rejected|account (has been )?disabled|inactive/i;
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
    if (code === 421) return out('retry', 'soft'); // service closing the channel
    if (enhanced === '4.2.2') return out('retry', 'ok'); // mailbox full: the recipient's problem, not the provider's
    return out('retry', 'soft');
  }

  // 5. Permanent replies.
  if (code >= 500) {
    // Sender refused, relay denied, auth required: the account is the problem; try the next provider.
    if (cmd === 'MAIL FROM' || cmd === 'MAIL') return out('requeue', 'down');
    if (enhanced === '5.1.7' || enhanced === '5.1.8') return out('requeue', 'down');
    if (PROVIDER_POLICY.some((r) => r.test(text))) return out('requeue', 'down');
    if (enhanced && /^5\.1\.\d+$/.test(enhanced)) return out('recipient_perm', 'ok');
    if (enhanced === '5.2.1') return out('recipient_perm', 'ok');
    if (enhanced === '5.2.2') return out('retry', 'ok'); // "mailbox full", often lifted within days: retry, never suppress
    if (enhanced === '5.4.1' && MAILBOX_WORDS.test(text)) return out('recipient_perm', 'ok'); // Exchange Online DBEB
    if (enhanced === null && (cmd === 'RCPT TO' || cmd === 'RCPT') && [550, 551, 553].includes(code)) {
      if (MAILBOX_WORDS.test(text) || !POLICY_WORDS.test(text)) return out('recipient_perm', 'ok');
    }
    if (enhanced === '5.7.1' && /relay/i.test(text)) return out('requeue', 'down');
    return out('message_perm', 'ok');
  }
  return out('retry', 'soft');
}

function oneLine(s: string): string {
  const t = s.replace(/[\r\n]+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}
