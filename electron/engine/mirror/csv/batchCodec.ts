/**
 * How a batch of validated rows crosses from the import reader thread to the engine thread.
 *
 * JSON was the first choice, and the profile showed it cost more than parsing the CSV: every merge
 * field and extra column is itself JSON text, so JSON.stringify escaped each of its quotes, and
 * JSON.parse on the other side took them out again (together ~20 µs a row). Rows are flat tuples of
 * strings, numbers and nulls, so a separated text is enough: fields end with U+0000, rows with U+0001,
 * and a null is U+0002. Those three characters never occur in a value unless the file itself contains
 * them; the reader checks every decoded chunk for them, and from the first one seen on, batches go as
 * JSON (`plain` false), so any byte of a value arrives exactly as it was read.
 */
import type { StagedRow } from '../../db/repos/imports';

const FIELD = '\u0000';
const ROW = '\u0001';
const NULL = '\u0002';

/** True when a decoded piece of the file holds none of the separator characters. */
export function isPlainText(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0002]/.test(text);
}

/** A batch as one string: 's' + separated text, or 'j' + JSON when the file held separator characters. */
export function encodeBatch(rows: StagedRow[], plain: boolean): string {
  if (!plain) return 'j' + JSON.stringify(rows);
  let out = 's';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (r > 0) out += ROW;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      out += (v === null ? NULL : String(v)) + FIELD;
    }
  }
  return out;
}

export function decodeBatch(text: string): StagedRow[] {
  if (text.charCodeAt(0) === 0x6a /* j */) return JSON.parse(text.slice(1)) as StagedRow[];
  if (text.length === 1) return [];
  const rows = text.slice(1).split(ROW);
  const out: StagedRow[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const f = rows[r]!.split(FIELD);
    f.length--; // every field ends with FIELD: the last piece is empty
    const row = f as unknown as (string | number | null)[];
    row[0] = Number(f[0]);
    for (let i = 1; i < f.length; i++) if (f[i] === NULL) row[i] = null;
    out[r] = row as StagedRow;
  }
  return out;
}
