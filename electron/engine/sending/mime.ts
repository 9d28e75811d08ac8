/**
 * A fast MIME writer for the common campaign message: text + HTML as multipart/alternative, both
 * quoted-printable UTF-8, with the headers the renderer produced. nodemailer's composer builds a tree
 * of streams and runs regular expressions per line for every message — most of the CPU a send spends
 * (measured: about 3/4 of it for a 5 KiB message). Here one message is one string concatenation and one
 * byte loop per part.
 *
 * Only messages this writer fully understands take the fast path (`canWriteFast`): no DKIM (nodemailer
 * signs those), ASCII addresses (no SMTPUTF8), no attachments. Everything else goes through nodemailer,
 * so the fast path is an optimisation, never a change of behaviour. Header lines are folded at 78
 * characters where a fold is allowed (RFC 5322 section 2.2.3), non-ASCII header text is RFC 2047
 * B-encoded in whole UTF-8 characters, and body lines are soft-broken at 76 (RFC 2045 section 6.7).
 *
 * Two more things make a campaign cheap per message:
 * - a body the renderer hands over as pieces (the campaign's static text and the subscriber's values)
 *   has its static text encoded once per campaign; only the values are encoded per message;
 * - the output is ready for SMTP DATA as it is: CRLF line ends only, and a "." that starts a line is
 *   encoded (=2E), so the SMTP session skips its dot-stuffing pass and writes the bytes unchanged.
 */
import { randomBytes } from 'node:crypto';
import type { Piece, RenderedMessage } from './render';

const ASCII = /^[\x20-\x7e]*$/;
const BOUNDARY_SEED = randomBytes(8).toString('hex');
let boundaryCount = 0;

export function canWriteFast(m: RenderedMessage): boolean {
  if (m.dkim) return false;
  // A header line that starts with "." would need dot-stuffing; the output is promised dot-safe.
  for (const k in m.headers) if (k.charCodeAt(0) === 0x2e) return false;
  const addr = (s: string) => /^[\x20-\x7e]*$/.test(s.replace(/^.*</, '').replace(/>.*$/, ''));
  return addr(m.from) && addr(m.to) && (m.replyTo === undefined || addr(m.replyTo));
}

/** RFC 2047 encoded-words for a header value with non-ASCII text (whole characters per word). */
export function encodeWords(value: string): string {
  if (ASCII.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch);
    // 75 chars per word: "=?UTF-8?B?" + base64 + "?=" leaves 63 base64 chars = 45 bytes... keep 42.
    if (bytes + n > 42) {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** "Display Name" <addr> with a non-ASCII display name encoded. */
function encodeAddress(v: string): string {
  if (ASCII.test(v)) return v;
  const m = /^\s*"?(.*?)"?\s*<([^>]+)>\s*$/.exec(v);
  if (!m) return v;
  return `${encodeWords(m[1]!.replace(/\\(["\\])/g, '$1'))} <${m[2]}>`;
}

/** Folds a header line at spaces (after commas first) so no line exceeds 78 characters if possible. */
export function foldHeader(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= 78 || value.includes('\r\n')) return line;
  const out: string[] = [];
  let cur = `${name}:`;
  for (const part of value.split(/(?<=,) /)) {
    const piece = ` ${part}`;
    if (cur.length + piece.length > 78 && cur.length > name.length + 1) {
      out.push(cur);
      cur = piece;
    } else cur += piece;
  }
  out.push(cur);
  return out.join('\r\n');
}

const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
/** Headers this writer sets itself; a duplicate from the renderer is dropped. */
const OWN = new Set([
  'from',
  'to',
  'reply-to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);

/** Buffers of `quotedPrintable`, reused (grown when needed): it encodes one part at a time. */
let qpIn = Buffer.allocUnsafeSlow(1 << 16);
let qpOut = Buffer.allocUnsafeSlow(1 << 18);

/**
 * Quoted-printable (RFC 2045 6.7) of UTF-8 text, with CRLF line ends and soft breaks at 76.
 *
 * Per byte: CRLF and LF are a line break (a lone CR is encoded); printable ASCII except "=" is kept;
 * a space or tab is kept but needs room for 3 (it is encoded if the line ends after it); everything
 * else is =XX; a line is soft-broken ("=" CRLF) before it would pass 75 characters plus the "=".
 * The UTF-8 bytes and the output go to two buffers reused across calls: no allocation per message
 * but the returned string (this runs twice for every message sent).
 */
export function quotedPrintable(text: string): string {
  const end = qpInto(text, 0);
  return qpOut.toString('latin1', 0, end);
}

/** Encodes `text` into `qpOut` from `start` (growing it, keeping what is before `start`); returns the end. */
function qpInto(text: string, start: number): number {
  let len: number;
  if (text.length <= SHORT && isAscii(text)) {
    // A subscriber's value: copied with charCodeAt, cheaper than a call into the UTF-8 writer.
    len = text.length;
    for (let i = 0; i < len; i++) qpIn[i] = text.charCodeAt(i);
  } else {
    if (qpIn.length < text.length * 3) qpIn = Buffer.allocUnsafeSlow(text.length * 3);
    len = qpIn.write(text, 0, 'utf8');
  }
  const src = qpIn;
  // Worst case: every byte encoded (3x) plus a soft break ("=" CRLF) every 25 encoded bytes.
  if (qpOut.length < start + len * 4 + 16) {
    const bigger = Buffer.allocUnsafeSlow(2 * (start + len * 4 + 16));
    qpOut.copy(bigger, 0, 0, start);
    qpOut = bigger;
  }
  const out = qpOut;
  let o = start;
  let col = 0;
  for (let i = 0; i < len; i++) {
    const b = src[i]!;
    if (b >= 33 && b <= 126 && b !== 0x3d) {
      if (col === 75) {
        out[o++] = 0x3d;
        out[o++] = 0x0d;
        out[o++] = 0x0a;
        col = 0;
      }
      // A "." that starts a line is encoded (=2E): the output then never needs SMTP dot-stuffing.
      if (b !== 0x2e || col !== 0) {
        out[o++] = b;
        col++;
        continue;
      }
    }
    if (b === 0x0d && i + 1 < len && src[i + 1] === 0x0a) continue; // CRLF and LF are both a line break
    if (b === 0x0a) {
      o = encodeTrailingSpace(out, o, col, start);
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      col = 0;
      continue;
    }
    // Room for 3 also for a space or tab: it may have to be encoded if the line ends after it.
    if (col > 72) {
      out[o++] = 0x3d;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      col = 0;
    }
    if (b === 0x20 || b === 0x09) {
      out[o++] = b;
      col++;
    } else {
      out[o++] = 0x3d;
      out[o++] = HEX[b >> 4]!;
      out[o++] = HEX[b & 15]!;
      col += 3;
    }
  }
  return encodeTrailingSpace(out, o, col, start);
}

/** Subscriber values are short: an ASCII one this long or less is copied without the UTF-8 writer. */
const SHORT = 256;
const NOT_ASCII = /[\u0080-\uffff]/;
function isAscii(s: string): boolean {
  return !NOT_ASCII.test(s);
}

/** Makes room in `qpOut` for `extra` more bytes after `used`, keeping what is there. */
function ensureQp(used: number, extra: number): void {
  if (qpOut.length >= used + extra) return;
  const bigger = Buffer.allocUnsafeSlow(2 * (used + extra));
  qpOut.copy(bigger, 0, 0, used);
  qpOut = bigger;
}

/**
 * Encodes a body given as pieces (see RenderedMessage.htmlPieces) into `qpOut` from `start`; returns the
 * end, or -1 when the pieces cannot be encoded apart (the caller encodes the joined text instead).
 *
 * Each piece is encoded as if it began a line, and a soft line break ("=" CRLF, RFC 2045 6.7 rule 5)
 * separates it from the one before unless that one ended with a line break. A decoder removes the soft
 * breaks, so the text is the same as when the joined string is encoded; only the lines are cut at
 * other places. The static text of the campaign is then encoded once, and only the subscriber's
 * values per message.
 */
function qpPiecesInto(pieces: readonly Piece[], joinedLength: number, start: number): number {
  let total = 0;
  for (const p of pieces) {
    const t = typeof p === 'string' ? p : p.text;
    // A CR at the end of a piece would be cut from an LF in the next one (a line break in the text).
    if (t.charCodeAt(t.length - 1) === 0x0d) return -1;
    total += t.length;
  }
  if (total !== joinedLength) return -1;
  let o = start;
  for (const p of pieces) {
    if (o > start && !(qpOut[o - 2] === 0x0d && qpOut[o - 1] === 0x0a)) {
      ensureQp(o, 3);
      qpOut[o++] = 0x3d;
      qpOut[o++] = 0x0d;
      qpOut[o++] = 0x0a;
    }
    if (typeof p === 'string') {
      o = qpInto(p, o);
      continue;
    }
    // Encoded once per campaign: the StaticText objects are the campaign's, shared by its messages.
    let enc = p.encoded;
    if (!enc) {
      const end = qpInto(p.text, o);
      enc = p.encoded = Uint8Array.prototype.slice.call(qpOut, o, end);
    }
    ensureQp(o, enc.length);
    qpOut.set(enc, o);
    o += enc.length;
  }
  return o;
}

/** A space or tab that ends a line is encoded (RFC 2045 6.7 rule 3). Returns the new length. */
function encodeTrailingSpace(out: Buffer, o: number, col: number, start = 0): number {
  const w = out[o - 1];
  if (col > 0 && o > start && (w === 0x20 || w === 0x09)) {
    out[o - 1] = 0x3d;
    out[o++] = HEX[w >> 4]!;
    out[o++] = HEX[w & 15]!;
  }
  return o;
}

/** The whole message as RFC 5322 text with CRLF line ends. */
export function writeMessage(m: RenderedMessage, date: Date = new Date()): string {
  return encodeMessage(m, date).toString('utf8');
}

/**
 * The whole message as bytes, ready for SMTP DATA (the SMTP client dot-stuffs it): the headers, then
 * the parts quoted-printable encoded straight into one buffer and copied once into the result.
 */
export function encodeMessage(m: RenderedMessage, date: Date = new Date()): Buffer {
  // "=_" can never occur in quoted-printable output, so this boundary cannot collide with a body.
  const boundary = `----=_understudy_${BOUNDARY_SEED}_${(++boundaryCount).toString(36)}`;
  const h: string[] = [
    foldHeader('From', encodeAddress(m.from)),
    foldHeader('To', encodeAddress(m.to)),
    ...(m.replyTo ? [foldHeader('Reply-To', encodeAddress(m.replyTo))] : []),
    `Subject: ${encodeWords(m.subject)}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
  ];
  for (const [k, v] of Object.entries(m.headers))
    if (!OWN.has(k.toLowerCase())) h.push(foldHeader(k, encodeWords(v)));
  const QP = 'charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
  let textEnd = m.textPieces ? qpPiecesInto(m.textPieces, m.text.length, 0) : -1;
  if (textEnd < 0) textEnd = qpInto(m.text, 0);
  if (m.html === undefined) {
    h.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable');
    // The message must end with CRLF (SMTP data does). A text that ends with a line break already
    // does; one that does not ends with a soft break ("=" CRLF), which decodes to nothing.
    const endsWithBreak = textEnd >= 2 && qpOut[textEnd - 2] === 0x0d && qpOut[textEnd - 1] === 0x0a;
    return assemble([`${h.join('\r\n')}\r\n\r\n`, [0, textEnd], endsWithBreak ? '' : '=\r\n']);
  }
  h.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
  let htmlEnd = m.htmlPieces ? qpPiecesInto(m.htmlPieces, m.html.length, textEnd) : -1;
  if (htmlEnd < 0) htmlEnd = qpInto(m.html, textEnd);
  return assemble([
    `${h.join('\r\n')}\r\n\r\n--${boundary}\r\nContent-Type: text/plain; ${QP}`,
    [0, textEnd],
    `\r\n--${boundary}\r\nContent-Type: text/html; ${QP}`,
    [textEnd, htmlEnd],
    `\r\n--${boundary}--\r\n`,
  ]);
}

/**
 * Messages are cut from 1 MiB slabs, as Node cuts small Buffers from its 8 KiB pool: a ~5 KiB
 * Buffer of its own costs an ArrayBuffer allocation each (measured: a fifth of encoding a message).
 * A slab is never reused; it is freed when the last message cut from it is (the sockets hold them
 * only until written), so at most a few slabs are alive during a campaign.
 */
const SLAB_BYTES = 1 << 20;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

function slice(size: number): Buffer {
  if (size > SLAB_BYTES / 8) return Buffer.allocUnsafe(size);
  if (slabUsed + size > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  // 8-byte aligned, as Node's pool does.
  slabUsed += (size + 7) & ~7;
  return out;
}

/** Strings (UTF-8) and ranges of `qpOut`, concatenated into one new Buffer. */
function assemble(pieces: (string | [number, number])[]): Buffer {
  let size = 0;
  for (const p of pieces) size += typeof p === 'string' ? Buffer.byteLength(p) : p[1] - p[0];
  const out = slice(size);
  let o = 0;
  for (const p of pieces)
    o += typeof p === 'string' ? out.write(p, o, 'utf8') : qpOut.copy(out, o, p[0], p[1]);
  return out;
}
