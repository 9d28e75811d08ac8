/**
 * The reject report: every row an import did not take, as CSV `line,reason,raw`; the raw text is kept
 * as it was (control characters included), but no cell can run as a spreadsheet formula. Written to a
 * temporary file and renamed into place only when the import commits; nothing at all is written when
 * no row was rejected.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { escapeFormula } from './values';

export function csvCell(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A cell a spreadsheet will show as text, never run as a formula (values.ts#escapeFormula). */
export function textCell(v: string): string {
  return csvCell(escapeFormula(v));
}

export class RejectWriter {
  count = 0;
  private out: WriteStream | undefined;
  private readonly tmp: string;
  private pending = '';

  constructor(readonly path: string) {
    this.tmp = `${path}.partial`;
  }

  add(line: number, reason: string, raw: string): void {
    if (!this.out) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.out = createWriteStream(this.tmp);
      this.pending = 'line,reason,raw\n';
    }
    this.count++;
    this.pending += `${line},${textCell(reason)},${textCell(raw)}\n`;
    if (this.pending.length > 65536) {
      this.out.write(this.pending);
      this.pending = '';
    }
  }

  /** Flushes to the temporary file; returns where the report will be once committed. */
  async close(): Promise<string | null> {
    if (!this.out) return null;
    this.out.end(this.pending);
    this.pending = '';
    await once(this.out, 'finish');
    return this.path;
  }

  /** Moves the report into place (after the import committed). */
  commit(): void {
    if (this.count > 0) renameSync(this.tmp, this.path);
  }

  abort(): void {
    this.out?.destroy();
    rmSync(this.tmp, { force: true });
  }
}

/** Where a report goes when the caller named none: next to the database, in rejects/. */
export function partialPathOf(path: string): string {
  return `${path}.partial`;
}
