/**
 * The DATA phase of a message (smtpSession.ts `dataPhase`): dot-stuffing, line ends and the terminator,
 * byte for byte. The fast path (CRLF-clean input) and the general loop must agree with RFC 5321 4.5.2.
 */
import { describe, expect, it } from 'vitest';
import { dataPhase } from '../../../electron/engine/sending/smtpSession';

const wire = (s: string) => dataPhase(Buffer.from(s, 'latin1')).toString('latin1');

describe('dataPhase', () => {
  it('appends only the terminating dot to a clean message ending in CRLF', () => {
    expect(wire('Subject: a\r\n\r\nhello\r\n')).toBe('Subject: a\r\n\r\nhello\r\n.\r\n');
  });

  it('ends the last line when the message does not', () => {
    expect(wire('Subject: a\r\n\r\nhello')).toBe('Subject: a\r\n\r\nhello\r\n.\r\n');
    expect(wire('')).toBe('.\r\n');
  });

  it('doubles a dot at the start of every line, the first line included', () => {
    expect(wire('.a\r\n..b\r\nc.d\r\n.\r\n')).toBe('..a\r\n...b\r\nc.d\r\n..\r\n.\r\n');
  });

  it('turns lone CR and lone LF into CRLF, and stuffs the dots that follow them', () => {
    expect(wire('a\nb\rc\r\n.d\n.e\r.f')).toBe('a\r\nb\r\nc\r\n..d\r\n..e\r\n..f\r\n.\r\n');
    expect(wire('a\r')).toBe('a\r\n.\r\n');
    // "\r.\r" must never reach the server: a receiver taking a lone CR as a line end would end the data.
    expect(wire('x\r.\ry\r\n')).toBe('x\r\n..\r\ny\r\n.\r\n');
  });

  it('never leaves a line that is a lone dot before the terminator', () => {
    for (const body of ['\r\n.\r\n', '.\r\n', 'a\n.\nb', '\r.\r', '.', '..\r\n.']) {
      const out = wire(body);
      const lines = out.split('\r\n');
      // The only "." line is the terminator, followed by the final empty string of the split.
      expect(lines.indexOf('.')).toBe(lines.length - 2);
      expect(/\r(?!\n)|(?<!\r)\n/.test(out)).toBe(false);
    }
  });

  it('leaves a clean message without leading dots as the same bytes (no copy but the terminator)', () => {
    const raw = Buffer.from(`Subject: x\r\n\r\n${'é line\r\n'.repeat(1000)}`, 'utf8');
    const out = dataPhase(raw);
    expect(out.subarray(0, raw.length).equals(raw)).toBe(true);
    expect(out.subarray(raw.length).toString()).toBe('.\r\n');
  });
});
