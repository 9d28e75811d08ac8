/**
 * Email address validation and normalization. The syntax check is the WHATWG HTML "valid e-mail
 * address" rule (https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address) plus RFC 5321
 * length limits and a dotted domain: what every ESP accepts, and strict enough to reject the garbage
 * real exports contain. Internationalized domains are normalized to ASCII (punycode) with Node's URL
 * machinery; internationalized local parts (SMTPUTF8) are accepted as typed.
 */
import { domainToASCII } from 'node:url';

const LOCAL = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+$/u;
const ASCII_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const PLAIN_ASCII = /^[\x21-\x7e]+$/;

export type EmailCheck = { ok: true; email: string; norm: string } | { ok: false; reason: string };

export function checkEmail(raw: string): EmailCheck {
  const email = raw.trim();
  if (email === '') return { ok: false, reason: 'empty email address' };
  if (email.length > 254) return { ok: false, reason: 'email address longer than 254 characters' };
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1)
    return { ok: false, reason: `not an email address: "${clip(email)}"` };
  const local = email.slice(0, at);
  const domainRaw = email.slice(at + 1);
  if (local.length > 64) return { ok: false, reason: 'the part before @ is longer than 64 characters' };
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, reason: `invalid characters before @ in "${clip(email)}"` };
  }
  let domain = domainRaw.toLowerCase();
  if (!PLAIN_ASCII.test(domain)) {
    domain = domainToASCII(domain);
    if (domain === '') return { ok: false, reason: `invalid domain in "${clip(email)}"` };
  }
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (!ASCII_DOMAIN.test(domain)) return { ok: false, reason: `invalid domain in "${clip(email)}"` };
  if (/^\d+$/.test(domain.slice(domain.lastIndexOf('.') + 1))) {
    return { ok: false, reason: `invalid top-level domain in "${clip(email)}"` };
  }
  return { ok: true, email, norm: `${local.toLowerCase()}@${domain}` };
}

/** The identity of an address, for lookups (suppressions, unsubscribes from an inbox). */
export function normalizeEmail(raw: string): string | undefined {
  const c = checkEmail(raw);
  return c.ok ? c.norm : undefined;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
