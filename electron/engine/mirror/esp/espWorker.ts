/**
 * The ESP worker thread of a sync: runs the connector's listing calls (lists, member pages, scheduled
 * campaigns) so the HTTP, the JSON parsing and the mapping of every page happen beside the engine
 * thread that writes the pages into SQLite instead of between its writes. All of a sync's requests go
 * through this one connector, so the ESP's connection limit is kept by one gate, as before.
 *
 * Answers go back as JSON text (one string clones far cheaper than a thousand member objects); errors
 * as their fields, rebuilt by the engine thread as the same class (espWorkerClient.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createConnector } from './registry';
import { registerSecret } from '../../secrets/redact';
import type { EspWorkerData, FromEspWorker, ToEspWorker, WorkerError } from './espWorkerClient';
import { EspError } from './http';
import { isUnderstudyError } from '../../errors';

function describe(e: unknown): WorkerError {
  if (e instanceof EspError)
    return {
      cls: 'esp',
      code: e.espCodeName,
      message: e.message,
      safe: e.safe,
      next: e.next,
      appNext: e.appNext,
      status: e.status,
      retryable: e.retryable,
      espCode: e.espCode,
    };
  if (isUnderstudyError(e))
    return {
      cls: 'understudy',
      kind: e.kind,
      code: e.code,
      message: e.message,
      safe: e.safe,
      next: e.next,
      appNext: e.appNext,
    };
  return { cls: 'error', message: e instanceof Error ? e.message : String(e) };
}

function run(): void {
  const port = parentPort!;
  const { kind, options } = workerData as EspWorkerData;
  registerSecret(options.apiKey);
  const connector = createConnector(kind, options);
  const running = new Map<number, AbortController>();
  const post = (m: FromEspWorker) => port.postMessage(m);
  port.on('message', (m: ToEspWorker) => {
    if (m.type === 'cancel') {
      running.get(m.id)?.abort();
      return;
    }
    const ac = new AbortController();
    running.set(m.id, ac);
    const signal = ac.signal;
    const call =
      m.type === 'lists'
        ? connector.lists({ signal })
        : m.type === 'members'
          ? connector.members(m.list, m.query, m.cursor, { signal })
          : connector.scheduledCampaigns({ signal });
    void (call as Promise<unknown>)
      .then(
        (value) =>
          post({
            type: 'ok',
            id: m.id,
            json: JSON.stringify(value),
            serverDate: connector.http.lastServerDate,
          }),
        (e: unknown) =>
          post({ type: 'error', id: m.id, error: describe(e), serverDate: connector.http.lastServerDate }),
      )
      .finally(() => running.delete(m.id));
  });
}

run();
