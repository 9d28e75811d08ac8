/**
 * Byte → text for import files. Detects UTF-8 (with or without BOM), UTF-16 LE/BE (Excel's "Unicode
 * text", with or without BOM) and Windows-1252, and decodes as a stream whose decoders keep partial
 * characters between chunks, so a multibyte character split across a read boundary survives intact.
 * UTF-8 is decoded strictly: a file that turns out not to be UTF-8 halfway stops the import with a
 * clear error instead of filling the list with U+FFFD.
 */
import iconv from 'iconv-lite';
import { userError } from '../../errors';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface Detected {
  encoding: Encoding;
  /** Bytes of byte-order mark to skip. */
  bomBytes: number;
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
  return { encoding: isUtf8(sample) ? 'utf-8' : 'windows-1252', bomBytes: 0 };
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

export function createDecoder(encoding: Encoding, fileLabel: string): StreamDecoder {
  if (encoding === 'utf-8') {
    const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let offset = 0;
    const fail = (e: unknown) =>
      userError(`${fileLabel} is not valid UTF-8 near byte ${offset} (the start looked like UTF-8).`, {
        code: 'bad_encoding',
        safe: 'Nothing was imported; the list is unchanged.',
        next: 'Save the file as UTF-8 (in Excel: "CSV UTF-8"), or import it with --encoding windows-1252 if it came from an older Windows program.',
        cause: e,
      });
    return {
      write(chunk) {
        try {
          const s = td.decode(chunk, { stream: true });
          offset += chunk.length;
          return s;
        } catch (e) {
          throw fail(e);
        }
      },
      end() {
        try {
          return td.decode();
        } catch (e) {
          throw fail(e);
        }
      },
    };
  }
  const dec = iconv.getDecoder(encoding === 'windows-1252' ? 'win1252' : encoding, { stripBOM: false });
  return {
    write: (chunk) => dec.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
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
