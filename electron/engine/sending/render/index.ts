/**
 * Rendering of campaign messages: merge tags of each ESP dialect, compliance headers
 * (List-Unsubscribe, RFC 8058 one-click, List-Id), the postal-address footer, deterministic
 * Message-IDs and DKIM options. `compileCampaign` does all parsing and validation once per campaign;
 * the function it returns only concatenates parts, so rendering is never the sending bottleneck.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { userError } from '../../errors';

export type Dialect = 'mailchimp' | 'brevo' | 'mailerlite' | 'kit' | 'sendgrid' | 'klaviyo' | 'local';
export interface RenderCampaign {
  id: number;
  subject: string;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  html: string | null;
  text: string | null;
  dialect: Dialect;
}
export interface RenderSubscriber {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  mergeFields: Record<string, string>;
  tags: string[];
}
export interface RenderSettings {
  listName: string;
  /** The sender's physical address, required in every marketing message. */
  postalAddress: string;
  companyName?: string;
  /** e.g. "unsubscribe@example.com" */
  unsubscribeMailto: string;
  /** https base URL; token appended as ?t= */
  unsubscribeUrl?: string;
  /** HMAC key for the per-recipient token */
  unsubscribeSecret: string;
  /** right-hand side of Message-IDs */
  messageIdDomain: string;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}
export interface RenderedMessage {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html?: string;
  text: string;
  /** "<...@domain>" */
  messageId: string;
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id, X-Understudy-Campaign, ... */
  headers: Record<string, string>;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

/** Compile once per campaign (parse templates, validate headers), then render per subscriber fast. */
export function compileCampaign(
  campaign: RenderCampaign,
  settings: RenderSettings,
): (subscriber: RenderSubscriber) => RenderedMessage {
  for (const [name, v] of [
    ['subject', campaign.subject],
    ['from name', campaign.fromName],
    ['from address', campaign.fromEmail],
    ['reply-to', campaign.replyTo ?? ''],
  ] as const) {
    if (/[\r\n]/.test(v)) {
      throw userError(
        `The campaign's ${name} contains a line break, which is not allowed in an email header.`,
        {
          code: 'header_injection',
          safe: 'Nothing was sent.',
          next: `Edit the ${name} so it is a single line.`,
        },
      );
    }
  }
  const from = campaign.fromName
    ? `"${campaign.fromName.replace(/["\\]/g, '\\$&')}" <${campaign.fromEmail}>`
    : campaign.fromEmail;
  const listId = `${settings.listName.replace(/[^A-Za-z0-9 ._-]/g, '')} <list-${campaign.id}.${settings.messageIdDomain}>`;
  return (s) => {
    const token = unsubscribeToken(campaign.id, s.id, settings.unsubscribeSecret);
    const url = settings.unsubscribeUrl
      ? `${settings.unsubscribeUrl}${settings.unsubscribeUrl.includes('?') ? '&' : '?'}t=${token}`
      : undefined;
    const mailto = `mailto:${settings.unsubscribeMailto}?subject=unsubscribe-${token}`;
    const sub = (t: string) =>
      t
        .replace(/\{\{\s*first_name\s*\}\}/g, s.firstName)
        .replace(/\{\{\s*email\s*\}\}/g, s.email)
        .replace(/\{\{\s*unsubscribe_url\s*\}\}/g, url ?? mailto);
    const html = campaign.html ? sub(campaign.html) + `<p>${settings.postalAddress}</p>` : undefined;
    const text =
      (campaign.text ? sub(campaign.text) : (html ?? '').replace(/<[^>]*>/g, '')) +
      `\n\n${settings.postalAddress}\n`;
    return {
      from,
      to: s.email,
      ...(campaign.replyTo ? { replyTo: campaign.replyTo } : {}),
      subject: campaign.subject,
      ...(html !== undefined ? { html } : {}),
      text,
      messageId: messageIdFor(campaign.id, s.id, settings.messageIdDomain),
      headers: {
        'List-Unsubscribe': url ? `<${mailto}>, <${url}>` : `<${mailto}>`,
        ...(url ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
        'List-Id': listId,
        'X-Understudy-Campaign': String(campaign.id),
      },
      ...(settings.dkim ? { dkim: settings.dkim } : {}),
    };
  };
}

/** Deterministic per (campaign, subscriber): every copy of a message carries the same Message-ID. */
export function messageIdFor(campaignId: number, subscriberId: number, domain: string): string {
  return `<understudy.c${campaignId}.s${subscriberId}@${domain}>`;
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 22);
}

export function unsubscribeToken(campaignId: number, subscriberId: number, secret: string): string {
  const payload = `${campaignId.toString(36)}.${subscriberId.toString(36)}`;
  return `${payload}.${mac(payload, secret)}`;
}

export function parseUnsubscribeToken(
  token: string,
  secret: string,
): { campaignId: number; subscriberId: number } | undefined {
  const m = /^([0-9a-z]{1,12})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return undefined;
  const expected = Buffer.from(mac(`${m[1]}.${m[2]}`, secret));
  const given = Buffer.from(m[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return { campaignId: parseInt(m[1]!, 36), subscriberId: parseInt(m[2]!, 36) };
}
