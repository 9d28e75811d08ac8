/**
 * Byte → text for import files. Detects UTF-8 (with or without BOM), UTF-16 LE/BE (Excel's "Unicode
 * text", with or without BOM) and Windows-1252, and decodes as a stream whose decoders keep partial
 * characters between chunks, so a multibyte character split across a read boundary survives intact.
 * UTF-8 is decoded strictly: a file that turns out not to be UTF-8 halfway stops the import with a
 * clear error instead of filling the list with U+FFFD. A file that mixes encodings is refused with the
 * line where it changes, whatever its size: a sample that is not UTF-8 but holds UTF-8 characters is
 * read as UTF-8 (so the first line that is not stops it), and a file read as Windows-1252 stops at the
 * first UTF-8 character (which Windows-1252 would turn into "RenÃ©e").
 */
import { closeSync, openSync, readSync } from 'node:fs';
import iconv from 'iconv-lite';
import { userError } from '../../errors';
import { shown } from '../../display';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface Detected {
  encoding: Encoding;
  /** Bytes of byte-order mark to skip. */
  bomBytes: number;
}

/** Files people pick by mistake, by their first bytes: what they are, in words. */
const NOT_TEXT: { magic: number[]; what: string }[] = [
  { magic: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' }, // %PDF
  { magic: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { magic: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' }, // GIF8
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a spreadsheet or ZIP file (such as .xlsx or .numbers)' }, // PK
  { magic: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old-style Excel or Word file (.xls or .doc)' },
  { magic: [0x7b, 0x5c, 0x72, 0x74, 0x66], what: 'a rich-text document (.rtf)' }, // {\rtf
];

/**
 * Refuses a file that is not text before anything reads it as rows: a PDF, an image, a spreadsheet
 * (by its first bytes), or anything else whose first 4 KB are more than 2 % zero bytes and not UTF-16
 * text (a stray zero byte in a name is a row problem, rejected with its line).
 * Without this a PDF "imports" as one column of garbage or fails deep in the parser with a message
 * about quotes.
 */
export function refuseNonText(sample: Uint8Array, label: string): void {
  const hit = NOT_TEXT.find((t) => t.magic.every((b, i) => sample[i] === b));
  let what = hit?.what;
  if (!what) {
    const { encoding } = detectEncoding(sample);
    if (encoding === 'utf-8' || encoding === 'windows-1252') {
      // Binary data is full of zero bytes; a text file may hold a stray one (a damaged name), which the
      // row checks reject with its line, so only many of them make a file "not text".
      const n = Math.min(sample.length, 4096);
      let zeros = 0;
      for (let i = 0; i < n; i++) if (sample[i] === 0) zeros++;
      if (zeros >= 4 && zeros > n * 0.02) what = 'not a text file';
    }
  }
  if (!what) return;
  throw userError(`${label} is ${what}, not a CSV or TSV export.`, {
    code: 'not_csv',
    safe: 'Nothing was imported.',
    next: 'Export the list from your ESP as CSV (for example Mailchimp: Audience → Export audience). From Excel or Numbers, use Save As / Export → CSV.',
  });
}

export function detectEncoding(sample: Uint8Array): Detected {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf)
    return { encoding: 'utf-8', bomBytes: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', bomBytes: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', bomBytes: 2 };
  // UTF-16 without a BOM: ASCII text puts a zero in every other byte.
  const n = Math.min(sample.length, 4096) & ~1;
  if (n >= 4) {
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i < n; i += 2) {
      if (sample[i] === 0) evenZeros++;
      if (sample[i + 1] === 0) oddZeros++;
    }
    const pairs = n / 2;
    if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05) return { encoding: 'utf-16le', bomBytes: 0 };
    if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) return { encoding: 'utf-16be', bomBytes: 0 };
  }
  // Not valid UTF-8 but holding UTF-8 characters: mixed. Read as UTF-8, which stops at the bad line.
  return {
    encoding: isUtf8(sample) || firstUtf8Char(sample, 0) >= 0 ? 'utf-8' : 'windows-1252',
    bomBytes: 0,
  };
}

/**
 * Length of the well-formed UTF-8 sequence starting at `i` (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF); 0 when it is not one; -1 when the bytes end before it does.
 */
function utf8SeqLen(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return 0;
  for (let k = 1; k < n; k++) {
    if (i + k >= b.length) return -1;
    const d = b[i + k]!;
    if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return 0;
  }
  return n;
}

/** Offset of the first multi-byte UTF-8 character at or after `from`, or -1 (-2: one is cut at the end). */
function firstUtf8Char(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) {
    if (b[i]! < 0xc2) continue;
    const n = utf8SeqLen(b, i);
    if (n > 1) return i;
    if (n === -1) return -2 - i;
  }
  return -1;
}

/** Offset of the first byte that is not part of well-formed UTF-8, or -1. */
function firstNonUtf8(b: Uint8Array, from: number): number {
  let i = from;
  while (i < b.length) {
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const n = utf8SeqLen(b, i);
    if (n === 0) return i;
    if (n === -1) return -1;
    i += n;
  }
  return -1;
}

/** 1-based physical line of byte `offset` of a file (LF, CRLF and lone CR end a line, as in the tokenizer). */
export function lineAtOffset(file: string, offset: number): number {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let line = 1;
    let pos = 0;
    let prevCr = false;
    while (pos < offset) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (n <= 0) break;
      line += countLines(buf.subarray(0, n), prevCr);
      prevCr = buf[n - 1] === 13;
      pos += n;
    }
    return line;
  } finally {
    closeSync(fd);
  }
}

/** Line ends in `b`: every CR, and every LF not right after a CR (`prevCr`: the byte before `b` was CR). */
export function countLines(b: Uint8Array, prevCr = false): number {
  let n = 0;
  let cr = prevCr;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 13) n++;
    else if (c === 10 && !cr) n++;
    cr = c === 13;
  }
  return n;
}

/** True when the sample is valid UTF-8, allowing a character cut off at the end of the sample. */
function isUtf8(sample: Uint8Array): boolean {
  let end = sample.length;
  // Back off over a trailing incomplete sequence (at most 3 continuation bytes).
  let k = end - 1;
  let cont = 0;
  while (k >= 0 && cont < 3 && (sample[k]! & 0xc0) === 0x80) {
    k--;
    cont++;
  }
  if (k >= 0) {
    const lead = sample[k]!;
    const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
    if (need > cont) end = k;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

export interface StreamDecoder {
  write(chunk: Uint8Array): string;
  end(): string;
}

export interface DecoderOptions {
  /** The 1-based line of a byte offset (counted from the first byte given to the decoder). */
  locate?: (offset: number) => number;
  /**
   * Windows-1252 only: stop at the first UTF-8 character (set when the encoding was detected, not
   * chosen by the person: a file that is Windows-1252 at the start and UTF-8 later mixes encodings).
   */
  refuseUtf8?: boolean;
}

export function createDecoder(
  encoding: Encoding,
  fileLabel: string,
  opts: DecoderOptions = {},
): StreamDecoder {
  const label = fileLabel; // display-safe already (display.ts#shown)
  const where = (offset: number) => {
    const line = opts.locate?.(offset);
    return line === undefined ? `near byte ${offset}` : `on line ${line}`;
  };
  if (encoding === 'utf-8') {
    const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let offset = 0;
    /** The last bytes of the previous chunk: a character cut by the read is checked whole. */
    let tail = new Uint8Array(0);
    const fail = (e: unknown, chunk: Uint8Array) => {
      const joined = new Uint8Array(tail.length + chunk.length);
      joined.set(tail);
      joined.set(chunk, tail.length);
      // Start at a character boundary within the carried tail.
      let from = 0;
      while (from < tail.length && (joined[from]! & 0xc0) === 0x80) from++;
      const bad = firstNonUtf8(joined, from);
      const at = offset - tail.length + (bad >= 0 ? bad : joined.length);
      return userError(
        `${label} is not valid UTF-8 ${where(at)}, though it is read as UTF-8: the file mixes encodings, or part of it is not text.`,
        {
          code: 'bad_encoding',
          safe: 'Nothing was imported; the list is unchanged.',
          next: 'Save the whole file in one encoding (in Excel: "CSV UTF-8") and import it again, or import it with --encoding windows-1252 if all of it came from an older Windows program.',
          appNext: 'Save the whole file in one encoding (in Excel: "CSV UTF-8") and import it again.',
          cause: e,
        },
      );
    };
    return {
      write(chunk) {
        try {
          const s = td.decode(chunk, { stream: true });
          offset += chunk.length;
          tail = chunk.slice(Math.max(0, chunk.length - 3));
          return s;
        } catch (e) {
          throw fail(e, chunk);
        }
      },
      end() {
        try {
          return td.decode();
        } catch (e) {
          throw fail(e, new Uint8Array(0));
        }
      },
    };
  }
  const dec = iconv.getDecoder(encoding === 'windows-1252' ? 'win1252' : encoding, { stripBOM: false });
  if (encoding !== 'windows-1252' || !opts.refuseUtf8) {
    return {
      write: (chunk) => dec.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
      end: () => dec.end() ?? '',
    };
  }
  let offset = 0;
  let tail = new Uint8Array(0);
  const check = (chunk: Uint8Array) => {
    const joined = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    const at = firstUtf8Char(joined, 0);
    if (at >= 0) {
      const n = utf8SeqLen(joined, at);
      const ch = new TextDecoder().decode(joined.subarray(at, at + n));
      throw userError(
        `${label} mixes encodings: ${where(offset - tail.length + at)} it has "${shown(ch, 4)}" written as UTF-8, while the lines before it are Windows-1252.`,
        {
          code: 'bad_encoding',
          safe: 'Nothing was imported; the list is unchanged.',
          next: 'Save the whole file in one encoding (in Excel: "CSV UTF-8") and import it again, or import it with --encoding windows-1252 if it really is all Windows-1252.',
          appNext: 'Save the whole file in one encoding (in Excel: "CSV UTF-8") and import it again.',
        },
      );
    }
    // A character possibly cut by the read: checked with the next chunk.
    tail = at <= -2 ? joined.slice(-2 - at) : new Uint8Array(0);
    offset += chunk.length;
  };
  return {
    write: (chunk) => {
      check(chunk);
      return dec.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    },
    end: () => dec.end() ?? '',
  };
}

/**
 * Picks the delimiter from the header line: the candidate that splits it into the most columns outside
 * quotes (Brevo exports use ';', Excel's "Unicode text" uses tab).
 */
export function detectDelimiter(headerLine: string): string {
  const candidates = [',', ';', '\t', '|'];
  let best = ',';
  let bestCount = 0;
  for (const c of candidates) {
    let count = 0;
    let inQuotes = false;
    for (const ch of headerLine) {
      if (ch === '"') inQuotes = !inQuotes;
      else if (ch === c && !inQuotes) count++;
    }
    if (count > bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best;
}
