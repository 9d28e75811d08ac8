/**
 * The public unsubscribe endpoint (issue 14, §1): the only paths of `understudy serve` that need no
 * token or cookie, all that `serve --unsubscribe-only` answers, and what the desktop app answers when
 * the person turns it on (unsubscribeEndpoint.ts). Engine code, so every shell uses the same one.
 *
 *   GET|HEAD <prefix>/u/<token>   a plain confirmation page with one button; never unsubscribes
 *                                 (mail scanners and link previews follow links)
 *   POST     <prefix>/u/<token>   List-Unsubscribe=One-Click (urlencoded or multipart, RFC 8058 §3.2,
 *                                 as Gmail and Yahoo send it, and as the page's button sends it):
 *                                 unsubscribes at once, idempotently, 200 with "You're unsubscribed"
 *   <path>?t=<token>              the same, for links sent before the /u/ form (path `/`, or ending
 *                                 in "unsubscribe", or the path of the unsubscribe_url setting)
 *
 * Strict on its own, whatever the rest of the server does: GET, HEAD and POST only (no CORS, no
 * preflight), a small body limit, only the two form content types, never a cookie, never anything
 * from the request written back into a page (the form posts to its own address), its own security
 * headers. It writes only an unsubscribe (continuity/unsubscribe.ts) or a review-queue item for a code
 * that does not verify. The Host header is not checked: this endpoint is meant to be published behind
 * a reverse proxy under the business's own name, and every action needs a signed token.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine } from '../engine';
import { applyHeldRequests, webUnsubscribe, type WebOutcome } from './unsubscribe';
import { existingUnsubscribeSecret, getSendingSettings } from '../sending/settings';

/** Largest POST body accepted: RFC 8058's body is 26 bytes; a multipart one a few hundred. */
export const MAX_UNSUBSCRIBE_BODY = 8 * 1024;

/** Paths of the app behind the token: never read as an unsubscribe prefix. */
const APP_PREFIXES = /^\/(?:api|files|assets|upload|events|export|preview)(?:\/|$)/;

/** The token an unsubscribe URL carries, or undefined when the path is not an unsubscribe path. */
export function unsubscribeTokenOf(url: URL, settingsPath?: string): string | undefined {
  const path = url.pathname;
  if (APP_PREFIXES.test(path)) return undefined;
  const m = /^((?:\/[A-Za-z0-9._~-]+){0,4})\/u\/([^/]*)\/?$/.exec(path);
  if (m) return decode(m[2]!);
  const t = url.searchParams.get('t');
  if (t !== null && !url.searchParams.has('token')) {
    const p = path.replace(/\/+$/, '');
    if (p === '' || /unsubscribe$/i.test(p) || (settingsPath && p === settingsPath.replace(/\/+$/, '')))
      return t;
  }
  return undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface UnsubscribeRouterOptions {
  engine: Engine;
  /** The signing key; undefined when it cannot be read. Default: from the engine's secret store. */
  secret?: () => Promise<string | undefined>;
}

/** Returns a handler that answers unsubscribe paths (true) and leaves every other request alone (false). */
export function unsubscribeRouter(
  opts: UnsubscribeRouterOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { engine } = opts;
  let cached: string | undefined;
  const secret =
    opts.secret ??
    (async () => {
      if (cached) return cached;
      const store = engine.services.secrets.current;
      if (!store) return undefined;
      try {
        // Read only: serving never writes a key. A database that has not signed a token yet has none,
        // and then no code can verify: a random key, never stored nor kept, makes every code a bad one
        // (and the real key is read as soon as a send has made it).
        const real = await existingUnsubscribeSecret(engine, store);
        if (real) cached = real;
        return real ?? randomBytes(32).toString('base64url');
      } catch {
        return undefined;
      }
    });

  // Requests held while the key could not be read are applied as soon as it can (at start, and after).
  let held = true;
  const applyHeld = async (): Promise<void> => {
    if (!held) return;
    const key = await secret();
    if (key === undefined) return;
    held = false;
    applyHeldRequests(engine, key);
  };
  const started = applyHeld().catch(() => undefined);

  return async (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://public');
    } catch {
      return false;
    }
    // Cheap test first: every other request of the app passes through here.
    if (!url.pathname.includes('/u/') && !url.searchParams.has('t')) return false;
    const settings = getSendingSettings(engine);
    let settingsPath: string | undefined;
    try {
      if (settings.unsubscribe_url) settingsPath = new URL(settings.unsubscribe_url).pathname;
    } catch {
      settingsPath = undefined;
    }
    const token = unsubscribeTokenOf(url, settingsPath);
    if (token === undefined) return false;
    await started;
    headers(res);
    const company = settings.company_name?.trim() || '';
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      page(res, 405, method, pages.method(company));
      return true;
    }
    if (method === 'POST') {
      const shape = await readOneClick(req);
      if (shape !== 'ok') {
        // A body we did not read to the end: do not keep the connection for whatever follows it.
        if (shape === 'too_large' || shape === 'type') res.setHeader('Connection', 'close');
        page(
          res,
          shape === 'too_large' ? 413 : shape === 'type' ? 415 : 400,
          method,
          pages.badRequest(company),
        );
        return true;
      }
    }
    const apply = method === 'POST';
    const key = await secret();
    if (!apply && key === undefined) {
      // The page cannot say which list, but pressing its button still reaches the review queue.
      page(res, 200, method, pages.confirm(company, '', false));
      return true;
    }
    if (key !== undefined) await applyHeld();
    const out = webUnsubscribe(engine, { token: token.slice(0, 1024), apply, secret: key });
    respond(res, method, out, company);
    return true;
  };
}

function respond(res: ServerResponse, method: string, out: WebOutcome, company: string): void {
  switch (out.kind) {
    case 'confirm':
      return page(res, 200, method, pages.confirm(company, out.listName, out.alreadyOut));
    case 'unsubscribed':
      return page(res, 200, method, pages.done(company, out.listName));
    case 'test':
      return page(res, 200, method, pages.test(company));
    case 'full':
      res.setHeader('Retry-After', '3600');
      return page(res, 503, method, pages.full(company));
    case 'review':
      if (out.reason === 'key_unavailable') return page(res, 202, method, pages.received(company));
      return page(res, out.reason === 'unknown_subscriber' ? 404 : 400, method, pages.bad(company));
  }
}

type Shape = 'ok' | 'type' | 'too_large' | 'not_one_click';

/** Reads an RFC 8058 body: `List-Unsubscribe=One-Click`, urlencoded or multipart/form-data. */
async function readOneClick(req: IncomingMessage): Promise<Shape> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const urlencoded = /^application\/x-www-form-urlencoded\s*(;|$)/.test(type);
  const multipart = /^multipart\/form-data\s*;/.test(type);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UNSUBSCRIBE_BODY) {
    req.resume();
    return 'too_large';
  }
  if (!urlencoded && !multipart) {
    req.resume();
    return 'type';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_UNSUBSCRIBE_BODY) {
      req.resume();
      return 'too_large';
    }
    chunks.push(c as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  if (urlencoded) {
    return new URLSearchParams(body.trim()).getAll('List-Unsubscribe').includes('One-Click')
      ? 'ok'
      : 'not_one_click';
  }
  const b = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(String(req.headers['content-type']));
  const boundary = b ? (b[1] ?? b[2]!) : undefined;
  if (!boundary) return 'not_one_click';
  for (const part of body.split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n') >= 0 ? '\r\n\r\n' : '\n\n';
    const at = part.indexOf(sep);
    if (at < 0) continue;
    const head = part.slice(0, at);
    const value = part.slice(at + sep.length).replace(/\r?\n$/, '');
    if (
      /content-disposition:\s*form-data;[^\r\n]*\bname="?List-Unsubscribe"?(?:;|\s|$)/i.test(head) &&
      value.trim() === 'One-Click'
    )
      return 'ok';
  }
  return 'not_one_click';
}

function headers(res: ServerResponse): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}

function page(res: ServerResponse, status: number, method: string, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  const body = Buffer.from(html, 'utf8');
  res.setHeader('Content-Length', body.length);
  res.end(method === 'HEAD' ? undefined : body);
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>${esc(title)}</title>
<style>body{font:17px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#f6f7f9;margin:0}
main{max-width:34rem;margin:12vh auto;background:#fff;padding:2rem 2.25rem;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}button{font:inherit;font-weight:600;padding:.7rem 1.6rem;border:0;border-radius:8px;background:#1f6feb;color:#fff;cursor:pointer}
p.small{color:#57606a;font-size:.9rem}</style></head>
<body><main>${body}</main></body></html>`;
}

const who = (company: string): string => (company ? esc(company) : 'the sender');
const whose = (company: string): string => (company ? `${esc(company)}&#39;s` : 'these');

const pages = {
  confirm(company: string, list: string, alreadyOut: boolean): string {
    if (alreadyOut)
      return layout(
        "You're already unsubscribed",
        `<h1>You're already unsubscribed</h1><p>You will not get ${list ? `the &ldquo;${esc(list)}&rdquo; emails` : 'these emails'} from ${who(company)} any more. There is nothing else to do.</p>`,
      );
    return layout(
      'Unsubscribe',
      `<h1>Unsubscribe from ${whose(company)} emails?</h1>
<p>Press the button and you will no longer get ${list ? `the &ldquo;${esc(list)}&rdquo; emails` : 'these emails'} from ${who(company)}.</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
<p class="small">Opened this page by mistake? Just close it: nothing changes unless you press the button.</p>`,
    );
  },
  done(company: string, list: string): string {
    return layout(
      "You're unsubscribed",
      `<h1>You're unsubscribed</h1><p>You will no longer get ${list ? `the &ldquo;${esc(list)}&rdquo; emails` : 'these emails'} from ${who(company)}. Sorry to see you go.</p>
<p class="small">A message already on its way may still arrive in the next few minutes.</p>`,
    );
  },
  bad(company: string): string {
    return layout(
      'This unsubscribe link is not complete',
      `<h1>This unsubscribe link is not complete</h1>
<p>We could not tell who this link belongs to; it may have been cut short or changed on its way. Your request has been kept so that ${who(company)} can look at it.</p>
<p>To be sure, reply to the email you received with the word <strong>unsubscribe</strong>.</p>`,
    );
  },
  received(company: string): string {
    return layout(
      'Request received',
      `<h1>We have your request</h1><p>Your request to unsubscribe has been received and kept. ${who(company)} will take you off the list; you do not need to do anything else.</p>`,
    );
  },
  test(company: string): string {
    return layout(
      'This was a test message',
      `<h1>This was a test message</h1><p>This link came from a test of a ${who(company)} email, so there is nobody to unsubscribe. In the real messages, this link unsubscribes the person who got it.</p>`,
    );
  },
  full(company: string): string {
    return layout(
      'Please try again later',
      `<h1>Please try again later</h1><p>We could not take your request just now. Please try again in an hour, or reply to the email you received from ${who(company)} with the word <strong>unsubscribe</strong>.</p>`,
    );
  },
  badRequest(company: string): string {
    return layout(
      'Unsubscribe',
      `<h1>Use the unsubscribe button</h1><p>This address only takes unsubscribe requests from the button on its page or from your mail app's unsubscribe option. Open the link from the email from ${who(company)} again and press the button.</p>`,
    );
  },
  method(company: string): string {
    return layout(
      'Unsubscribe',
      `<h1>Open the link from the email</h1><p>Open the unsubscribe link in the email from ${who(company)} in your browser.</p>`,
    );
  },
};

export interface RunningUnsubscribeServer {
  url: string;
  port: number;
  host: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * `serve --unsubscribe-only`: the unsubscribe endpoint alone, for a small always-on machine behind a
 * reverse proxy. Every other path is 404; no UI, no API, no token, no WebSocket.
 */
export async function startUnsubscribeServer(
  opts: UnsubscribeRouterOptions & { port?: number; host?: string },
): Promise<RunningUnsubscribeServer> {
  const host = opts.host ?? '127.0.0.1';
  const route = unsubscribeRouter(opts);
  const server = createServer((req, res) => {
    route(req, res)
      .then((handled) => {
        if (handled) return;
        headers(res);
        res.statusCode = 404;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Not found.');
      })
      .catch(() => {
        if (res.headersSent) return res.destroy();
        headers(res);
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Something went wrong on our side; nothing was changed. Please try again later.');
      });
  });
  // Slow or stalled clients are cut off: this server is meant to face the internet (behind a proxy).
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${shown}:${port}/`,
    port,
    host,
    server,
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
