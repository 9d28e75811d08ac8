/**
 * The import wizard's first look at a file: encoding, delimiter, detected ESP format, how each column
 * will be mapped, and a few sample rows. Uses the importer's own detection functions on the first
 * bytes of the file, so what the wizard shows is what the import will do. Shared by browser mode
 * (POST /preview) and the Electron engine host.
 */
import { CsvTokenizer, type CsvRecord } from './tokenizer';
import { countLines, createDecoder, detectDelimiter, detectEncoding, refuseNonText } from './decode';
import { detectFormat, planColumns, type FormatName } from './formats';
import { isUnderstudyError } from '../../errors';
import { shown } from '../../display';
import type { Envelope } from '../../api/common';

export const PREVIEW_BYTES = 64 * 1024;

export interface ImportPreview {
  encoding: string;
  delimiter: string;
  format: FormatName;
  detectedFormat: FormatName;
  header: string[];
  targets: string[];
  sample: string[][];
  /**
   * Present when the mapping cannot import (no email column, a bad override, a column about consent
   * whose meaning is unclear: `columns` names those, and the wizard asks about them).
   */
  problem: { message: string; next?: string; columns?: string[] } | null;
}

export function previewImport(
  head: Uint8Array,
  opts: { format?: string; map?: Record<string, string> } = {},
): Envelope<ImportPreview> {
  try {
    refuseNonText(head, 'The file');
    const { encoding, bomBytes } = detectEncoding(head);
    const body = head.subarray(bomBytes);
    const text = createDecoder(encoding, 'The file', {
      locate: (offset) => 1 + countLines(body.subarray(0, offset)),
      refuseUtf8: true,
    }).write(body);
    const firstLine = text.split(/\r\n|\n|\r/, 1)[0] ?? '';
    const delimiter = detectDelimiter(firstLine);
    const records: CsvRecord[] = [];
    const tok = new CsvTokenizer(
      delimiter,
      (r) => {
        if (records.length < 7) records.push(r);
      },
      () => undefined,
    );
    // The last line of a 64 KB slice is probably cut: only whole lines are tokenized.
    const cut = Math.max(text.lastIndexOf('\n'), 0);
    tok.push(head.length >= PREVIEW_BYTES ? text.slice(0, cut + 1) : text);
    tok.end();
    const header = records[0]?.fields ?? [];
    if (header.length === 0) {
      return fail('The file is empty.', 'Choose the export file from your ESP (a CSV with a header row).');
    }
    const detectedFormat = detectFormat(header);
    const format = (opts.format && opts.format !== 'auto' ? opts.format : detectedFormat) as FormatName;
    let targets: string[] = header.map(() => 'ignore');
    let problem: ImportPreview['problem'] = null;
    try {
      const plan = planColumns(header, format, opts.map ?? {});
      targets = plan.targets;
      if (plan.unclear.length > 0) {
        const columns = plan.unclear.map((i) => header[i]!);
        const names = columns.map((c) => `"${shown(c, 60)}"`).join(', ');
        problem = {
          message: `${columns.length === 1 ? 'The column' : 'The columns'} ${names} may say who agreed to get email or who opted out, and Understudy cannot tell how to read ${columns.length === 1 ? 'it' : 'them'}.`,
          next: 'Choose below what it holds: a status, consent, "do not email", an unsubscribe date, or "ignore" if it is not about email consent. Until then nothing is imported, so nobody who opted out can be mailed by mistake.',
          columns,
        };
      }
    } catch (e) {
      if (!isUnderstudyError(e)) throw e;
      problem = { message: e.message, ...(e.next ? { next: e.next } : {}) };
    }
    return {
      ok: true,
      value: {
        encoding,
        delimiter,
        format,
        detectedFormat,
        header,
        targets,
        sample: records.slice(1, 6).map((r) => r.fields),
        problem,
      },
    };
  } catch (e) {
    if (isUnderstudyError(e)) return { ok: false, error: e.toJSON() };
    return fail(
      `The file could not be read: ${(e as Error).message}`,
      'Check that it is a CSV or TSV export.',
    );
  }
}

function fail(message: string, next: string): Envelope<never> {
  return {
    ok: false,
    error: { kind: 'user', code: 'bad_file', message, safe: 'Nothing was imported.', next },
  };
}
