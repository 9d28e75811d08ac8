/**
 * Deterministic identifiers of one (campaign, subscriber) message: its Message-ID, so any copy of it
 * (a retry, a failover, a resend after a crash) is recognisable, and its unsubscribe token, an HMAC
 * so nobody can unsubscribe someone else by guessing ids.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Deterministic per (campaign, subscriber): every copy of a message carries the same Message-ID.
 * `scope` (an installation id, [a-z0-9]{1,16}) keeps two installations, or a database rebuilt from
 * scratch, from reusing ids: Gmail drops a message whose Message-ID the mailbox already holds.
 */
export function messageIdFor(
  campaignId: number,
  subscriberId: number,
  domain: string,
  scope?: string,
): string {
  if (scope !== undefined && !/^[a-z0-9]{1,16}$/.test(scope))
    throw new Error(`messageIdFor: invalid scope ${JSON.stringify(scope)}`);
  return scope
    ? `<understudy.${scope}.c${campaignId}.s${subscriberId}@${domain}>`
    : `<understudy.c${campaignId}.s${subscriberId}@${domain}>`;
}

/**
 * A test message's Message-ID: random, never one of the campaign's, so a receiver that has seen the
 * test does not drop the real message as a duplicate (and parseMessageId does not read it as a
 * delivery).
 */
export function testMessageIdFor(campaignId: number, domain: string, scope: string, random: string): string {
  return `<understudy.${scope}.c${campaignId}.test-${random}@${domain}>`;
}

/** Parse a Message-ID made by messageIdFor (bounce and reply matching). */
export function parseMessageId(
  messageId: string,
): { campaignId: number; subscriberId: number; scope?: string } | undefined {
  const m = /^<?understudy\.(?:([a-z0-9]{1,16})\.)?c(\d{1,15})\.s(\d{1,15})@[^>\s]+>?$/.exec(
    messageId.trim(),
  );
  if (!m) return undefined;
  const out: { campaignId: number; subscriberId: number; scope?: string } = {
    campaignId: Number(m[2]),
    subscriberId: Number(m[3]),
  };
  if (m[1]) out.scope = m[1];
  return out;
}

const MAC_LENGTH = 22; // 132 bits of HMAC-SHA256, base64url

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`understudy-unsubscribe:${payload}`)
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

/** `<campaign base36>.<subscriber base36>.<mac>`: URL-safe, fits an email subject, case-sensitive. */
export function unsubscribeToken(campaignId: number, subscriberId: number, secret: string): string {
  const payload = `${campaignId.toString(36)}.${subscriberId.toString(36)}`;
  return `${payload}.${mac(payload, secret)}`;
}

export function parseUnsubscribeToken(
  token: string,
  secret: string,
): { campaignId: number; subscriberId: number } | undefined {
  if (typeof token !== 'string') return undefined;
  const m = /^([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(token.trim());
  if (!m) return undefined;
  const expected = Buffer.from(mac(`${m[1]}.${m[2]}`, secret));
  const given = Buffer.from(m[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const campaignId = parseInt(m[1]!, 36);
  const subscriberId = parseInt(m[2]!, 36);
  if (!Number.isSafeInteger(campaignId) || !Number.isSafeInteger(subscriberId)) return undefined;
  return { campaignId, subscriberId };
}

/** The token in a mailto unsubscribe's subject line ("unsubscribe-<token>"), as mail clients send it. */
export function tokenFromUnsubscribeSubject(subject: string): string | undefined {
  const m = /unsubscribe-([0-9a-z]{1,11}\.[0-9a-z]{1,11}\.[A-Za-z0-9_-]{22})/.exec(subject);
  return m?.[1];
}
