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
import type { RenderedMessage } from '../../../electron/engine/sending/render';

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

  it('encodes trailing whitespace and "=" and keeps lines at 76', () => {
    const qp = quotedPrintable('a = b \nc\t\n' + 'é'.repeat(60));
    expect(qp).toContain('a =3D b=20\r\nc=09\r\n');
    for (const l of qp.split('\r\n')) expect(l.length).toBeLessThanOrEqual(76);
  });

  it('quoted-printable decodes back to the text for any input (random strings, reused buffers)', () => {
    // Decoding per RFC 2045 6.7: soft breaks removed, =XX bytes, CRLF = line break.
    const decode = (qp: string) =>
      Buffer.from(
        qp
          .replace(/=\r\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
          .replace(/\r\n/g, '\n'),
        'latin1',
      ).toString('utf8');
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
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
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
      expect(decode(qp)).toBe(s.replace(/\r\n/g, '\n'));
    }
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
