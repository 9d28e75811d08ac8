/**
 * Browser mode: the app's API and renderer over HTTP and WebSocket, for always-on machines and for
 * end-to-end tests. Same dispatcher as the Electron shell's IPC (createDispatcher), same envelopes.
 *
 *   GET  /?token=T          sets the token cookie and redirects to / (the token leaves the address bar)
 *   POST /api/<call>        JSON body → envelope
 *   GET  /api/<call>?input= only for calls that do not change data (mutates: false)
 *   POST /upload/import?... the file as the raw body → streamed to the data folder → importList → deleted
 *   WS   /events            {channel, payload} for every channel of the contract's eventChannels
 *   GET|POST /u/<code>      public, no token: the unsubscribe pages and RFC 8058 one-click (unsubscribe.ts)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine } from '../engine/engine';
import { createDispatcher } from '../engine/handlers';
import { contract, type CallName } from '../engine/api/contract';
import { eventChannels } from '../engine/api/events';
import type { Envelope } from '../engine/api/common';
import {
  HostPolicy,
  hostAllowed,
  isLoopback,
  newToken,
  originAllowed,
  requestToken,
  tokenCookie,
  tokenMatches,
} from './security';
import { previewImport, PREVIEW_BYTES } from './importPreview';
import { notBuiltPage, resolveStatic, securityHeaders, sendFile } from './static';
import { unsubscribeRouter } from './unsubscribe';

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

const MUTATING = new Set(
  Object.entries(contract)
    .filter(([, d]) => d.mutates)
    .map(([n]) => n),
);

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
      if (!res.headersSent) json(res, 500, internal((e as Error)?.message ?? String(e)));
      else res.destroy();
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
    const url = new URL(req.url ?? '/', 'http://local');
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
    if (url.pathname === '/export') return exportForDownload(req, res, url);
    if (url.pathname === '/preview') return preview(req, res, url);
    if (url.pathname.startsWith('/files/')) return download(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method not allowed.');
    return serveStatic(req, res, url);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = decodeURIComponent(url.pathname.slice('/api/'.length));
    if (req.method === 'POST') {
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        return json(
          res,
          415,
          userErr('bad_request', 'Send the arguments as a JSON body (Content-Type: application/json).'),
        );
      }
      let body: unknown;
      try {
        const raw = await readBody(req, maxJson);
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
      if (MUTATING.has(name)) {
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

  async function uploadImport(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Upload with POST.'));
    const list = url.searchParams.get('list') ?? '';
    let map: unknown;
    try {
      map = JSON.parse(url.searchParams.get('map') ?? '{}');
    } catch {
      return json(res, 400, userErr('bad_request', 'The column mapping is not valid JSON.'));
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUpload)
      return json(res, 413, userErr('too_large', 'The file is larger than browser mode accepts.'));
    mkdirSync(uploadDir, { recursive: true });
    const name = (url.searchParams.get('name') ?? 'upload.csv').replace(/[^\w.-]+/g, '_').slice(-80);
    const file = join(uploadDir, `${randomUUID()}-${name}`);
    try {
      let received = 0;
      req.on('data', (c: Buffer) => {
        received += c.length;
        if (received > maxUpload) req.destroy(new Error('too large'));
      });
      await pipeline(req, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
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
      const env = await dispatcher.dispatch('importList', input);
      // The reject report names the uploaded temp file; keep the report, drop the upload.
      json(res, 200, env);
    } catch (e) {
      if (!res.headersSent) {
        json(
          res,
          400,
          userErr(
            'upload_failed',
            `The upload did not finish: ${(e as Error).message}`,
            'Nothing was imported.',
            'Try the import again.',
          ),
        );
      }
    } finally {
      rmSync(file, { force: true });
    }
  }

  async function preview(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Preview with POST.'));
    let map: Record<string, string>;
    try {
      map = JSON.parse(url.searchParams.get('map') ?? '{}') as Record<string, string>;
    } catch {
      return json(res, 400, userErr('bad_request', 'The column mapping is not valid JSON.'));
    }
    let head: Uint8Array;
    try {
      head = new Uint8Array((await readRaw(req, PREVIEW_BYTES * 2)).subarray(0, PREVIEW_BYTES));
    } catch {
      return json(res, 413, userErr('too_large', 'Send only the first 64 KB of the file for a preview.'));
    }
    json(res, 200, previewImport(head, { format: url.searchParams.get('format') ?? 'auto', map }));
  }

  /** Exports a list into the data folder's exports/ and answers with where to download it. */
  async function exportForDownload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, userErr('method_not_allowed', 'Export with POST.'));
    const list = url.searchParams.get('list') ?? '';
    const dir = join(dataDir, 'exports');
    mkdirSync(dir, { recursive: true });
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
    const url = new URL(req.url ?? '/', 'http://local');
    const refuse = (code: number, msg: string) => {
      socket.write(`HTTP/1.1 ${code} ${msg}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== '/events') return refuse(404, 'Not Found');
    if (!hostAllowed(req, allowed)) return refuse(421, 'Misdirected Request');
    // Browsers always send Origin on a WebSocket handshake; require it to be ours.
    if (req.headers.origin !== undefined && !originAllowed(req, allowed)) return refuse(403, 'Forbidden');
    if (!tokenMatches(token, requestToken(req))) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.send(JSON.stringify({ channel: 'hello', payload: { channels: Object.keys(eventChannels) } }));
    });
  });
  const unsubscribe: (() => void)[] = [];
  for (const channel of Object.keys(eventChannels)) {
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

async function readRaw(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new Error(`larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
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
