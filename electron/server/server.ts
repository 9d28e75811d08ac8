/**
 * Browser mode: the app's API and renderer over HTTP and WebSocket, for always-on machines and for
 * end-to-end tests. Same dispatcher as the Electron shell's IPC (createDispatcher), same envelopes.
 *
 *   GET  /?token=T          sets the token cookie and redirects to / (the token leaves the address bar)
 *   POST /api/<call>        JSON body → envelope
 *   GET  /api/<call>?input= only for calls that change nothing and name no file (readOnly in api/define)
 *   POST /upload/import?... the file as the raw body → streamed to the data folder → importList → deleted
 *   POST /upload/codes?batch=  the same for importCodes
 *   POST /upload/restore    a backup file → kept in the data folder's restores/ → requestRestore
 *   POST /export?list=      exportList into the data folder's exports/ → a /files/exports/ link
 *   GET  /reports/<id>      an incident's report as an HTML download (incidentReport, nothing saved)
 *   GET  /files/(rejects|exports)/<name>  downloads of what the engine wrote there
 *   WS   /events            {channel, payload} for every channel of the contract's eventChannels
 *   GET|POST /u/<code>      public, no token: the unsubscribe pages and RFC 8058 one-click (unsubscribe.ts)
 *
 * No call that names a file (a `paths` field in the contract: importList.file, exportList.out,
 * incidentReport.out, requestRestore.file, importCodes.file) is reachable over /api: the routes
 * above choose the file in the data folder themselves, so a request can never read or overwrite one
 * of its choosing (the database, the secret file).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine } from '../engine/engine';
import { createDispatcher } from '../engine/handlers';
import { contract, type CallName } from '../engine/api/contract';
import { pathFields, readOnly } from '../engine/api/define';
import { EVENT_CHANNELS } from '../engine/api/events';
import type { Envelope } from '../engine/api/common';
import {
  HostPolicy,
  fetchSiteAllowed,
  hostAllowed,
  isLoopback,
  newToken,
  originAllowed,
  requestToken,
  tokenCookie,
  tokenMatches,
} from './security';
import { previewImport, PREVIEW_BYTES } from '../engine/mirror/csv/preview';
import { notBuiltPage, resolveStatic, securityHeaders, sendFile } from './static';
import { unsubscribeRouter } from '../engine/continuity/unsubscribeServer';

export interface ServeOptions {
  engine: Engine;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Defaults to a fresh random token. */
  token?: string;
  /** The renderer build (vite output). */
  staticDir?: string;
  /** Largest JSON body accepted. */
  maxJsonBytes?: number;
  /** Largest uploaded import file. */
  maxUploadBytes?: number;
}

export interface RunningServer {
  url: string;
  /** The URL with the token, to print once. */
  loginUrl: string;
  token: string;
  port: number;
  host: string;
  server: Server;
  close(): Promise<void>;
}

/** Calls a GET may reach, derived from the contract: they change nothing and name no file. */
const READ_ONLY = new Set(
  Object.entries(contract)
    .filter(([, d]) => readOnly(d))
    .map(([n]) => n),
);
/** Calls whose input names a file on this computer: never over HTTP. */
const NAMES_A_FILE = new Map(
  Object.entries(contract)
    .filter(([, d]) => pathFields(d).length > 0)
    .map(([n, d]) => [n, pathFields(d).map(([f]) => f)]),
);

/** Paths that are not pages of the app (a cross-site navigation to them is refused). */
const NOT_A_PAGE = /^\/(api|upload|files|reports|export|preview|events)(\/|$)/;
const isAppPage = (pathname: string) => !NOT_A_PAGE.test(pathname);

/** The request body was larger than accepted (answered 413). */
class TooLarge extends Error {}

// eslint-disable-next-line max-lines-per-function -- the request router: its handlers share the server's token, engine and sockets
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { engine } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const staticDir = options.staticDir;
  const maxJson = options.maxJsonBytes ?? 4 * 1024 * 1024;
  const maxUpload = options.maxUploadBytes ?? 4 * 1024 * 1024 * 1024;
  const dispatcher = createDispatcher(engine);
  const dataDir = dirname(engine.dbPath);
  const uploadDir = join(dataDir, 'uploads');
  cleanUploads(uploadDir);
  let allowed = new HostPolicy(host, 0);
  // Public: the unsubscribe pages need no token (electron/server/unsubscribe.ts does its own checks).
  const publicUnsubscribe = unsubscribeRouter({ engine });

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof TooLarge) return tooLarge(res, e.message);
      json(res, 500, internal((e as Error)?.message ?? String(e)));
    });
  });
  server.requestTimeout = 0; // uploads of big files take as long as they take
  server.headersTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // ---- Public unsubscribe paths (issue 14): answered before, and apart from, every check below.
    if (await publicUnsubscribe(req, res)) return;
    // ---- Everything else needs the token.
    securityHeaders(res);
    if (!hostAllowed(req, allowed))
      return text(res, 421, 'Unknown Host header: this server answers only to its own address.');
    if (!originAllowed(req, allowed)) return text(res, 403, 'Requests from other web pages are not allowed.');
    const url = parseUrl(req.url);
    if (!url) {
      return text(
        res,
        400,
        'This address is malformed (a broken %-escape or an invalid character). Nothing was changed.',
      );
    }
    if (!fetchSiteAllowed(req, url.pathname, isAppPage))
      return text(res, 403, 'Requests from other web pages are not allowed. Nothing was changed.');
    const given = url.searchParams.get('token');
    if (
      given !== null &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !url.pathname.startsWith('/api/')
    ) {
      if (!tokenMatches(token, given))
        return text(res, 401, 'This link has a wrong token. Use the link printed when the server started.');
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', tokenCookie(token));
      res.statusCode = 303;
      res.setHeader('Location', url.pathname + (url.search || ''));
      res.end();
      return;
    }
    if (!tokenMatches(token, requestToken(req))) {
      return text(res, 401, 'Not signed in: open the link with the token that `understudy serve` printed.');
    }
    if (url.pathname.startsWith('/api/')) return api(req, res, url);
    if (url.pathname === '/upload/import') return uploadImport(req, res, url);
    if (url.pathname === '/upload/codes') return uploadCodes(req, res, url);
    if (url.pathname === '/upload/restore') return uploadRestore(req, res, url);
    if (url.pathname.startsWith('/reports/')) return reportDownload(req, res, url);
    if (url.pathname === '/export') return exportForDownload(req, res, url);
    if (url.pathname === '/preview') return preview(req, res, url);
    if (url.pathname.startsWith('/files/')) return download(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method not allowed.');
    return serveStatic(req, res, url);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // parseUrl has checked that the path decodes.
    const name = decodeURIComponent(url.pathname.slice('/api/'.length));
    // Call names are identifiers: anything else is not echoed back (escape sequences, megabytes).
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name)) {
      return json(res, 404, userErr('unknown_call', 'There is no call by that name.'));
    }
    const fields = NAMES_A_FILE.get(name);
    if (fields) {
      return json(
        res,
        403,
        userErr(
          'names_a_file',
          `${name} reads or writes a file named in the request (${fields.join(', ')}), which browser mode never allows.`,
          'Nothing was read or written.',
          'Use the buttons in the app: exports and reports are downloads, imports and restores are uploads.',
        ),
      );
    }
    if (req.method === 'POST') {
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        return json(
          res,
          415,
          userErr('bad_request', 'Send the arguments as a JSON body (Content-Type: application/json).'),
        );
      }
      let body: unknown;
      const raw = await readBody(req, maxJson); // TooLarge → 413
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch (e) {
        return json(
          res,
          400,
          userErr('bad_request', `The request body is not valid JSON: ${(e as Error).message}`),
        );
      }
      return json(res, 200, await dispatcher.dispatch(name, body));
    }
    if (req.method === 'GET') {
      if (Object.hasOwn(contract, name) && !READ_ONLY.has(name)) {
        res.setHeader('Allow', 'POST');
        return json(res, 405, userErr('method_not_allowed', `${name} changes data: call it with POST.`));
      }
      let input: unknown = {};
      const raw = url.searchParams.get('input');
      if (raw) {
        try {
          input = JSON.parse(raw);
        } catch (e) {
          return json(
            res,
            400,
            userErr('bad_request', `The input parameter is not valid JSON: ${(e as Error).message}`),
          );
        }
      }
      return json(res, 200, await dispatcher.dispatch(name, input));
    }
    res.setHeader('Allow', 'GET, POST');
    return json(res, 405, userErr('method_not_allowed', 'Use GET or POST.'));
  }

  /**
   * Streams the request body into a new owner-only file in `folder` (a name the server chooses) and
   * returns its path, or answers 413/400 itself and returns undefined (nothing left behind).
   */
  async function receiveUpload(
    req: IncomingMessage,
    res: ServerResponse,
    folder: string,
    name: string,
  ): Promise<string | undefined> {
    if (Number(req.headers['content-length'] ?? 0) > maxUpload) {
      tooLarge(res, 'The file is larger than browser mode accepts.');
      return undefined;
    }
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const safeName = name.replace(/[^\w.-]+/g, '_').slice(-80);
    const file = join(folder, `${randomUUID()}-${safeName}`);
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    let failed: NodeJS.ErrnoException | undefined;
    out.on('error', (e) => {
      failed = e;
      req.resume(); // the rest is read and dropped
    });
    const outcome = await readLimited(
      req,
      maxUpload,
      (c) => (failed ? true : out.write(c)),
      (go) => out.once('drain', go),
    );
    await new Promise<void>((resolve) => out.end(() => resolve()));
    if (outcome === 'ok' && !failed) return file;
    rmSync(file, { force: true });
    if (outcome === 'too_large') tooLarge(res, 'The file is larger than browser mode accepts.');
    else if (failed)
      json(
        res,
        507,
        userErr(
          'upload_not_stored',
          `The server could not store the upload (${failed.code ?? failed.message}).`,
          'Nothing was imported or changed.',
          'Free some disk space on the server, then try again.',
        ),
      );
    else
      json(
        res,
        400,
        userErr('upload_failed', 'The upload did not finish.', 'Nothing was imported.', 'Try again.'),
      );
    return undefined;
  }

  async function uploadImport(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Upload with POST.'));
    const list = url.searchParams.get('list') ?? '';
    let map: unknown;
    try {
      map = JSON.parse(url.searchParams.get('map') ?? '{}');
    } catch {
      return json(res, 400, userErr('bad_request', 'The column mapping is not valid JSON.'));
    }
    const file = await receiveUpload(req, res, uploadDir, url.searchParams.get('name') ?? 'upload.csv');
    if (!file) return;
    try {
      const input: Record<string, unknown> = {
        file,
        list,
        format: url.searchParams.get('format') ?? 'auto',
        map,
      };
      const taskId = url.searchParams.get('taskId');
      if (taskId) input.taskId = taskId;
      const status = url.searchParams.get('status');
      if (status) input.status = status;
      // The reject report names the uploaded temp file; keep the report, drop the upload.
      json(res, 200, await dispatcher.dispatch('importList', input));
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Compensation codes from an uploaded CSV (importCodes), the upload deleted afterwards. */
  async function uploadCodes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Upload with POST.'));
    const file = await receiveUpload(req, res, uploadDir, url.searchParams.get('name') ?? 'codes.csv');
    if (!file) return;
    try {
      json(
        res,
        200,
        await dispatcher.dispatch('importCodes', { file, batch: url.searchParams.get('batch') ?? '' }),
      );
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * A backup file from elsewhere, to restore at the next start. The upload is kept in the data
   * folder's restores/ (the restore reads it then); earlier uploads are dropped, since only the
   * latest request counts.
   */
  async function uploadRestore(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Upload with POST.'));
    const dir = join(dataDir, 'restores');
    const file = await receiveUpload(req, res, dir, url.searchParams.get('name') ?? 'backup.sqlite');
    if (!file) return;
    const env = await dispatcher.dispatch('requestRestore', { file });
    for (const f of readdirSync(dir)) {
      if (join(dir, f) !== file || !env.ok) rmSync(join(dir, f), { force: true });
    }
    json(res, 200, env);
  }

  /** An incident's report as a download; nothing is saved on the server. */
  async function reportDownload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method not allowed.');
    const m = /^\/reports\/(\d{1,9})(?:\.html)?$/.exec(url.pathname);
    if (!m) return text(res, 404, 'No such report.');
    const env = await dispatcher.dispatch('incidentReport', { id: Number(m[1]) });
    if (!env.ok) return json(res, 404, env);
    const html = (env.value as { html: string }).html;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `attachment; filename="incident-${m[1]}-report.html"`);
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  async function preview(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Preview with POST.'));
    let map: Record<string, string>;
    try {
      map = JSON.parse(url.searchParams.get('map') ?? '{}') as Record<string, string>;
    } catch {
      return json(res, 400, userErr('bad_request', 'The column mapping is not valid JSON.'));
    }
    const raw = await readRaw(req, PREVIEW_BYTES * 2, 'Send only the first 64 KB of the file for a preview.');
    const head = new Uint8Array(raw.subarray(0, PREVIEW_BYTES));
    json(res, 200, previewImport(head, { format: url.searchParams.get('format') ?? 'auto', map }));
  }

  /** Exports a list into the data folder's exports/ and answers with where to download it. */
  async function exportForDownload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Export with POST.'));
    const list = url.searchParams.get('list') ?? '';
    const dir = join(dataDir, 'exports');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const safe = list.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || 'list';
    const name = `${safe}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
    const env = await dispatcher.dispatch('exportList', { list, out: join(dir, name) });
    if (!env.ok) return json(res, 200, env);
    json(res, 200, {
      ok: true,
      value: { ...(env.value as object), download: `/files/exports/${encodeURIComponent(name)}` },
    });
  }

  /** Reject reports and exports, from their folders in the data folder only. */
  function download(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method not allowed.');
    const m = /^\/files\/(rejects|exports)\/([^/]+)$/.exec(url.pathname);
    const file = m ? resolveStatic(join(dataDir, m[1]!), `/${m[2]!}`) : undefined;
    if (!file) return text(res, 404, 'No such file. Reports and exports are kept in the data folder.');
    res.setHeader('Content-Disposition', `attachment; filename="${basename(file).replace(/"/g, '')}"`);
    sendFile(res, file, req.method === 'HEAD');
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const headOnly = req.method === 'HEAD';
    if (!staticDir || !existsSync(join(staticDir, 'index.html'))) {
      res.statusCode = 503;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(headOnly ? undefined : notBuiltPage());
      return;
    }
    const file = resolveStatic(staticDir, url.pathname === '/' ? '/index.html' : url.pathname);
    // Client-side routes fall back to the app shell.
    if (!file) {
      if (url.pathname.startsWith('/assets/')) return text(res, 404, 'Not found.');
      return sendFile(res, join(staticDir, 'index.html'), headOnly);
    }
    sendFile(res, file, headOnly);
  }

  // --- events over WebSocket --------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const refuse = (code: number, msg: string) => {
      socket.write(`HTTP/1.1 ${code} ${msg}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    const url = parseUrl(req.url);
    if (!url) return refuse(400, 'Bad Request');
    if (url.pathname !== '/events') return refuse(404, 'Not Found');
    if (!fetchSiteAllowed(req, url.pathname, () => false)) return refuse(403, 'Forbidden');
    if (!hostAllowed(req, allowed)) return refuse(421, 'Misdirected Request');
    // Browsers always send Origin on a WebSocket handshake; require it to be ours.
    if (req.headers.origin !== undefined && !originAllowed(req, allowed)) return refuse(403, 'Forbidden');
    if (!tokenMatches(token, requestToken(req))) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.send(JSON.stringify({ channel: 'hello', payload: { channels: EVENT_CHANNELS } }));
    });
  });
  const unsubscribe: (() => void)[] = [];
  for (const channel of EVENT_CHANNELS) {
    const listener = (payload: unknown) => {
      const msg = JSON.stringify({ channel, payload });
      for (const ws of sockets) {
        // Progress ticks may be dropped for a slow client; durable events never are.
        if (channel !== 'event' && ws.bufferedAmount > 1024 * 1024) continue;
        if (ws.readyState === ws.OPEN) ws.send(msg);
      }
    };
    engine.bus.on(channel, listener);
    unsubscribe.push(() => engine.bus.off(channel, listener));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = new HostPolicy(host, port);
  const shownHost = isLoopback(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;

  let closed = false;
  return {
    url,
    loginUrl: `${url}?token=${token}`,
    token,
    port,
    host,
    server,
    async close() {
      if (closed) return;
      closed = true;
      for (const u of unsubscribe) u();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function cleanUploads(dir: string): void {
  // Uploads are deleted after each import; anything left is from a server that was killed mid-way.
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  return (await readRaw(req, max)).toString('utf8');
}

/** The whole body, or TooLarge (answered 413 by the request handler) past `max` bytes. */
async function readRaw(
  req: IncomingMessage,
  max: number,
  tooBig = `The request body is larger than ${max} bytes.`,
): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > max) throw new TooLarge(tooBig);
  const chunks: Buffer[] = [];
  const outcome = await readLimited(req, max, (c) => (chunks.push(c), true));
  if (outcome === 'too_large') throw new TooLarge(tooBig);
  if (outcome === 'aborted') throw new Error('The request was cut off.');
  return Buffer.concat(chunks);
}

/**
 * Reads a body chunk by chunk into `write` (false = wait for `drain`). Past `max` bytes it stops
 * keeping what arrives but goes on reading and discarding it, so the client — still sending — can
 * read the 413 that follows instead of seeing its connection reset.
 */
function readLimited(
  req: IncomingMessage,
  max: number,
  write: (chunk: Buffer) => boolean,
  drain?: (go: () => void) => void,
): Promise<'ok' | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    let size = 0;
    let settled = false;
    const settle = (r: 'ok' | 'too_large' | 'aborted') => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        settle('too_large');
        req.resume();
        return;
      }
      if (!write(c) && drain) {
        req.pause();
        drain(() => req.resume());
      }
    };
    req.on('data', onData);
    req.on('end', () => settle('ok'));
    req.on('error', () => settle('aborted'));
    req.on('close', () => settle(req.complete ? 'ok' : 'aborted'));
  });
}

/** Parses the request target; undefined when it is malformed (a broken %-escape, say). */
function parseUrl(target: string | undefined): URL | undefined {
  try {
    const url = new URL(target ?? '/', 'http://local');
    decodeURIComponent(url.pathname);
    decodeURIComponent(url.search);
    return url;
  } catch {
    return undefined;
  }
}

function tooLarge(res: ServerResponse, message: string): void {
  // The rest of the body is read and dropped; the connection is not reused.
  res.setHeader('Connection', 'close');
  json(res, 413, userErr('too_large', message, 'Nothing was changed.', 'Send a smaller request.'));
}

function json(res: ServerResponse, status: number, body: Envelope<unknown> | unknown): void {
  const s = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(s);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}

function userErr(
  code: string,
  message: string,
  safe = 'Nothing was changed.',
  next?: string,
): Envelope<never> {
  return { ok: false, error: { kind: 'user', code, message, safe, ...(next ? { next } : {}) } };
}

function internal(message: string): Envelope<never> {
  return {
    ok: false,
    error: {
      kind: 'internal',
      code: 'internal_error',
      message,
      safe: 'Nothing was half-written: every change is made in one transaction.',
    },
  };
}

export type { CallName };
