/**
 * Header values: validated once per campaign. A CR or LF in any header value would let the value
 * start a new header (header injection), so it is refused with a message the marketer can act on.
 */
import { createPrivateKey } from 'node:crypto';
import { userError } from '../../errors';

export function assertSingleLine(label: string, value: string | undefined | null, next?: string): void {
  if (value !== undefined && value !== null && /[\r\n\0]/.test(value)) {
    throw userError(`The ${label} contains a line break, which is not allowed in an email header.`, {
      code: 'header_injection',
      safe: 'Nothing was sent.',
      next: next ?? `Edit the ${label} so it is a single line, then send again.`,
    });
  }
}

const LOCAL = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~.-]+";
const DOMAIN =
  '(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?\\.)+[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?';
const EMAIL_RE = new RegExp(`^${LOCAL}@${DOMAIN}$`, 'u');
const HOST_RE = new RegExp(`^${DOMAIN}$`, 'u');

// The ASCII form is checked first: it is what nearly every address is, and much cheaper to match.
const ASCII_EMAIL_RE =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

export function isEmailAddress(s: string): boolean {
  return s.length <= 254 && (ASCII_EMAIL_RE.test(s) || EMAIL_RE.test(s));
}

export function isHostName(s: string): boolean {
  return s.length <= 253 && HOST_RE.test(s);
}

export function assertEmail(label: string, value: string, next: string): void {
  assertSingleLine(label, value, next);
  if (!isEmailAddress(value)) {
    throw userError(`The ${label} "${value}" is not a valid email address.`, {
      code: 'invalid_address',
      safe: 'Nothing was sent.',
      next,
    });
  }
}

/** "Name" <addr>, quoting the display name so commas and quotes in it cannot split the address. */
export function formatAddress(name: string, email: string): string {
  const n = name.trim();
  if (!n) return email;
  return `"${n.replace(/["\\]/g, '\\$&')}" <${email}>`;
}

/** A reply-to given as "addr" or "Name <addr>"; returns it normalised, or throws. */
export function parseReplyTo(value: string): string {
  assertSingleLine('reply-to address', value);
  const v = value.trim();
  if (isEmailAddress(v)) return v;
  const m = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+)>\s*$/.exec(v);
  if (m && isEmailAddress(m[2]!)) return formatAddress(m[1]!, m[2]!);
  throw userError(`The reply-to address "${value}" is not a valid email address.`, {
    code: 'invalid_address',
    safe: 'Nothing was sent.',
    next: 'Use an address like news@example.com or "Shop News <news@example.com>".',
  });
}

/** RFC 2919 List-Id: a phrase and <label.domain>; the label is stable for the list name. */
export function listSlug(listName: string): string {
  return (
    listName
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'list'
  );
}

export function listIdHeader(listName: string, domain: string): string {
  const slug = listSlug(listName);
  // The phrase is cosmetic; kept to RFC 5322 atext and spaces so no transport MIME-encodes the whole
  // header (nodemailer encodes a value holding a quote or non-ASCII, <id> included).
  const phrase = listName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return phrase ? `${phrase} <${slug}.${domain}>` : `<${slug}.${domain}>`;
}

/** The https unsubscribe URL base, checked; undefined when not configured. */
export function checkUnsubscribeUrl(url: string | undefined): { url: string; oneClick: boolean } | undefined {
  if (url === undefined || url.trim() === '') return undefined;
  assertSingleLine('unsubscribe URL', url);
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw userError(`The unsubscribe URL "${url}" is not a valid URL.`, {
      code: 'invalid_unsubscribe_url',
      safe: 'Nothing was sent.',
      next: 'Set it to an https address, e.g. https://example.com/unsubscribe, or leave it empty to use email unsubscribes only.',
    });
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw userError(`The unsubscribe URL "${url}" must start with https://.`, {
      code: 'invalid_unsubscribe_url',
      safe: 'Nothing was sent.',
      next: 'Gmail and Yahoo only honour one-click unsubscribe over https (RFC 8058). Use an https address.',
    });
  }
  if (/[<>,\s]/.test(url.trim())) {
    throw userError(
      `The unsubscribe URL "${url}" contains characters not allowed in a List-Unsubscribe header.`,
      {
        code: 'invalid_unsubscribe_url',
        safe: 'Nothing was sent.',
        next: 'Remove spaces, commas and angle brackets from the URL.',
      },
    );
  }
  // RFC 8058 one-click needs https; a loopback http URL (testing) gets no List-Unsubscribe-Post.
  return { url: url.trim(), oneClick: u.protocol === 'https:' };
}

const HEADER_NAME_RE = /^[!-9;-~]+$/; // RFC 5322 ftext: printable ASCII except ":"
const RESERVED = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'reply-to',
  'message-id',
  'date',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'dkim-signature',
  'return-path',
  'sender',
]);

export function checkCustomHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    assertSingleLine(`custom header name "${name.replace(/[\r\n]/g, ' ')}"`, name);
    assertSingleLine(`custom header "${name}"`, value);
    if (!HEADER_NAME_RE.test(name)) {
      throw userError(`"${name}" is not a valid email header name.`, {
        code: 'invalid_header',
        safe: 'Nothing was sent.',
        next: 'Use letters, digits and dashes, e.g. X-Campaign-Tag.',
      });
    }
    if (RESERVED.has(name.toLowerCase())) {
      throw userError(`The header "${name}" is set by Understudy and cannot be overridden.`, {
        code: 'invalid_header',
        safe: 'Nothing was sent.',
        next: 'Remove it from the custom headers.',
      });
    }
    out[name] = value;
  }
  return out;
}

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** Header fields the DKIM signature covers: nodemailer's defaults plus the RFC 8058 pair. */
export const DKIM_HEADER_FIELDS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:' +
  'List-Id:List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID';

export function checkDkim(dkim: DkimOptions | undefined): DkimOptions | undefined {
  if (!dkim) return undefined;
  const fix =
    'Check the DKIM settings (domain, selector and private key in PEM format), or remove them to send unsigned.';
  assertSingleLine('DKIM domain', dkim.domainName, fix);
  assertSingleLine('DKIM selector', dkim.keySelector, fix);
  const domain = dkim.domainName.trim().toLowerCase();
  if (!isHostName(domain)) {
    throw userError(`The DKIM domain "${dkim.domainName}" is not a domain name.`, {
      code: 'invalid_dkim',
      safe: 'Nothing was sent.',
      next: fix,
    });
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/.test(dkim.keySelector.trim())) {
    throw userError(`The DKIM selector "${dkim.keySelector}" is not valid.`, {
      code: 'invalid_dkim',
      safe: 'Nothing was sent.',
      next: fix,
    });
  }
  try {
    // nodemailer signs rsa-sha256 only; RFC 8301 requires at least 1024-bit keys (2048 recommended).
    const key = createPrivateKey(dkim.privateKey);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== 'rsa' || bits < 1024) throw new Error('unsupported key');
  } catch {
    // Never echo the key: it is a secret.
    throw userError(
      'The DKIM private key could not be read (it must be an RSA key of at least 1024 bits, in PEM format).',
      {
        code: 'invalid_dkim',
        safe: 'Nothing was sent.',
        next: fix,
      },
    );
  }
  return { domainName: domain, keySelector: dkim.keySelector.trim(), privateKey: dkim.privateKey };
}

/** DMARC relaxed alignment: the From domain and the DKIM d= share their organisational domain. */
export function dkimAligned(fromEmail: string, dkimDomain: string): boolean {
  const from = fromEmail.split('@').pop()!.toLowerCase();
  const d = dkimDomain.toLowerCase();
  return from === d || from.endsWith(`.${d}`) || d.endsWith(`.${from}`);
}
