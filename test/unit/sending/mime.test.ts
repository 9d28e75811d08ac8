/** The fast MIME writer round-trips through a real parser (mailparser) exactly. */
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import {
  canWriteFast,
  encodeMessage,
  foldHeader,
  quotedPrintable,
  writeMessage,
} from '../../../electron/engine/sending/mime';
import type { Piece, RenderedMessage, StaticText } from '../../../electron/engine/sending/render';
import { dataPhase } from '../../../electron/engine/sending/smtpSession';

/** Quoted-printable decoding per RFC 2045 6.7: soft breaks removed, =XX bytes, CRLF = line break. */
const decodeQp = (qp: string) =>
  Buffer.from(
    qp
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\r\n/g, '\n'),
    'latin1',
  ).toString('utf8');

/** A small seeded generator (32-bit LCG), so a failing case can be run again: rnd(n) is in [0, n). */
function randomInts(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

/** The two parts of a multipart/alternative message from encodeMessage, still encoded. */
function partsOf(raw: string): { text: string; html: string } {
  const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
  const [, text, html] = raw.split(`--${boundary}`);
  const body = (p: string) => p!.slice(p!.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  return { text: body(text!), html: body(html!) };
}

const base: RenderedMessage = {
  from: '"Café Müller" <news@shop.test>',
  to: 'ann@example.test',
  subject: 'Grüße zum Winterschlussverkauf — 20 % auf alles, nur diese Woche! ☃️ Jetzt ansehen',
  html: `<p>Hallo Ann,</p>\n<p>${'lange Zeile mit Umlauten äöü '.repeat(20)}</p>\n.\n<p>trailing space </p>\n`,
  text: `Hallo Ann,\n${'x'.repeat(200)}\n.leading dot\ntab\tand = sign \n`,
  messageId: '<understudy.c1.s2@shop.test>',
  headers: {
    'List-Unsubscribe':
      '<mailto:unsubscribe@shop.test?subject=unsubscribe-abcdefghijklmnopqrstuvwxyz0123456789>, <https://shop.test/u?t=abcdefghijklmnopqrstuvwxyz0123456789abcdef>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

describe('fast MIME writer', () => {
  it('round-trips subject, names, text and HTML exactly', async () => {
    const raw = writeMessage(base, new Date(Date.UTC(2026, 10, 23, 6, 0, 0)));
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    const body = raw.slice(raw.indexOf('\r\n\r\n'));
    for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(raw).not.toMatch(/[^\r]\n/);
    const p = await simpleParser(raw);
    expect(p.subject).toBe(base.subject);
    expect(p.from?.value[0]).toEqual({ name: 'Café Müller', address: 'news@shop.test' });
    expect(p.messageId).toBe(base.messageId);
    expect(p.text).toBe(base.text);
    expect(p.html).toBe(base.html);
    expect(p.date?.toISOString()).toBe('2026-11-23T06:00:00.000Z');
    const lu = raw.match(/^List-Unsubscribe: [\s\S]*?(?=\r\n\S)/m)![0].replace(/\r\n /g, ' ');
    expect(lu).toBe(`List-Unsubscribe: ${base.headers['List-Unsubscribe']}`);
  });

  it('a text-only message keeps its text exactly (no extra blank line at its end)', async () => {
    for (const text of ['one line\n', 'no final break', 'two\n\n'])
      expect((await simpleParser(encodeMessage({ ...base, html: undefined, text }))).text).toBe(text);
  });

  it('encodes trailing whitespace and "=" and keeps lines at 76', () => {
    const qp = quotedPrintable('a = b \nc\t\n' + 'é'.repeat(60));
    expect(qp).toContain('a =3D b=20\r\nc=09\r\n');
    for (const l of qp.split('\r\n')) expect(l.length).toBeLessThanOrEqual(76);
  });

  it('quoted-printable decodes back to the text for any input (random strings, reused buffers)', () => {
    const pieces = [
      'a',
      ' ',
      '\t',
      '=',
      '\r',
      '\n',
      '\r\n',
      'é',
      '€',
      '😀',
      '.',
      'x'.repeat(70),
      '~',
      '\x00',
    ];
    const rnd = randomInts(7);
    for (let k = 0; k < 2000; k++) {
      let s = '';
      for (let i = rnd(120); i > 0; i--) s += pieces[rnd(pieces.length)];
      const qp = quotedPrintable(s);
      expect(qp).toMatch(/^[\t\x20-\x7e\r\n]*$/);
      for (const line of qp.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).not.toMatch(/[ \t]$/);
      }
      // A lone CR is data (=0D), CRLF and LF are line breaks.
      expect(decodeQp(qp)).toBe(s.replace(/\r\n/g, '\n'));
    }
  });

  it('a body given as pieces (static text once per campaign, values per message) encodes to the same text', () => {
    const words = ['a', ' ', '\t', '=', '.', '\n', '\r\n', 'é', '😀', 'x'.repeat(90), '<p class="x">', '~'];
    const rnd = randomInts(11);
    const word = (max: number) => {
      let s = '';
      for (let i = rnd(max); i > 0; i--) s += words[rnd(words.length)];
      return s;
    };
    // One campaign's static text, shared by its messages (as the renderer does).
    const statics: StaticText[] = Array.from({ length: 6 }, () => ({ text: word(12) || 'x' }));
    for (let k = 0; k < 400; k++) {
      const body = (): Piece[] =>
        Array.from({ length: 1 + rnd(8) }, (_, i) => (i % 2 === 0 ? statics[rnd(statics.length)]! : word(4)))
          // A value never ends a piece with a lone CR here: that case falls back to the joined text.
          .filter((p) => (typeof p === 'string' ? p !== '' && !p.endsWith('\r') : true));
      const htmlPieces = body();
      const textPieces = body();
      const join = (ps: Piece[]) => ps.map((p) => (typeof p === 'string' ? p : p.text)).join('');
      const m: RenderedMessage = {
        ...base,
        html: join(htmlPieces),
        text: join(textPieces),
        htmlPieces,
        textPieces,
      };
      const raw = encodeMessage(m).toString('latin1');
      const parts = partsOf(raw);
      for (const part of [parts.text, parts.html]) {
        for (const line of part.split('\r\n')) {
          expect(line.length).toBeLessThanOrEqual(76);
          expect(line).not.toMatch(/[ \t]$/);
        }
      }
      expect(decodeQp(parts.html)).toBe(m.html!.replace(/\r\n/g, '\n'));
      expect(decodeQp(parts.text)).toBe(m.text.replace(/\r\n/g, '\n'));
    }
  });

  it('pieces that do not join to the text, or cut a CRLF, are ignored: the joined text is encoded', async () => {
    const wrong: RenderedMessage = { ...base, htmlPieces: [{ text: 'something else' }] };
    expect((await simpleParser(encodeMessage(wrong))).html).toBe(base.html);
    const cut: RenderedMessage = {
      ...base,
      text: 'a\r\nb\n',
      textPieces: [{ text: 'a\r' }, '\nb\n'],
    };
    expect((await simpleParser(encodeMessage(cut))).text).toBe('a\nb\n');
  });

  it('its output is ready for SMTP DATA: CRLF line ends only, and no line starts with "."', () => {
    const dotty: RenderedMessage = {
      ...base,
      html: '.a\n..b\n' + 'y'.repeat(75) + '.c\n.',
      text: '.\n.x\r\n' + 'z'.repeat(150) + '\n.',
      htmlPieces: [{ text: '.a\n' }, '..b\n', { text: 'y'.repeat(75) + '.c\n' }, '.'],
    };
    for (const m of [base, dotty, { ...dotty, htmlPieces: undefined }]) {
      const raw = encodeMessage(m);
      const s = raw.toString('latin1');
      expect(s).not.toMatch(/(^|\n)\./);
      expect(s).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
      // dot-stuffing would change nothing: the bytes go out as they are, then the final dot.
      expect(dataPhase(raw).equals(Buffer.concat([raw, Buffer.from('.\r\n')]))).toBe(true);
    }
  });

  it('a header whose name starts with "." is left to nodemailer (the fast output is promised dot-safe)', () => {
    expect(canWriteFast({ ...base, headers: { '.X-Odd': '1' } })).toBe(false);
  });

  it('encodeMessage gives the bytes writeMessage describes', () => {
    const d = new Date(Date.UTC(2026, 10, 23, 6, 0, 0));
    const strip = (s: string) => s.replace(/----=_understudy_\w+/g, 'B');
    expect(strip(encodeMessage(base, d).toString('utf8'))).toBe(strip(writeMessage(base, d)));
    const textOnly = { ...base, html: undefined };
    expect(strip(encodeMessage(textOnly, d).toString('utf8'))).toBe(strip(writeMessage(textOnly, d)));
  });

  it('folds long headers only where allowed', () => {
    expect(foldHeader('X', 'short')).toBe('X: short');
    const f = foldHeader('List-Unsubscribe', base.headers['List-Unsubscribe']!);
    expect(f.split('\r\n')).toHaveLength(2);
  });

  it('leaves DKIM-signed and SMTPUTF8 messages to nodemailer', () => {
    expect(canWriteFast(base)).toBe(true);
    expect(
      canWriteFast({ ...base, dkim: { domainName: 'shop.test', keySelector: 's', privateKey: 'k' } }),
    ).toBe(false);
    expect(canWriteFast({ ...base, to: 'jörg@example.test' })).toBe(false);
  });
});
