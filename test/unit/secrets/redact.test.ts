import { describe, expect, it } from 'vitest';
import { forgetSecret, redact, redactError, registerSecret } from '../../../electron/engine/secrets';

describe('redact', () => {
  it('masks a secret, its base64 (SMTP AUTH) and URL-encoded forms', () => {
    const pw = 'p@ss word/+1';
    const line = `AUTH PLAIN ${Buffer.from(pw).toString('base64')} url=smtp://u:${encodeURIComponent(pw)}@h pw=${pw}`;
    const out = redact(line, [pw]);
    expect(out).not.toContain(pw);
    expect(out).not.toContain(Buffer.from(pw).toString('base64'));
    expect(out).not.toContain(encodeURIComponent(pw));
    expect(out.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('masks registered secrets without being told them again, until forgotten', () => {
    registerSecret('registered-secret-123');
    expect(redact('error: registered-secret-123 rejected')).toBe('error: [redacted] rejected');
    forgetSecret('registered-secret-123');
    expect(redact('registered-secret-123')).toBe('registered-secret-123');
  });

  it('leaves text alone when there is nothing to mask, and ignores very short values', () => {
    expect(redact('hello', [])).toBe('hello');
    expect(redact('a b c', ['a'])).toBe('a b c');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    expect(redact('xx secret-long yy', ['secret', 'secret-long'])).toBe('xx [redacted] yy');
  });

  it('scrubs an error message and stack', () => {
    const e = redactError(new Error('login failed for key sk_live_abcdef'), ['sk_live_abcdef']);
    expect(e.message).toBe('login failed for key [redacted]');
    expect(e.stack).not.toContain('sk_live_abcdef');
  });
});
