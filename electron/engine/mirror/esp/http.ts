/**
 * The small JSON-over-HTTP client every ESP connector uses (fetch, no extra dependency): base-URL
 * override, a per-ESP limit on simultaneous connections (Mailchimp allows 10), requests-per-minute
 * buckets (account-wide and per endpoint, for Brevo), a timeout per attempt (AbortSignal), retries with
 * exponential backoff and full jitter on 429, 5xx, timeouts, dropped connections and truncated JSON,
 * honouring Retry-After (and an ESP's own wait or reset-time header). Each ESP's error body becomes a clear message through the connector's
 * `describeError` hook. The API key never appears in a message: every secret is redacted.
 *
 * Backoff with full jitter: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * Retry-After (seconds or HTTP-date): RFC 9110 §10.2.3.
 */
import { UnderstudyError, type ErrorDetails } from '../../errors';
import { systemClock, type Clock } from '../../clock';
import { redact as redactSecrets, registerHeaderCredential, registerSecret } from '../../secrets/redact';

/** Headers whose value is a credential whatever it looks like. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|x-api-key|api-key|x-auth-token)$/i;

export type EspErrorCode =
  | 'esp_auth'
  | 'esp_not_found'
  | 'esp_rate_limited'
  | 'esp_unavailable'
  | 'esp_timeout'
  | 'esp_bad_response'
  | 'esp_rejected'
  | 'esp_cancelled';

/** A failure talking to an ESP. `retryable` = worth trying again later (the queue keeps the work). */
export class EspError extends UnderstudyError {
  readonly status: number | null;
  readonly retryable: boolean;
  readonly espCode: string | null;
  readonly espCodeName: EspErrorCode;

  constructor(
    code: EspErrorCode,
    message: string,
    opts: ErrorDetails & { status?: number | null; retryable?: boolean; espCode?: string | null } = {},
  ) {
    super('user', message, { ...opts, code });
    this.name = 'EspError';
    this.espCodeName = code;
    this.status = opts.status ?? null;
    this.retryable = opts.retryable ?? false;
    this.espCode = opts.espCode ?? null;
  }
}

export function isEspError(e: unknown): e is EspError {
  return e instanceof EspError;
}

/** What a connector's describeError hook returns for an ESP error answer. */
export interface EspErrorDescription {
  /** The ESP's explanation, in plain words ("Your API key may be invalid, or you've attempted to access the wrong datacenter."). */
  message: string;
  /** The ESP's own error code/type ("API Key Invalid", "unauthorized"). */
  espCode?: string | null;
}

export interface ErrorAnswer {
  status: number;
  /** Parsed body when it was JSON, else undefined. */
  body: unknown;
  text: string;
  method: string;
  path: string;
}

export interface HttpClientOptions {
  /** Display name used in messages ("Mailchimp"). */
  esp: string;
  baseUrl: string;
  /** Sent with every request (auth, accept, revision ...). */
  headers: Record<string, string>;
  /** Values that must never appear in a message (API keys, tokens). */
  secrets: string[];
  maxConnections: number;
  perMinute?: number | undefined;
  /** Per-endpoint buckets (requests per minute), chosen by RequestOptions.bucket. */
  buckets?: Record<string, number> | undefined;
  timeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  backoffBaseMs?: number | undefined;
  backoffMaxMs?: number | undefined;
  /** Other headers that say how long to wait after a 429, in seconds (Brevo: x-sib-ratelimit-reset). */
  retryAfterHeaders?: string[] | undefined;
  /**
   * Headers that say WHEN the limit resets, in Unix epoch seconds (SendGrid: X-RateLimit-Reset). The
   * wait is measured against the answer's Date header (the ESP's clock) when there is one, so a skewed
   * local clock neither waits too long nor retries too early.
   */
  resetAtHeaders?: string[] | undefined;
  /** The longest Retry-After we are willing to wait inside one call; longer → esp_rate_limited. */
  maxRetryAfterMs?: number | undefined;
  describeError?: ((a: ErrorAnswer) => EspErrorDescription | undefined) | undefined;
  /**
   * The largest answer read, in bytes; a larger one is refused (not retried) without being read to the
   * end. Unset: no limit (the ESP connectors, whose full exports are large).
   */
  maxResponseBytes?: number | undefined;
  fetch?: typeof fetch | undefined;
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  clock?: Clock | undefined;
  /** Random source for jitter (tests make it deterministic). */
  random?: (() => number) | undefined;
}

export type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>;

export interface RequestOptions {
  query?: Query | undefined;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Rate-limit bucket name from HttpClientOptions.buckets. */
  bucket?: string | undefined;
  /** Extra headers for this request. */
  headers?: Record<string, string> | undefined;
  /** Statuses returned as { status, body } instead of thrown (404 on a lookup, 204 ...). */
  accept?: number[] | undefined;
  /**
   * Absolute URL instead of baseUrl + path (status pages, export downloads). The client's default
   * headers (auth!) are NOT sent to an absolute URL: a status page or a presigned download must never
   * see the API key.
   */
  absolute?: boolean | undefined;
  /** Do not retry this request (non-idempotent POSTs whose outcome the caller checks itself). */
  noRetry?: boolean | undefined;
  /** The response is not JSON: return the text as body. */
  text?: boolean | undefined;
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Requests/minute as a token bucket that starts full (a burst of `perMinute`, then a steady rate). */
class RateBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.tokens = perMinute;
    this.last = clock.now();
  }
  /** ms to wait before a token is free (0 = take it now). */
  take(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }
}

/** A counting semaphore: at most `n` requests in flight. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async enter(): Promise<void> {
    if (this.active < this.n) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
  get inFlight(): number {
    return this.active;
  }
}

/** Aborts when either does: the caller's signal (when there is one) or one of our own. */
export function eitherSignal(outer: AbortSignal | undefined, own: AbortSignal): AbortSignal {
  return outer ? AbortSignal.any([outer, own]) : own;
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses Retry-After (delta-seconds or HTTP-date) into ms from now; undefined when absent/invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Scrubs the given secrets (and their base64/URL encodings, and every registered secret). */
export function redact(text: string, secrets: string[]): string {
  return redactSecrets(text, secrets);
}

/** The body as text, or null when it is larger than `max` bytes (then the rest is never read). */
async function readCapped(res: Response, max: number | undefined): Promise<string | null> {
  if (max === undefined || !res.body) return res.text();
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body.cancel().catch(() => undefined);
    return null;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function buildUrl(base: string, path: string, query: Query | undefined): string {
  const url = new URL(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    url.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return url.toString();
}

interface Attempt {
  kind: 'answer' | 'retry';
  status: number | null;
  code: EspErrorCode;
  message: string;
  waitMs?: number | undefined;
  espCode?: string | null | undefined;
}

export class EspHttp {
  readonly esp: string;
  readonly baseUrl: string;
  private readonly gate: Gate;
  private readonly account: RateBucket | null;
  private readonly buckets = new Map<string, RateBucket>();
  private readonly o: HttpClientOptions;
  private readonly clock: Clock;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  /** Requests sent (attempts, including retries) — for tests and the benchmark. */
  requests = 0;
  /** Most requests ever in flight at once. */
  peakInFlight = 0;
  /**
   * The ESP's clock: the Date header of the latest answer (ms since epoch), null before any. The sync
   * uses it for changed-since filters so our own clock's skew never hides a change.
   */
  lastServerDate: number | null = null;

  constructor(options: HttpClientOptions) {
    this.o = options;
    this.esp = options.esp;
    // The key goes on the wire inside a header (Mailchimp: Basic base64("understudy:" + key)); an ESP
    // or a proxy that echoes the header in an error body must not put it into a message or event.
    for (const s of options.secrets) registerSecret(s);
    for (const [name, value] of Object.entries(options.headers)) {
      if (CREDENTIAL_HEADER.test(name) || options.secrets.some((s) => s && value.includes(s)))
        registerHeaderCredential(value);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.random = options.random ?? Math.random;
    this.gate = new Gate(Math.max(1, options.maxConnections));
    this.account = options.perMinute ? new RateBucket(options.perMinute, this.clock) : null;
    for (const [name, rpm] of Object.entries(options.buckets ?? {}))
      this.buckets.set(name, new RateBucket(rpm, this.clock));
  }

  get<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts).then((a) => a.body);
  }
  post<T = unknown>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body }).then((a) => a.body);
  }
  put<T = unknown>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...opts, body }).then((a) => a.body);
  }
  patch<T = unknown>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...opts, body }).then((a) => a.body);
  }
  delete<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, opts).then((a) => a.body);
  }

  /** One call: waits for a connection slot and a rate token, retries what is worth retrying. */
  async request<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<HttpAnswer<T>> {
    const maxAttempts = opts.noRetry ? 1 : (this.o.maxAttempts ?? 6);
    const url = opts.absolute ? path : buildUrl(this.baseUrl, path, opts.query);
    const shownPath = redact(opts.absolute ? new URL(path).pathname : path, this.o.secrets);
    let last: Attempt | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      this.throwIfCancelled(opts.signal);
      const result = await this.once<T>(method, url, shownPath, opts);
      if ('answer' in result) return result.answer;
      last = result.failure;
      if (last.kind === 'answer' || attempt === maxAttempts) break;
      const backoff = Math.min(
        this.o.backoffMaxMs ?? 30_000,
        (this.o.backoffBaseMs ?? 500) * 2 ** (attempt - 1),
      );
      let wait = Math.round(this.random() * backoff);
      if (last.waitMs !== undefined) {
        if (last.waitMs > (this.o.maxRetryAfterMs ?? 120_000)) break;
        wait = Math.max(wait, last.waitMs);
      }
      try {
        await this.sleep(wait, opts.signal);
      } catch {
        this.throwIfCancelled(opts.signal);
      }
    }
    throw this.toError(last!, method, shownPath, maxAttempts);
  }

  /** How long the ESP asked us to wait, from Retry-After or the ESP's own header; undefined if it did not say. */
  private retryAfter(headers: Headers): number | undefined {
    const std = parseRetryAfter(headers.get('retry-after'), this.clock.now());
    if (std !== undefined) return std;
    for (const h of this.o.retryAfterHeaders ?? []) {
      const v = headers.get(h);
      if (v && /^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
    }
    for (const h of this.o.resetAtHeaders ?? []) {
      const v = headers.get(h)?.trim();
      if (!v || !/^\d+(\.\d+)?$/.test(v)) continue;
      const serverNow = Date.parse(headers.get('date') ?? '');
      const now = Number.isNaN(serverNow) ? this.clock.now() : serverNow;
      return Math.max(0, Math.round(Number(v) * 1000 - now));
    }
    return undefined;
  }

  private throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted)
      throw new EspError('esp_cancelled', `The request to ${this.esp} was cancelled.`, {
        safe: 'Everything applied before the cancel is kept.',
      });
  }

  private async waitForToken(bucket: RateBucket | null | undefined, signal?: AbortSignal): Promise<void> {
    if (!bucket) return;
    for (;;) {
      const ms = bucket.take();
      if (ms === 0) return;
      await this.sleep(ms, signal);
    }
  }

  private async once<T>(
    method: string,
    url: string,
    shownPath: string,
    opts: RequestOptions,
  ): Promise<{ answer: HttpAnswer<T> } | { failure: Attempt }> {
    await this.waitForToken(this.account, opts.signal);
    await this.waitForToken(opts.bucket ? this.buckets.get(opts.bucket) : null, opts.signal);
    await this.gate.enter();
    this.peakInFlight = Math.max(this.peakInFlight, this.gate.inFlight);
    this.requests++;
    const timeoutMs = this.o.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = eitherSignal(opts.signal, timeout);
    try {
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(opts.absolute ? {} : this.o.headers),
        ...opts.headers,
      };
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(opts.body);
      }
      let res: Response;
      let text: string | null;
      try {
        res = await this.fetchImpl(url, { method, headers, body: body ?? null, signal });
        text = await readCapped(res, this.o.maxResponseBytes);
      } catch (e) {
        if (opts.signal?.aborted) this.throwIfCancelled(opts.signal);
        const timedOut = timeout.aborted;
        return {
          failure: {
            kind: 'retry',
            status: null,
            code: timedOut ? 'esp_timeout' : 'esp_unavailable',
            message: timedOut
              ? `${this.esp} did not answer ${method} ${shownPath} within ${Math.round(timeoutMs / 1000)} s.`
              : `Could not reach ${this.esp} (${method} ${shownPath}): ${redact(String((e as Error)?.cause ?? (e as Error)?.message ?? e), this.o.secrets)}.`,
          },
        };
      }
      const status = res.status;
      if (text === null)
        return {
          failure: {
            kind: 'answer',
            status,
            code: 'esp_bad_response',
            message: `${this.esp} sent an answer to ${method} ${shownPath} larger than ${this.o.maxResponseBytes} bytes; it was not read.`,
          },
        };
      const date = Date.parse(res.headers.get('date') ?? '');
      if (!Number.isNaN(date) && !opts.absolute) this.lastServerDate = date;
      if ((status >= 200 && status < 300) || opts.accept?.includes(status)) {
        if (opts.text) return { answer: { status, body: text as T, headers: res.headers } };
        if (text.trim() === '') return { answer: { status, body: undefined as T, headers: res.headers } };
        try {
          return { answer: { status, body: JSON.parse(text) as T, headers: res.headers } };
        } catch {
          // A cut-off body (proxy reset, the ESP's load balancer) is transient: retry; never apply half.
          return {
            failure: {
              kind: 'retry',
              status,
              code: 'esp_bad_response',
              message: `${this.esp} sent an incomplete or invalid answer to ${method} ${shownPath} (${text.length} bytes that are not valid JSON).`,
            },
          };
        }
      }
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const described = this.o.describeError?.({ status, body: parsed, text, method, path: shownPath });
      const espText = redact(described?.message ?? (text.slice(0, 200) || res.statusText), this.o.secrets);
      const espCode = described?.espCode ?? null;
      if (status === 429) {
        return {
          failure: {
            kind: 'retry',
            status,
            code: 'esp_rate_limited',
            message: espText,
            espCode,
            waitMs: this.retryAfter(res.headers),
          },
        };
      }
      if (status >= 500 || status === 408) {
        return {
          failure: {
            kind: 'retry',
            status,
            code: 'esp_unavailable',
            message: espText,
            espCode,
            waitMs: this.retryAfter(res.headers),
          },
        };
      }
      const code: EspErrorCode =
        status === 401 || status === 403 ? 'esp_auth' : status === 404 ? 'esp_not_found' : 'esp_rejected';
      return { failure: { kind: 'answer', status, code, message: espText, espCode } };
    } finally {
      this.gate.leave();
    }
  }

  private toError(a: Attempt, method: string, path: string, attempts: number): EspError {
    const tried = attempts > 1 ? ` (tried ${attempts} times)` : '';
    const common = { status: a.status, espCode: a.espCode ?? null };
    switch (a.code) {
      case 'esp_auth':
        return new EspError('esp_auth', `${this.esp} refused the API key: ${a.message}`, {
          ...common,
          safe: 'Nothing was changed locally; the mirror keeps what it had.',
          next: `Check the key at ${this.esp} (it may have been revoked or lack permissions), then run \`understudy esp add\` again with the new key.`,
          appNext: `Check the key at ${this.esp} (it may have been revoked or lack permissions), then add the connection again with the new key.`,
        });
      case 'esp_not_found':
        return new EspError('esp_not_found', `${this.esp} has no ${path} (${a.message}).`, {
          ...common,
          safe: 'Nothing was changed locally.',
          next: 'It may have been deleted at the ESP; run `understudy sync` to refresh the mirror.',
          appNext: 'It may have been deleted at the ESP; sync again to refresh the mirror.',
        });
      case 'esp_rejected':
        return new EspError(
          'esp_rejected',
          `${this.esp} rejected ${method} ${path} (HTTP ${a.status}): ${a.message}`,
          {
            ...common,
            safe: 'Nothing was changed locally.',
            next: 'Check the request details; if it persists, contact support with this message.',
          },
        );
      case 'esp_rate_limited':
        return new EspError('esp_rate_limited', `${this.esp} is limiting requests${tried}: ${a.message}`, {
          ...common,
          retryable: true,
          safe: 'Everything fetched so far is kept; the next run resumes where this one stopped.',
          next: 'Try again in a few minutes.',
        });
      case 'esp_timeout':
        return new EspError('esp_timeout', `${a.message}${tried}`, {
          ...common,
          retryable: true,
          safe: 'Everything fetched so far is kept; the next run resumes where this one stopped.',
          next: `Check your connection, or ${this.esp}'s status page, then try again.`,
        });
      case 'esp_bad_response':
        return new EspError('esp_bad_response', `${a.message}${tried}`, {
          ...common,
          retryable: true,
          safe: 'The incomplete answer was not applied; the mirror keeps what it had.',
          next: 'Try again in a few minutes.',
        });
      default:
        return new EspError('esp_unavailable', `${this.esp} is not answering${tried}: ${a.message}`, {
          ...common,
          retryable: true,
          safe: 'Everything fetched so far is kept; the next run resumes where this one stopped.',
          next: `Check ${this.esp}'s status page (\`understudy esp health\`) and try again later.`,
          appNext: `Check ${this.esp}'s status page and try again later.`,
        });
    }
  }
}
