/**
 * Streaming import of an export file into a list. A worker thread reads, decodes (encoding detected),
 * tokenizes and validates (reader.ts); this thread stages the valid rows in a private temporary
 * database, then merges them into the list in ONE transaction. Every row that is not imported is in
 * the reject report with its line, reason and raw text. A cancel, a crash, a kill or an error before
 * the final transaction leaves the list exactly as it was.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Engine } from '../../engine';
import { CancelledError, UnderstudyError, userError } from '../../errors';
import {
  ImportRequestSchema,
  type ImportProgress,
  type ImportRequest,
  type ImportResult,
} from '../../api/lists';
import { createDecoder, detectDelimiter, detectEncoding, refuseNonText, type Encoding } from './decode';
import { spawnWorker } from '../../workers/spawn';
import type { FromWorker, ToWorker } from './importWorker';
import { readRows, type ReadSpec } from './reader';
import type { StagedRow } from '../../db/repos/imports';
import { RejectWriter } from './rejects';
import { outputTarget, type SafeTarget } from '../../files/protected';
import { decodeBatch } from './batchCodec';
import { shown } from '../../display';
import { recordSuppressionsAdded } from '../suppressions';

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** Read size; the encoding tests use 64 KiB to put characters across many boundaries. */
  chunkSize?: number;
  /** Override the detected encoding. */
  encoding?: Encoding;
  /**
   * Rows per batch sent from the reader to the database (default 500: the rows of a pending batch
   * survive garbage collection, so bigger batches cost the reader more than they save in messages).
   */
  batchSize?: number;
  /** Test hook: called after each staged batch (e.g. to kill the process mid-import). */
  afterBatch?: (rowsSoFar: number) => void;
  /** Read in a worker thread (default: for files of 4 MiB and more). */
  worker?: boolean;
  /** Replace an existing file at `request.rejectReport` (the CLI's `--force`). */
  forceRejectReport?: boolean;
}

const SAMPLE_BYTES = 64 * 1024;

export async function importFile(
  engine: Engine,
  request: ImportRequest,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const started = performance.now();
  const req = ImportRequestSchema.parse(request);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(req.list)) {
    throw userError(`The list name "${shown(req.list, 80)}" holds a control character.`, {
      code: 'bad_list_name',
      safe: 'Nothing was imported.',
      next: 'Choose a list name made of ordinary characters.',
    });
  }
  const file = resolve(req.file);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw userError(`No file at ${shown(file, 200)}.`, {
      code: 'file_not_found',
      safe: 'Nothing was imported.',
      next: 'Check the path and try again.',
    });
  }
  const totalBytes = statSync(file).size;
  const label = shown(basename(file), 80); // display-safe: it is in every message below
  const taskId = randomUUID();
  const progress = (phase: ImportProgress['phase'], rows: number, bytes: number) =>
    options.onProgress?.({ taskId, phase, rows, bytes, totalBytes });
  const cancelledError = () =>
    new CancelledError(`Importing ${label}`, 'Nothing was imported; the list is unchanged.');
  if (options.signal?.aborted) throw cancelledError();

  // Sniff encoding and delimiter from the first 64 KiB.
  const sample = readSample(file);
  refuseNonText(sample, label);
  const detected = detectEncoding(sample);
  const encoding = options.encoding ?? req.encoding ?? detected.encoding;
  const bomBytes = encoding === detected.encoding ? detected.bomBytes : 0;
  const firstLine = sampleText(sample.subarray(bomBytes), encoding).split(/\r\n|\n|\r/, 1)[0] ?? '';
  if (firstLine.trim() === '') {
    throw userError(`${label} is empty or its first line is blank; an import needs a header row.`, {
      code: 'no_header',
      safe: 'Nothing was imported.',
      next: 'Put the column names (e.g. "Email Address") on the first line.',
    });
  }
  const delimiter = detectDelimiter(firstLine);
  const spec: ReadSpec = {
    file,
    label,
    encoding,
    bomBytes,
    detected: encoding === detected.encoding && !options.encoding && !req.encoding,
    delimiter,
    format: req.format,
    map: req.map,
    status: req.status,
    chunkSize: options.chunkSize ?? 1 << 20,
    batchSize: options.batchSize ?? 500,
  };
  // Checked before a row is read: a report over the database (or an existing file without --force)
  // is refused at once, not after a long import.
  const rejectTarget = outputTarget(engine, req.rejectReport ?? defaultRejectPath(engine, req.list), {
    force: options.forceRejectReport === true,
    what: 'the reject report',
    also: [{ path: file, what: 'the file being imported' }],
  });
  const rejectPath = rejectTarget.path;

  const staging = engine.repos.imports.beginStaging();
  let committed = false;
  const useWorker = options.worker ?? totalBytes >= WORKER_THRESHOLD_BYTES;
  const stage: Stage = (rows, rowsSoFar, bytes) => {
    staging.add(rows);
    options.afterBatch?.(rowsSoFar);
    progress('reading', rowsSoFar, bytes);
  };
  const reader = useWorker ? readInWorker : readInline;
  try {
    const read = await reader(spec, rejectTarget.tmp, stage, options.signal, label);

    progress('merging', read.rows, read.bytes);
    const now = engine.now();
    const source = `import:${read.format}`;
    let listName = req.list.trim();
    const report = read.rejected > 0 ? rejectPath : null;
    const counts = staging.mergeInto(
      () => {
        const list =
          engine.repos.lists.byName(req.list) ?? engine.repos.lists.create({ name: req.list, now });
        listName = list.name;
        engine.repos.lists.mergeFieldDefs(
          list.id,
          read.mergeFields.map((m) => ({ ...m, type: 'text' })),
          now,
        );
        engine.repos.lists.touch(list.id, now);
        return list.id;
      },
      source,
      now,
      (c, listId, suppressed) => {
        recordSuppressionsAdded(engine, suppressed, {
          source,
          how: `in the file ${label} imported into "${listName}"`,
          listId,
        });
        engine.record({
          type: 'import.completed',
          message: `Imported ${label} into "${listName}": ${c.imported} new, ${c.updated} updated, ${read.rejected} rejected.`,
          listId,
          data: {
            file,
            format: read.format,
            encoding,
            rows: read.rows,
            ...c,
            rejected: read.rejected,
            rejectReport: report,
          },
        });
      },
    );
    committed = true;
    if (report) commitReport(rejectTarget, counts);
    progress('done', read.rows, read.bytes);
    return {
      list: listName,
      format: read.format,
      encoding,
      delimiter,
      rows: read.rows,
      imported: counts.imported,
      updated: counts.updated,
      unchanged: counts.unchanged,
      duplicates: counts.duplicates,
      rejected: read.rejected,
      byStatus: counts.byStatus,
      rejectReport: report,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    staging.drop();
    if (!committed) rejectTarget.abort();
  }
}

/** Files below this are read on this thread: starting a worker costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 4 << 20;

type Stage = (rows: StagedRow[], rowsSoFar: number, bytes: number) => void;
interface ReadResult {
  format: string;
  mergeFields: { tag: string; name: string }[];
  rows: number;
  bytes: number;
  rejected: number;
}

function cancelled(label: string): CancelledError {
  return new CancelledError(`Importing ${label}`, 'Nothing was imported; the list is unchanged.');
}

/** Reads on this thread (small files). */
async function readInline(
  spec: ReadSpec,
  rejectPath: string,
  stage: Stage,
  signal: AbortSignal | undefined,
  label: string,
): Promise<ReadResult> {
  const rejects = new RejectWriter(rejectPath);
  let header: { format: string; mergeFields: { tag: string; name: string }[] } | undefined;
  try {
    const summary = await readRows(spec, {
      header: (_h, plan) => (header = { format: plan.format, mergeFields: plan.mergeFields }),
      batch: (rows, rowsSoFar, bytes) => stage(rows, rowsSoFar, bytes),
      reject: (line, reason, raw) => rejects.add(line, reason, raw),
      cancelled: () => signal?.aborted === true,
    });
    if (signal?.aborted) throw cancelled(label);
    await rejects.close();
    return { ...header!, ...summary, rejected: rejects.count };
  } catch (e) {
    rejects.abort();
    throw e;
  }
}

/** Reads in a worker thread, so parsing overlaps with staging (big files). */
async function readInWorker(
  spec: ReadSpec,
  rejectPath: string,
  stage: Stage,
  signal: AbortSignal | undefined,
  label: string,
): Promise<ReadResult> {
  // The reader streams and keeps almost nothing: a capped old generation keeps its RSS flat.
  const worker = spawnWorker(
    new URL('./importWorker.ts', import.meta.url),
    { spec, rejectPath },
    { maxHeapMb: 64, youngMb: 16 },
  );
  try {
    return await new Promise<ReadResult>((resolvePromise, reject) => {
      let header: { format: string; mergeFields: { tag: string; name: string }[] } | undefined;
      const send = (m: ToWorker) => worker.postMessage(m);
      const onAbort = () => send({ type: 'cancel' });
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (fn: () => void) => {
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      worker.on('message', (m: FromWorker) => {
        try {
          switch (m.type) {
            case 'header':
              header = { format: m.format, mergeFields: m.mergeFields };
              break;
            case 'batch':
              if (signal?.aborted) break;
              stage(decodeBatch(m.rows), m.rowsSoFar, m.bytes);
              send({ type: 'ack' });
              break;
            case 'done':
              if (signal?.aborted) finish(() => reject(cancelled(label)));
              else
                finish(() =>
                  resolvePromise({
                    ...header!,
                    rows: m.rows,
                    bytes: m.bytes,
                    rejected: m.rejected,
                  }),
                );
              break;
            case 'cancelled':
              finish(() => reject(cancelled(label)));
              break;
            case 'error':
              finish(() =>
                reject(
                  m.error.kind === 'user'
                    ? new UnderstudyError('user', m.error.message, {
                        code: m.error.code,
                        safe: m.error.safe ?? 'Nothing was imported; the list is unchanged.',
                        next: m.error.next,
                      })
                    : new UnderstudyError('internal', `Reading ${label} failed: ${m.error.message}`, {
                        safe: 'Nothing was imported; the list is unchanged.',
                      }),
                ),
              );
              break;
          }
        } catch (e) {
          send({ type: 'cancel' });
          finish(() => reject(e));
        }
      });
      worker.on('error', (e) =>
        finish(() =>
          reject(
            new UnderstudyError('internal', `Reading ${label} failed: ${e.message}`, {
              safe: 'Nothing was imported; the list is unchanged.',
            }),
          ),
        ),
      );
      worker.on('exit', (code) => {
        if (code !== 0)
          finish(() =>
            reject(
              new UnderstudyError('internal', `The import reader stopped unexpectedly (exit ${code}).`, {
                safe: 'Nothing was imported; the list is unchanged.',
              }),
            ),
          );
      });
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * Moves the committed import's reject report into place. The import is already saved: a report that
 * cannot be placed (a file appeared there meanwhile, the disk filled) is said so, with what was saved.
 */
function commitReport(target: SafeTarget, counts: { imported: number; updated: number }): void {
  try {
    target.commit();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw userError(`The import was saved, but its reject report could not be written. ${why}`, {
      code: 'reject_report_failed',
      safe: `Every accepted row is in the list (${counts.imported} new, ${counts.updated} updated).`,
      next: 'Import the same file again with another --reject-report to get the rejected rows; rows already imported stay as they are.',
      cause: e,
    });
  }
}

function readSample(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const n = readSync(fd, buf, 0, SAMPLE_BYTES, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function sampleText(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === 'utf-8') return new TextDecoder('utf-8').decode(bytes);
  return createDecoder(encoding, 'sample').write(bytes);
}

function defaultRejectPath(engine: Engine, list: string): string {
  const base = engine.dbPath === ':memory:' || engine.dbPath === '' ? process.cwd() : dirname(engine.dbPath);
  const safe = list.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || 'list';
  return join(base, 'rejects', `${safe}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
}
