/**
 * The import worker thread: runs readRows() and streams batches of validated rows back to the engine
 * thread, which stages them in SQLite. At most MAX_IN_FLIGHT batches wait unacknowledged, so a fast
 * reader cannot pile a whole file up in memory. Rejected rows go straight to the reject report here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { explainError } from '../../errors';
import { readRows, type ReadSpec } from './reader';
import { RejectWriter } from './rejects';
import { encodeBatch } from './batchCodec';

export type ToWorker = { type: 'ack' } | { type: 'cancel' };
export type FromWorker =
  | { type: 'header'; header: string[]; format: string; mergeFields: { tag: string; name: string }[] }
  /** rows: the batch encoded by batchCodec.ts (one string clones far cheaper than thousands of arrays). */
  | { type: 'batch'; rows: string; rowsSoFar: number; bytes: number }
  | {
      type: 'done';
      rows: number;
      bytes: number;
      rejected: number;
      rejectReport: string | null;
    }
  | { type: 'cancelled' }
  | {
      type: 'error';
      error: { kind: 'user' | 'internal'; message: string; code?: string; safe?: string; next?: string };
    };

const MAX_IN_FLIGHT = 4;

async function run(): Promise<void> {
  const port = parentPort!;
  const { spec, rejectPath } = workerData as { spec: ReadSpec; rejectPath: string };
  const rejects = new RejectWriter(rejectPath);
  let inFlight = 0;
  let cancelled = false;
  let wake: (() => void) | undefined;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'ack') inFlight--;
    if (m.type === 'cancel') cancelled = true;
    wake?.();
  });
  const post = (m: FromWorker) => port.postMessage(m);
  try {
    const summary = await readRows(spec, {
      header: (header, plan) =>
        post({ type: 'header', header, format: plan.format, mergeFields: plan.mergeFields }),
      batch: async (rows, rowsSoFar, bytes, plain) => {
        inFlight++;
        post({ type: 'batch', rows: encodeBatch(rows, plain), rowsSoFar, bytes });
        while (inFlight >= MAX_IN_FLIGHT && !cancelled) await new Promise<void>((r) => (wake = r));
      },
      reject: (line, reason, raw) => rejects.add(line, reason, raw),
      cancelled: () => cancelled,
    });
    if (cancelled) {
      rejects.abort();
      post({ type: 'cancelled' });
      return;
    }
    const report = await rejects.close();
    post({ type: 'done', ...summary, rejected: rejects.count, rejectReport: report });
  } catch (e) {
    rejects.abort();
    post({
      type: 'error',
      // A folder given as the file, a file that cannot be read: the person's to fix (exit 1).
      error: explainError(e).toJSON(),
    });
  }
}

void run();
