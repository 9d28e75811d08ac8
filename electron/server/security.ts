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

/**
 * The Host header values we answer to, for a server bound to `host` on `port`: loopback names, the
 * bound address itself, and — when bound to every interface (0.0.0.0, ::) — any IP literal, since a
 * DNS-rebinding page always arrives with a DNS name, never with a bare IP (webpack-dev-server's rule).
 */
export class HostPolicy {
  private readonly names = new Set<string>();
  private readonly anyIp: boolean;

  constructor(
    host: string,
    private readonly port: number,
  ) {
    for (const n of ['127.0.0.1', 'localhost', '[::1]']) this.names.add(`${n}:${port}`);
    if (!isLoopback(host))
      this.names.add(
        `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`.toLowerCase(),
      );
    this.anyIp = host === '0.0.0.0' || host === '::' || host === '[::]';
  }

  /** `value` is a Host header or URL host ("name:port"). */
  matches(value: string): boolean {
    const v = value.toLowerCase();
    if (this.names.has(v)) return true;
    if (!this.anyIp) return false;
    const m = /^(\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(v);
    return !!m && Number(m[2]) === this.port;
  }
}

export function hostAllowed(req: IncomingMessage, policy: HostPolicy): boolean {
  const h = req.headers.host;
  return typeof h === 'string' && policy.matches(h);
}

/**
 * A request from a page is allowed only from our own origin. No Origin at all means a non-browser
 * client (curl, a script) or a same-origin GET — those still need the token.
 */
export function originAllowed(req: IncomingMessage, policy: HostPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return (
    u.protocol === 'http:' && policy.matches(u.host) && u.host === (req.headers.host ?? '').toLowerCase()
  );
}

/**
 * Fetch metadata (https://www.w3.org/TR/fetch-metadata/): a browser says where a request comes from,
 * and a page cannot forge it. `same-origin` is our own page, `none` the person (a typed address, a
 * bookmark, the printed link); no header at all is not a browser (curl, a script: the token still
 * decides). `same-site` is another port of this computer — its pages get our SameSite=Strict cookie,
 * and an `<img>` sends no Origin — and `cross-site` any other page: both are refused, except a
 * top-level navigation to one of the app's own pages, which reads nothing and changes nothing.
 */
export function fetchSiteAllowed(
  req: IncomingMessage,
  pathname: string,
  isAppPage: (pathname: string) => boolean,
): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return true;
  if (site !== 'same-site' && site !== 'cross-site') return false;
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.headers['sec-fetch-mode'] === 'navigate' &&
    (req.headers['sec-fetch-dest'] ?? 'document') === 'document' &&
    isAppPage(pathname)
  );
}

/** Loopback interfaces that need no explicit consent. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}
