/**
 * Who may talk to browser mode. The server listens on loopback and every request must carry the
 * random token printed at start (in the URL the first time, then in an HttpOnly SameSite=Strict
 * cookie so it leaves the address bar). Host and Origin are checked against the addresses we serve
 * on, which defeats DNS rebinding (a hostile page that resolves its own name to 127.0.0.1 still sends
 * its own name in Host): https://github.com/webpack/webpack-dev-server/issues/887 is the classic case.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'understudy_token';

/** 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time comparison. Both sides are hashed first so the comparison length never depends on
 * the guess (timingSafeEqual needs equal lengths, and an early length check would leak the length).
 */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** The token a request carries: the cookie, or `Authorization: Bearer` for scripts. */
export function requestToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return parseCookies(req.headers.cookie)[COOKIE];
}

export function tokenCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The Host header values we answer to, for a server bound to `host` on `port`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set<string>(['127.0.0.1', 'localhost', '[::1]']);
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
    names.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  }
  const out = new Set<string>();
  for (const n of names) out.add(`${n}:${port}`.toLowerCase());
  return out;
}

export function hostAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const h = req.headers.host;
  return typeof h === 'string' && allowed.has(h.toLowerCase());
}

/**
 * A request from a page is allowed only from our own origin. No Origin at all means a non-browser
 * client (curl, a script) or a same-origin GET — those still need the token.
 */
export function originAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && allowed.has(u.host.toLowerCase());
}

/** Loopback interfaces that need no explicit consent. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}
