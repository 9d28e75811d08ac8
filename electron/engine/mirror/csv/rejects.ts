/**
 * The reject report: every row an import did not take, as CSV `line,reason,raw`; the raw text is kept
 * as it was (control characters included), but no cell can run as a spreadsheet formula. Written to
 * the temporary file of an output target (files/protected.ts: checked, owner-only) and moved into place
 * by the importer only when the import commits; nothing at all is written when no row was rejected.
 */
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { asWriteError, FILE_MODE } from '../../files/safeWrite';
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
  private failure: Error | undefined;
  private pending = '';

  /** `tmp`: the temporary file of the report's output target (created here, owner-only). */
  constructor(readonly tmp: string) {}

  add(line: number, reason: string, raw: string): void {
    if (!this.out) {
      this.out = createWriteStream(this.tmp, { flags: 'wx', mode: FILE_MODE });
      this.out.on('error', (e) => (this.failure = e));
      this.pending = 'line,reason,raw\n';
    }
    this.count++;
    this.pending += `${line},${textCell(reason)},${textCell(raw)}\n`;
    if (this.pending.length > 65536) {
      this.out.write(this.pending);
      this.pending = '';
    }
  }

  /** Flushes to the temporary file; returns it (the importer moves it into place on commit). */
  async close(): Promise<string | null> {
    if (!this.out) return null;
    try {
      if (this.failure) throw this.failure;
      this.out.end(this.pending);
      this.pending = '';
      await finished(this.out);
    } catch (e) {
      throw asWriteError(e, this.tmp, 'the reject report');
    }
    return this.tmp;
  }

  abort(): void {
    this.out?.destroy();
    rmSync(this.tmp, { force: true });
  }
}
