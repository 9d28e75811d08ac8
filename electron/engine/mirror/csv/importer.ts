/**
 * Streaming import of an export file into a list. Read → decode (encoding detected) → tokenize →
 * validate each row → stage (duplicates merged) → one transaction that merges into the list. Every row
 * that is not imported is written to the reject report with its line, reason and raw text; a cancel, a
 * crash or an error before the final transaction leaves the list exactly as it was.
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  statSync,
  renameSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Engine } from '../../engine';
import { CancelledError, userError } from '../../errors';
import {
  ImportRequestSchema,
  type ImportProgress,
  type ImportRequest,
  type ImportResult,
} from '../../api/lists';
import type { StagedRow } from '../../db/repos/imports';
import { CsvTokenizer, type CsvRecord, type BrokenRecord } from './tokenizer';
import { createDecoder, detectDelimiter, detectEncoding, type Encoding } from './decode';
import { detectFormat, planColumns, type ColumnPlan, type FormatName } from './formats';
import { RowBuilder } from './rows';

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** Read size; the encoding tests use 64 KiB to put characters across many boundaries. */
  chunkSize?: number;
  /** Override the detected encoding. */
  encoding?: Encoding;
  /** Rows staged per transaction. */
  batchSize?: number;
  /** Test hook: called after each staged batch (e.g. to kill the process mid-import). */
  afterBatch?: (rowsSoFar: number) => void;
}

const SAMPLE_BYTES = 64 * 1024;

export async function importFile(
  engine: Engine,
  request: ImportRequest,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const started = performance.now();
  const req = ImportRequestSchema.parse(request);
  const file = resolve(req.file);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw userError(`No file at ${file}.`, {
      code: 'file_not_found',
      safe: 'Nothing was imported.',
      next: 'Check the path and try again.',
    });
  }
  const totalBytes = statSync(file).size;
  const label = basename(file);
  const taskId = randomUUID();
  const progress = (phase: ImportProgress['phase'], rows: number, bytes: number) =>
    options.onProgress?.({ taskId, phase, rows, bytes, totalBytes });

  // Sniff encoding and delimiter from the first 64 KiB.
  const sample = readSample(file);
  const detected = detectEncoding(sample);
  const encoding = options.encoding ?? detected.encoding;
  const bomBytes = options.encoding && options.encoding !== detected.encoding ? 0 : detected.bomBytes;
  const sampleText = sampleDecode(sample.subarray(bomBytes), encoding);
  const firstLine = sampleText.split(/\r\n|\n|\r/, 1)[0] ?? '';
  if (firstLine.trim() === '') {
    throw userError(`${label} is empty or its first line is blank; an import needs a header row.`, {
      code: 'no_header',
      safe: 'Nothing was imported.',
      next: 'Put the column names (e.g. "Email Address") on the first line.',
    });
  }
  const delimiter = detectDelimiter(firstLine);

  const rejects = new RejectWriter(req.rejectReport ?? defaultRejectPath(engine, req.list));
  const staging = engine.repos.imports.beginStaging();
  let header: string[] | undefined;
  let plan: ColumnPlan | undefined;
  let builder: RowBuilder | undefined;
  let rows = 0;
  let bytes = bomBytes;
  let batch: StagedRow[] = [];
  const batchSize = options.batchSize ?? 5000;
  let failure: unknown;

  const onRecord = (r: CsvRecord) => {
    if (!header) {
      header = r.fields.map((h) => h.replace(/^\uFEFF/, '').trim());
      const format: FormatName = req.format === 'auto' ? detectFormat(header) : req.format;
      plan = planColumns(header, format, req.map);
      builder = new RowBuilder(plan, header, req.status ?? 'subscribed');
      return;
    }
    rows++;
    const res = builder!.build(r.fields, r.line);
    if (res.ok) batch.push(res.row);
    else rejects.add(r.line, res.reason, r.raw);
  };
  const onBroken = (b: BrokenRecord) => {
    if (header) rows++;
    rejects.add(b.line, b.reason, b.raw);
  };
  const tokenizer = new CsvTokenizer(delimiter, onRecord, onBroken);
  const decoder = createDecoder(encoding, label);

  const flush = () => {
    if (batch.length === 0) return;
    staging.add(batch);
    batch = [];
    options.afterBatch?.(rows);
  };

  try {
    const stream = createReadStream(file, { start: bomBytes, highWaterMark: options.chunkSize ?? 1 << 20 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (options.signal?.aborted)
          throw new CancelledError(`Importing ${label}`, 'Nothing was imported; the list is unchanged.');
        bytes += chunk.length;
        tokenizer.push(decoder.write(chunk));
        if (batch.length >= batchSize) flush();
        progress('reading', rows, bytes);
      }
    } finally {
      stream.destroy();
    }
    tokenizer.push(decoder.end());
    tokenizer.end();
    flush();
    if (options.signal?.aborted)
      throw new CancelledError(`Importing ${label}`, 'Nothing was imported; the list is unchanged.');
    if (!header || !plan) {
      throw userError(`${label} has no header row.`, { code: 'no_header', safe: 'Nothing was imported.' });
    }
    progress('merging', rows, bytes);
    const rejectPath = await rejects.finish();
    const now = engine.now();
    const source = `import:${plan.format}`;
    const finalPlan = plan;
    let listName = req.list.trim();
    const counts = staging.mergeInto(
      () => {
        const existing = engine.repos.lists.byName(req.list);
        const list = existing ?? engine.repos.lists.create({ name: req.list, now });
        listName = list.name;
        engine.repos.lists.mergeFieldDefs(
          list.id,
          finalPlan.mergeFields.map((m) => ({ ...m, type: 'text' })),
          now,
        );
        engine.repos.lists.touch(list.id, now);
        return list.id;
      },
      source,
      now,
      (c, listId) => {
        engine.record({
          type: 'import.completed',
          message: `Imported ${label} into "${listName}": ${c.imported} new, ${c.updated} updated, ${rejects.count} rejected.`,
          listId,
          data: {
            file,
            format: plan!.format,
            encoding,
            rows,
            ...c,
            rejected: rejects.count,
            rejectReport: rejectPath,
          },
        });
      },
    );
    progress('done', rows, bytes);
    return {
      list: listName,
      format: plan.format,
      encoding,
      delimiter,
      rows,
      imported: counts.imported,
      updated: counts.updated,
      unchanged: counts.unchanged,
      duplicates: counts.duplicates,
      rejected: rejects.count,
      byStatus: counts.byStatus,
      rejectReport: rejectPath,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    staging.drop();
    if (failure !== undefined) rejects.abort();
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

function sampleDecode(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === 'utf-8') return new TextDecoder('utf-8').decode(bytes);
  const d = createDecoder(encoding, 'sample');
  return d.write(bytes);
}

function defaultRejectPath(engine: Engine, list: string): string {
  const base = engine.dbPath === ':memory:' ? process.cwd() : dirname(engine.dbPath);
  const safe = list.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || 'list';
  return join(base, 'rejects', `${safe}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
}

/**
 * The reject report: `line,reason,raw` as CSV, written to a temporary file and renamed into place
 * when the import commits (no report at all when nothing was rejected).
 */
class RejectWriter {
  count = 0;
  private out: WriteStream | undefined;
  private readonly tmp: string;
  private pending = '';

  constructor(private readonly path: string) {
    this.tmp = `${path}.partial`;
  }

  add(line: number, reason: string, raw: string): void {
    if (!this.out) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.out = createWriteStream(this.tmp);
      this.pending = 'line,reason,raw\n';
    }
    this.count++;
    this.pending += `${line},${csvCell(reason)},${csvCell(raw)}\n`;
    if (this.pending.length > 65536) {
      this.out.write(this.pending);
      this.pending = '';
    }
  }

  async finish(): Promise<string | null> {
    if (!this.out) return null;
    this.out.end(this.pending);
    await once(this.out, 'finish');
    renameSync(this.tmp, this.path);
    return this.path;
  }

  abort(): void {
    if (!this.out) return;
    this.out.destroy();
    rmSync(this.tmp, { force: true });
  }
}

export function csvCell(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
