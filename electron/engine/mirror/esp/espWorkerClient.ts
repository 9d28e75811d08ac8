/**
 * The engine thread's side of the ESP worker (espWorker.ts): the listing calls a sync makes — lists,
 * member pages, scheduled campaigns — answered by a connector running in a worker thread, so fetching
 * and parsing the next pages go on while this thread writes the last ones into SQLite.
 *
 * Measured (bench:sync, 100,000 members, 250 ms pages, 10 connections, 2 cores): fetching alone costs
 * about 10 µs of CPU per member and writing about 30; on one thread they queue behind each other and
 * the sync reached 0.52 of fetch-only; with the fetching here it is bounded by the writing alone.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../workers/spawn';
import { UnderstudyError, internalError, type ErrorKind } from '../../errors';
import { EspError, type EspErrorCode } from './http';
import type {
  CallOptions,
  ConnectorOptions,
  EspCampaign,
  EspConnector,
  EspKind,
  EspList,
  MemberCursor,
  MemberPage,
  MemberQuery,
} from './types';

/** What a sync asks of its ESP: the connector's listing calls. */
export type EspListing = Pick<EspConnector, 'lists' | 'members' | 'scheduledCampaigns'>;

/** The connector options a worker can take: values only (no clock, sleep or fetch function). */
export type PlainConnectorOptions = Omit<ConnectorOptions, 'clock' | 'sleep' | 'fetch'>;

export interface EspWorkerData {
  kind: EspKind;
  options: PlainConnectorOptions;
}

/** A call the worker makes. */
type Ask =
  | { type: 'lists' }
  | { type: 'members'; list: EspList; query: MemberQuery; cursor: MemberCursor | null }
  | { type: 'campaigns' };

export type ToEspWorker = (Ask & { id: number }) | { type: 'cancel'; id: number };

export type WorkerError =
  | {
      cls: 'esp';
      code: EspErrorCode;
      message: string;
      safe: string | undefined;
      next: string | undefined;
      appNext: string | undefined;
      status: number | null;
      retryable: boolean;
      espCode: string | null;
    }
  | {
      cls: 'understudy';
      kind: ErrorKind;
      code: string;
      message: string;
      safe: string | undefined;
      next: string | undefined;
      appNext: string | undefined;
    }
  | { cls: 'error'; message: string };

export type FromEspWorker =
  | { type: 'ok'; id: number; json: string; serverDate: number | null }
  | { type: 'error'; id: number; error: WorkerError; serverDate: number | null };

/** The error the worker met, as the class the engine thread would have caught from the connector. */
function rebuild(e: WorkerError): Error {
  const details = (x: {
    safe?: string | undefined;
    next?: string | undefined;
    appNext?: string | undefined;
  }) => ({
    ...(x.safe !== undefined ? { safe: x.safe } : {}),
    ...(x.next !== undefined ? { next: x.next } : {}),
    ...(x.appNext !== undefined ? { appNext: x.appNext } : {}),
  });
  if (e.cls === 'esp')
    return new EspError(e.code, e.message, {
      ...details(e),
      status: e.status,
      retryable: e.retryable,
      espCode: e.espCode,
    });
  if (e.cls === 'understudy') return new UnderstudyError(e.kind, e.message, { ...details(e), code: e.code });
  return new Error(e.message);
}

type Waiting = { resolve: (json: string) => void; reject: (e: Error) => void };

export class EspWorkerClient implements EspListing {
  /** Workers started in this process (diagnostics: a test sees which path a sync took). */
  static started = 0;
  /** The ESP's clock from the last answer's Date header (what `since` is measured against). */
  serverDate: number | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private broken: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromEspWorker) => {
      if (m.serverDate !== null) this.serverDate = m.serverDate;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.type === 'ok') w.resolve(m.json);
      else w.reject(rebuild(m.error));
    });
    const fail = (e: Error) => {
      this.broken = internalError(`The sync's ESP worker stopped: ${e.message}`, {
        safe: 'Every page written so far is kept with its checkpoint; the next sync resumes there.',
        next: 'Sync again; if it persists, report it with this message.',
      });
      for (const w of this.waiting.values()) w.reject(this.broken);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`it exited (${code})`)));
  }

  static start(kind: EspKind, options: PlainConnectorOptions): EspWorkerClient {
    const data: EspWorkerData = { kind, options };
    EspWorkerClient.started++;
    return new EspWorkerClient(
      spawnWorker(new URL('./espWorker.ts', import.meta.url), data as unknown as Record<string, unknown>),
    );
  }

  private call<T>(m: Ask, signal?: AbortSignal): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => this.worker.postMessage({ type: 'cancel', id } satisfies ToEspWorker);
      this.waiting.set(id, {
        resolve: (json) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(json);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.worker.postMessage({ ...m, id } satisfies ToEspWorker);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    }).then((json) => JSON.parse(json) as T);
  }

  lists(opts?: CallOptions): Promise<EspList[]> {
    return this.call({ type: 'lists' }, opts?.signal);
  }

  members(
    list: EspList,
    query: MemberQuery,
    cursor: MemberCursor | null,
    opts?: CallOptions,
  ): Promise<MemberPage> {
    return this.call({ type: 'members', list, query, cursor }, opts?.signal);
  }

  scheduledCampaigns(opts?: CallOptions): Promise<EspCampaign[]> {
    return this.call({ type: 'campaigns' }, opts?.signal);
  }

  /** Stops the worker; calls still waiting are refused (a sync closes it only once it is done). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
