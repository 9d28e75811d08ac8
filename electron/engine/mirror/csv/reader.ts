/**
 * The reading half of an import: bytes → text → records → validated rows, in batches. Runs inside the
 * import worker thread (importWorker.ts) so that parsing a 1,000,000-row file overlaps with the
 * database work on the engine's thread; also usable directly (previews, tests).
 */
import { createReadStream } from 'node:fs';
import type { StagedRow } from '../../db/repos/imports';
import { CsvTokenizer, type CsvRecord, type BrokenRecord } from './tokenizer';
import { createDecoder, lineAtOffset, type Encoding } from './decode';
import { assertClear, detectFormat, planColumns, type ColumnPlan, type FormatName } from './formats';
import { shown } from '../../display';
import { RowBuilder } from './rows';
import type { SubscriberStatus } from '../../model/status';
import { userError } from '../../errors';
import { isPlainText } from './batchCodec';

export interface ReadSpec {
  file: string;
  /** The file's name as messages show it (display-safe: display.ts#shown). */
  label: string;
  encoding: Encoding;
  bomBytes: number;
  /** The encoding was detected, not chosen: a Windows-1252 file that turns to UTF-8 is refused. */
  detected?: boolean;
  delimiter: string;
  format: FormatName | 'auto';
  map: Record<string, string>;
  status: SubscriberStatus | undefined;
  chunkSize: number;
  batchSize: number;
}

export interface ReadSink {
  header(header: string[], plan: ColumnPlan): void;
  /**
   * A batch of valid rows, in file order. `plain`: no text read so far held U+0000–U+0002, so the rows
   * can cross threads as separated text (batchCodec.ts).
   */
  batch(rows: StagedRow[], rowsSoFar: number, bytes: number, plain: boolean): Promise<void> | void;
  reject(line: number, reason: string, raw: string): void;
  cancelled(): boolean;
}

export interface ReadSummary {
  rows: number;
  bytes: number;
}

/** A batch is handed on once its rows' text passes this many characters, whatever its row count. */
const MAX_BATCH_CHARS = 4 << 20;

export async function readRows(spec: ReadSpec, sink: ReadSink): Promise<ReadSummary> {
  let header: string[] | undefined;
  let builder: RowBuilder | undefined;
  let rows = 0;
  let bytes = spec.bomBytes;
  let batch: StagedRow[] = [];
  let batchChars = 0;
  let plain = true;

  const onRecord = (r: CsvRecord) => {
    if (!header) {
      header = r.fields.map((h) => h.replace(/^\uFEFF/, '').trim());
      // eslint-disable-next-line no-control-regex
      const bad = header.findIndex((h) => /[\u0000-\u001f\u007f-\u009f]/.test(h));
      if (bad >= 0)
        throw userError(
          `${spec.label}: column ${bad + 1} of the header row holds a control character ("${shown(header[bad]!, 60)}").`,
          {
            code: 'bad_header',
            safe: 'Nothing was imported; the list is unchanged.',
            next: 'Open the file in a text editor or spreadsheet, fix the column names on the first line, save it as CSV and import it again.',
          },
        );
      const format: FormatName = spec.format === 'auto' ? detectFormat(header) : spec.format;
      const plan = planColumns(header, format, spec.map);
      assertClear(plan, header, spec.status);
      builder = new RowBuilder(plan, header, spec.status ?? 'subscribed');
      sink.header(header, plan);
      return;
    }
    rows++;
    const res = builder!.build(r.fields, r.line, r.raw);
    if (!res.ok) {
      sink.reject(r.line, res.reason, r.raw);
      return;
    }
    batch.push(res.row);
    batchChars += r.raw.length;
  };
  const onBroken = (b: BrokenRecord) => {
    if (!header) {
      // The header decides how every row is read: a broken one stops the import.
      const tooWide = b.reason.startsWith('has more than');
      throw userError(`${spec.label}: the header row (line ${b.line}) ${b.reason}.`, {
        code: tooWide ? 'too_many_columns' : 'bad_header',
        safe: 'Nothing was imported; the list is unchanged.',
        next: tooWide
          ? 'Check that the first line is the header of an export (the right delimiter, not one long line of data), or remove the columns you do not need.'
          : 'Open the file in a spreadsheet, check the column names on the first line, save it as CSV and import it again.',
      });
    }
    rows++;
    sink.reject(b.line, b.reason, b.raw);
  };
  const tokenizer = new CsvTokenizer(spec.delimiter, onRecord, onBroken);
  const decoder = createDecoder(spec.encoding, spec.label, {
    locate: (offset) => lineAtOffset(spec.file, spec.bomBytes + offset),
    refuseUtf8: spec.detected === true,
  });
  const flush = async () => {
    const b = batch;
    batch = [];
    batchChars = 0;
    // One decoded chunk can hold thousands of rows: hand them on in batches of batchSize.
    for (let i = 0; i < b.length; i += spec.batchSize)
      await sink.batch(b.slice(i, i + spec.batchSize), rows, bytes, plain);
  };

  const stream = createReadStream(spec.file, { start: spec.bomBytes, highWaterMark: spec.chunkSize });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (sink.cancelled()) return { rows, bytes };
      bytes += chunk.length;
      const text = decoder.write(chunk);
      if (plain && !isPlainText(text)) plain = false;
      tokenizer.push(text);
      // Also by size: a file of very long rows (notes of 100 KB each) must not pile up a batch of
      // hundreds of MB in the reader, whose heap is capped (see importer.ts).
      if (batch.length >= spec.batchSize || batchChars >= MAX_BATCH_CHARS) await flush();
    }
  } finally {
    stream.destroy();
  }
  const tail = decoder.end();
  if (plain && !isPlainText(tail)) plain = false;
  tokenizer.push(tail);
  tokenizer.end();
  await flush();
  if (!header)
    throw userError(`${spec.label} has no header row.`, {
      code: 'no_header',
      safe: 'Nothing was imported.',
    });
  return { rows, bytes };
}
