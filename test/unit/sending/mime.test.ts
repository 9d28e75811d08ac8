/** The fast MIME writer round-trips through a real parser (mailparser) exactly. */
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import {
  canWriteFast,
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
