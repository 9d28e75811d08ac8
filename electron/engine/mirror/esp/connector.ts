/**
 * What every ESP connector is built from, so the six are set up one way: the API key (trimmed, and
 * registered as a secret so no message shows it), one HTTP client configured from the connection's
 * options (base URL, limits, retries, the injected fetch/sleep/clock), the public status page, and
 * `health()` = the connector's cheapest authenticated call plus that status page (health.ts).
 *
 * Each connector folder names its defaults the same way: `<KIND>_BASE_URL`, `<KIND>_STATUS_URL`,
 * `<KIND>_PAGE` (members per page), and declares its own cursor type (`<Kind>Cursor`) for `members()`.
 */
import { systemClock, type Clock } from '../../clock';
import { EspHttp, type HttpClientOptions } from './http';
import { probeHealth } from './health';
import type { CallOptions, ConnectorOptions, EspHealth, EspLimits } from './types';

export interface ConnectorDefaults {
  /** The ESP's name in messages ("Mailchimp"). */
  esp: string;
  /** The API base when the connection does not set one (`<KIND>_BASE_URL`). */
  baseUrl: string;
  /** The Statuspage base when the connection does not set one (`<KIND>_STATUS_URL`). */
  statusUrl: string;
  /** The headers that carry the key (and the API version, accept type). */
  headers: (apiKey: string) => Record<string, string>;
  limits: EspLimits;
  /** Requests a minute the client keeps to, when a little under the ESP's count (default limits.perMinute). */
  perMinute?: number;
  /** What the ESP's error bodies mean, and how its 429s say when to come back. */
  http: Pick<HttpClientOptions, 'describeError' | 'retryAfterHeaders' | 'resetAtHeaders'> & {
    /** The backoff base when the connection does not set one (the client's default otherwise). */
    backoffBaseMs?: number;
  };
}

export interface ConnectorCore {
  readonly apiKey: string;
  readonly clock: Clock;
  /** null: the connection turned the status page off. */
  readonly statusUrl: string | null;
  readonly http: EspHttp;
  /** `health()` of the connector: `call` is its cheapest authenticated request (never retried). */
  health(call: () => Promise<{ account?: string | null } | void>, opts?: CallOptions): Promise<EspHealth>;
}

export function connectorCore(o: ConnectorOptions, d: ConnectorDefaults): ConnectorCore {
  const apiKey = o.apiKey.trim();
  const clock = o.clock ?? systemClock;
  const statusUrl = o.statusUrl === undefined ? d.statusUrl : o.statusUrl;
  const http = new EspHttp({
    esp: d.esp,
    baseUrl: o.baseUrl?.trim() || d.baseUrl,
    headers: d.headers(apiKey),
    secrets: [apiKey],
    maxConnections: d.limits.maxConnections,
    perMinute: d.perMinute ?? d.limits.perMinute,
    buckets: d.limits.buckets,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
    backoffBaseMs: o.backoffBaseMs ?? d.http.backoffBaseMs,
    backoffMaxMs: o.backoffMaxMs,
    retryAfterHeaders: d.http.retryAfterHeaders,
    resetAtHeaders: d.http.resetAtHeaders,
    describeError: d.http.describeError,
    fetch: o.fetch,
    sleep: o.sleep,
    clock,
  });
  return {
    apiKey,
    clock,
    statusUrl,
    http,
    health: (call, opts = {}) => probeHealth({ http, clock, statusUrl, signal: opts.signal, call }),
  };
}
