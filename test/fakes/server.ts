/**
 * The shared skeleton of the fake ESP servers: node:http on 127.0.0.1 and a random port, a route
 * table, a limit on simultaneous requests (answered with 429 like Mailchimp), an artificial latency,
 * fault injection, and a record of every exchange (checked against the published OpenAPI document by
 * test/fakes/spec.ts through `onExchange`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Exchange } from './spec';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  params: Record<string, string>;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

/**
 * One injected fault, applied to the next `times` matching requests:
 * - status: answer with this status and body (429 with/without Retry-After, 500, 503, 401 ...)
 * - hang: never answer (the client's timeout fires)
 * - truncate: send the real answer cut in half
 */
export interface Fault {
  match?: (req: FakeRequest) => boolean;
  times: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  hang?: boolean;
  truncate?: boolean;
  /** Only after this many matching requests have passed normally. */
  after?: number;
}

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: RouteHandler;
}

export class FakeServer {
  private server: Server | undefined;
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  readonly faults: Fault[] = [];
  readonly exchanges: Exchange[] = [];
  onExchange: ((x: Exchange) => void) | undefined;
  /** Called before each request is answered (members changing while a sync pages, keys revoked ...). */
  beforeRequest: ((req: FakeRequest) => void) | undefined;
  latencyMs = 0;
  /** Benchmarks: remember each GET answer's serialized body (the data must not change meanwhile). */
  cacheResponses = false;
  private readonly cache = new Map<string, { status: number; text: string }>();
  inFlight = 0;
  peakInFlight = 0;
  requests = 0;
  port = 0;

  constructor(
    /** Prefix every route is served under ('/3.0' for Mailchimp, '/v3' for Brevo). */
    readonly basePath: string,
    /** Simultaneous requests allowed before answering 429; Infinity for none. */
    public maxConcurrent: number,
    private readonly tooMany: () => FakeReply,
    private readonly notFound: (path: string) => FakeReply,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}${this.basePath}`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  route(method: string, template: string, handler: RouteHandler): void {
    const names: string[] = [];
    const re = template.replace(/\{([^}]+)\}/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    this.routes.push({ method, regex: new RegExp(`^${re}/?$`), names, handler });
  }

  fault(f: Fault): void {
    this.faults.push({ ...f });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private takeFault(req: FakeRequest): Fault | undefined {
    for (const f of this.faults) {
      if (f.times <= 0) continue;
      if (f.match && !f.match(req)) continue;
      if (f.after && f.after > 0) {
        f.after--;
        continue;
      }
      f.times--;
      return f;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path = decodeURIComponent(url.pathname);
    const isApi = path.startsWith(this.basePath);
    if (isApi) path = path.slice(this.basePath.length) || '/';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const freq: FakeRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      params: {},
    };
    this.requests++;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      let reply: FakeReply;
      const fault = this.takeFault(freq);
      if (this.inFlight > this.maxConcurrent) reply = this.tooMany();
      else if (fault?.hang) {
        // Never answer; the socket is destroyed by the client's timeout or by stop().
        await new Promise<void>((resolve) => res.on('close', resolve));
        return;
      } else if (fault?.status) {
        reply = { status: fault.status, body: fault.body, headers: fault.headers ?? {} };
      } else {
        this.beforeRequest?.(freq);
        if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
        const cached =
          this.cacheResponses && freq.method === 'GET' ? this.cache.get(req.url ?? '') : undefined;
        if (cached) {
          res.writeHead(cached.status, { 'content-type': 'application/json' });
          res.end(cached.text);
          return;
        }
        reply = await this.dispatch(freq, isApi);
      }
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      if (this.cacheResponses && freq.method === 'GET' && reply.status === 200)
        this.cache.set(req.url ?? '', { status: reply.status, text });
      if (fault?.truncate && text.length > 2) {
        // Declare the full length, send half, then cut the connection: what a reset proxy does.
        res.writeHead(reply.status, {
          'content-type': 'application/json',
          'content-length': String(text.length),
        });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        res.socket?.destroy();
        return;
      }
      const ctype =
        reply.status >= 400 && this.basePath === '/3.0' ? 'application/problem+json' : 'application/json';
      res.writeHead(reply.status, { ...(text ? { 'content-type': ctype } : {}), ...(reply.headers ?? {}) });
      res.end(text);
      if (isApi && !(fault && !fault.truncate && fault.status)) {
        const x: Exchange = {
          method: freq.method,
          url: `${path}${url.search}`,
          status: reply.status,
          body: reply.body,
          ...(body !== undefined ? { requestBody: body } : {}),
        };
        this.exchanges.push(x);
        this.onExchange?.(x);
      }
    } finally {
      this.inFlight--;
    }
  }

  private async dispatch(req: FakeRequest, isApi: boolean): Promise<FakeReply> {
    for (const r of this.routes) {
      if (r.method !== req.method) continue;
      const m = r.regex.exec(isApi ? req.path : `!${req.path}`);
      if (!m) continue;
      r.names.forEach((n, i) => (req.params[n] = decodeURIComponent(m[i + 1]!)));
      return r.handler(req);
    }
    return this.notFound(req.path);
  }
}
