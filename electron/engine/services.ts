/**
 * What an engine holds beyond its database, repositories and clock, built once when it opens and
 * living on the engine itself (`engine.services`), so no area keeps a registry of engines beside it:
 *
 * - `secrets`: the ONE secret store of this process (the CLI's encrypted file, the app's store asked
 *   of the main process, browser mode's), given at open or once unlocked later (from the app, or a
 *   command that asks for the passphrase only when it needs it).
 * - `sending`: each provider's rate limiter and circuit breaker (two campaigns sending at once share
 *   one provider's caps) and the runs in progress (so pause/cancel reach them at once).
 * - `alerts`: where alerts go beyond the bus (the team alert channel while it runs).
 * - `continuity`: the continuity service and the team alert channel, once started.
 * - `sync`: what the scheduled ESP sync remembers between passes.
 * - `connectorOverrides`: connector options for every ESP connector this engine opens (tests and
 *   benchmarks: fetch, sleep, backoff).
 *
 * Only types are imported from the areas: each area still owns what its state means.
 */
import { userError } from './errors';
// eslint-disable-next-line local/engine-layers -- type only: the engine holds this area's state; the area owns what it means
import type { HttpClientOptions } from './mirror/esp/http';
import type { SecretStore } from './secrets';
// eslint-disable-next-line local/engine-layers -- type only: the engine holds this area's state; the area owns what it means
import type { RateLimiter } from './sending/limiter';
// eslint-disable-next-line local/engine-layers -- type only: the engine holds this area's state; the area owns what it means
import type { CircuitBreaker } from './sending/breaker';
import type { EventRow } from './db/repos/events';
// eslint-disable-next-line local/engine-layers -- type only: the engine holds this area's state; the area owns what it means
import type { ConnectorOptions } from './mirror/esp/types';
// eslint-disable-next-line local/engine-layers -- type only: the engine holds this area's state; the area owns what it means
import type { ContinuityService } from './continuity/service';
// eslint-disable-next-line local/engine-layers -- type only: the engine holds this area's state; the area owns what it means
import type { TeamAlerts } from './continuity/teamAlerts';

/** The one secret store of an engine. */
export class SecretsService {
  #store: SecretStore | undefined;

  constructor(store?: SecretStore) {
    this.#store = store;
  }

  /** Whether a store is open (false: browser mode started without the passphrase, until unlocked). */
  get open(): boolean {
    return this.#store !== undefined;
  }

  /** The open store, if any (never throws). */
  get current(): SecretStore | undefined {
    return this.#store;
  }

  /** A store opened after the engine: unlocked from the app, or asked for by a command that needs it. */
  provide(store: SecretStore): void {
    this.#store = store;
  }

  /** `given` (a store a caller passes explicitly), else the open one, else a clear error. */
  store(given?: SecretStore): SecretStore {
    const s = given ?? this.#store;
    if (!s) {
      throw userError('The secret store is not open, so passwords cannot be read or saved.', {
        code: 'secrets_unavailable',
        safe: 'Nothing was sent or changed.',
        next: 'In the command line, set UNDERSTUDY_PASSPHRASE or type the passphrase when asked.',
        appNext: 'Unlock the secret store with your passphrase (Providers screen), then try again.',
      });
    }
    return s;
  }
}

/** Sending state shared by every run of this engine. */
export interface SendingState {
  limiters: Map<number, { limiter: RateLimiter; capsKey: string }>;
  breakers: Map<number, CircuitBreaker>;
  /** campaign id → controller of the run in this process. */
  runs: Map<number, AbortController>;
}

/** Where alerts go beyond the bus: the team channel sets itself here while it runs. */
export type AlertSink = (row: EventRow, title: string) => void;

/** What the scheduled ESP sync remembers between passes (continuity/periodic.ts). */
export interface SyncState {
  /** Provider id → when a scheduled sync last started. */
  tried: Map<number, number>;
  /** Connections skipped because their ESP was down (one event per outage; retried at once when back). */
  skipped: Set<number>;
  /** Connections whose mirror was reported stale (one warning until it is fresh again). */
  stale: Set<number>;
  /** The sync running beside the passes, if any (one at a time). */
  background: Promise<string> | null;
  /** What the last scheduled sync did, in one line. */
  lastLine: string | null;
}

export interface ServicesOptions {
  /** The shell's secret store, when it has one open before the engine. */
  secrets?: SecretStore;
  /** Connector options applied to every ESP connector this engine opens (tests, benchmarks). */
  connectorOverrides?: Partial<ConnectorOptions>;
}

export class EngineServices {
  readonly secrets: SecretsService;
  readonly sending: SendingState = { limiters: new Map(), breakers: new Map(), runs: new Map() };
  readonly alerts: { sink: AlertSink | null } = { sink: null };
  readonly continuity: { service: ContinuityService | null; teamAlerts: TeamAlerts | null } = {
    service: null,
    teamAlerts: null,
  };
  readonly sync: SyncState = {
    tried: new Map(),
    skipped: new Set(),
    stale: new Set(),
    background: null,
    lastLine: null,
  };
  /** Given at open; a test may change it between steps. */
  connectorOverrides: Partial<ConnectorOptions>;
  /** HTTP client options for every relay feedback pull (tests: fewer attempts, no backoff). */
  relayOverrides: Partial<HttpClientOptions> = {};
  /** The relay feedback pull in progress: pulls run one after the other, never two at once. */
  relayPull: Promise<unknown> = Promise.resolve();

  constructor(options: ServicesOptions = {}) {
    this.secrets = new SecretsService(options.secrets);
    this.connectorOverrides = options.connectorOverrides ?? {};
  }
}
