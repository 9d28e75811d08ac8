/**
 * Keeps secrets out of logs and error messages. Every secret read from a SecretStore is registered
 * here, so `redact(text)` scrubs it even when the caller no longer holds the value.
 *
 * A secret rarely travels alone: on the wire it is wrapped with the user name and then encoded, and a
 * server or ESP that echoes the request (a 535 reply quoting the AUTH payload, an error body quoting
 * the Authorization header) hands that encoded form back to us. base64 of "user:key" does not contain
 * base64 of "key", so masking the secret and its own base64 is not enough. Two mechanisms:
 *
 * 1. At the moment a credential is used, the code that uses it registers the exact forms it sends
 *    (`registerBasicAuth`, `registerSmtpAuth`, `registerXoauth2`, `registerHeaderCredential`): HTTP
 *    Basic, AUTH PLAIN with and without authzid, AUTH LOGIN's two parts, XOAUTH2, each as base64,
 *    unpadded base64 and base64url, plus URL-encoded and backslash/JSON-escaped forms of the secret.
 * 2. For any secret, the "core" of its base64 at each of the three byte alignments (the characters
 *    that depend only on the secret's bytes): base64 of ANY text that contains the secret contains one
 *    of those cores, whatever wraps it, so a wrapping nobody registered is still masked (all but at
 *    most two edge characters that each carry a few bits of the first or last byte).
 */

const MIN_LENGTH = 4; // shorter "secrets" would blank out ordinary words in a log line
/** A base64 core shorter than this could match ordinary base64 by chance. */
const MIN_CORE = 8;
const MASK = '[redacted]';

/** Secrets whose every variant is masked. */
const registry = new Set<string>();
/** Exact strings masked as they are (encoded wire forms that are not secrets on their own). */
const exact = new Set<string>();
const variantCache = new Map<string, string[]>();

/** Remember a secret so every later `redact()` call scrubs it. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_LENGTH) registry.add(value);
}

/** Forget a secret (after it was deleted from the store). */
export function forgetSecret(value: string | undefined | null): void {
  if (value) {
    registry.delete(value);
    variantCache.delete(value);
  }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** base64, unpadded base64, base64url (padded and not) of `raw`. */
function encodings(raw: string): string[] {
  const std = b64(raw);
  const bare = std.replace(/=+$/, '');
  const url = bare.replace(/\+/g, '-').replace(/\//g, '_');
  return [std, bare, url, `${url}${std.slice(bare.length)}`];
}

function registerEncoded(raw: string): void {
  for (const e of encodings(raw)) if (e.length >= MIN_LENGTH) exact.add(e);
}

/** HTTP Basic (RFC 7617): `Authorization: Basic base64(user ":" secret)`. */
export function registerBasicAuth(user: string, secret: string | undefined | null): void {
  if (!secret) return;
  registerSecret(secret);
  registerSecret(`${user}:${secret}`);
  registerEncoded(`${user}:${secret}`);
}

/**
 * SMTP/IMAP AUTH (RFC 4616 PLAIN, the LOGIN draft, RFC 3501 LOGIN): the PLAIN message
 * `authzid \0 user \0 pass` with an empty authzid and with authzid = user, both LOGIN parts
 * (base64 of the user alone too, since a 535 that echoes it tells which account was tried), and the
 * quoted-string form IMAP LOGIN sends.
 */
export function registerSmtpAuth(user: string | undefined, pass: string | undefined | null): void {
  if (!pass) return;
  registerSecret(pass);
  const u = user ?? '';
  for (const plain of [`\0${u}\0${pass}`, `${u}\0${u}\0${pass}`]) registerEncoded(plain);
  if (u) registerEncoded(u);
  registerEncoded(pass);
}

/** XOAUTH2 (Google/Microsoft): base64(`user=U \x01 auth=Bearer TOKEN \x01\x01`). */
export function registerXoauth2(user: string | undefined, token: string | undefined | null): void {
  if (!token) return;
  registerSecret(token);
  registerEncoded(`user=${user ?? ''}\x01auth=Bearer ${token}\x01\x01`);
}

/**
 * A header value that carries a credential (`Authorization: Basic …`/`Bearer …`, `api-key: …`):
 * the whole value, its token, and for Basic the decoded `user:secret` with every form of it.
 */
export function registerHeaderCredential(value: string | undefined | null): void {
  if (!value || value.length < MIN_LENGTH) return;
  exact.add(value);
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(value);
  if (!m) return;
  const [, scheme, token] = m as unknown as [string, string, string];
  registerSecret(token);
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) registerBasicAuth(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
}

/**
 * The characters of base64(prefix + secret + suffix) that depend only on the secret, for each of the
 * three alignments the secret can start at (and the base64url spelling of each).
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const enc = padded.toString('base64').replace(/=+$/, '');
    // Characters touching the `shift` leading zero bytes depend on the prefix; the last character
    // may depend on what follows unless the secret ends on a 3-byte boundary.
    const start = shift === 0 ? 0 : shift === 1 ? 2 : 3;
    const total = padded.length;
    const fullGroups = Math.floor(total / 3);
    const end = fullGroups * 4; // characters fully determined by whole 3-byte groups
    const core = enc.slice(start, end);
    if (core.length >= MIN_CORE) {
      out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return out;
}

function variants(secret: string): string[] {
  const cached = variantCache.get(secret);
  if (cached) return cached;
  const out = new Set<string>([secret]);
  out.add(encodeURIComponent(secret));
  out.add(encodeURIComponent(secret).replace(/%20/g, '+')); // application/x-www-form-urlencoded
  out.add(secret.replace(/[\\"]/g, '\\$&')); // an IMAP quoted string, a shell string
  out.add(JSON.stringify(secret).slice(1, -1)); // inside a JSON document (events.data)
  for (const e of encodings(secret)) out.add(e);
  for (const c of base64Cores(secret)) out.add(c);
  const list = [...out].filter((v) => v.length >= MIN_LENGTH);
  if (registry.has(secret)) variantCache.set(secret, list);
  return list;
}

/**
 * Replace every occurrence of the given secrets (and every registered secret and wire form) in
 * `text`. Longest first, so a secret that contains another is masked whole.
 */
export function redact(text: string, secrets: Iterable<string | undefined | null> = []): string {
  if (!text) return text;
  const all = new Set<string>(exact);
  for (const s of secrets) if (s && s.length >= MIN_LENGTH) for (const v of variants(s)) all.add(v);
  for (const s of registry) for (const v of variants(s)) all.add(v);
  if (all.size === 0) return text;
  let out = text;
  for (const s of [...all].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/** A copy of an error whose message and stack no longer contain any secret. */
export function redactError<E>(e: E, secrets: Iterable<string | undefined | null> = []): E {
  if (!(e instanceof Error)) return e;
  const list = [...secrets];
  const message = redact(e.message, list);
  if (message !== e.message) {
    try {
      e.message = message;
    } catch {
      /* frozen error: leave message alone, the stack is scrubbed below */
    }
  }
  if (e.stack) e.stack = redact(e.stack, list);
  return e;
}
