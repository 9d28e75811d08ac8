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

describe('redact: the forms a credential travels in', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('masks base64 of any text that contains a secret, at each of the three byte alignments', () => {
    const secret = 'alignment-Secret-42';
    for (const prefix of ['', 'a', 'ab', 'abc', 'user@x\0', 'user=me\x01auth=Bearer ']) {
      const enc = b64(`${prefix}${secret}\x01\x01`);
      const out = redact(`payload ${enc} end`, [secret]);
      expect(out, prefix).toContain('[redacted]');
      // What is left of the encoded form is the wrapper's characters plus at most two bytes' worth at
      // each end of the secret (characters that mix the secret's edge bits with the wrapper's).
      expect(out.replace('payload ', '').replace(' end', '').replace('[redacted]', '').length).toBeLessThan(
        Math.ceil((prefix.length + 2) / 3) * 4 + 8 + 1,
      );
    }
  });

  it('registerHeaderCredential: a Basic header masks the header, the token and every form of user:key', async () => {
    const { registerHeaderCredential } = await import('../../../electron/engine/secrets');
    const key = 'feedface0123456789abcdef01234567-us9';
    const header = `Basic ${b64(`understudy:${key}`)}`;
    registerHeaderCredential(header);
    const text = `got "${header}", token ${b64(`understudy:${key}`)}, url ${Buffer.from(`understudy:${key}`).toString('base64url')}, key ${key}`;
    const out = redact(text);
    expect(out).not.toContain(key);
    expect(out).not.toContain(b64(`understudy:${key}`));
    expect(out).not.toContain(Buffer.from(`understudy:${key}`).toString('base64url'));
  });

  it('registerSmtpAuth and registerXoauth2: AUTH PLAIN (with and without authzid), LOGIN parts, XOAUTH2', async () => {
    const { registerSmtpAuth, registerXoauth2 } = await import('../../../electron/engine/secrets');
    registerSmtpAuth('mailer@shop.test', 'smtp-Pa55word');
    registerXoauth2('mailer@shop.test', 'ya29.token-abc-123');
    const forms = [
      b64('\0mailer@shop.test\0smtp-Pa55word'),
      b64('mailer@shop.test\0mailer@shop.test\0smtp-Pa55word'),
      b64('mailer@shop.test'),
      b64('smtp-Pa55word'),
      b64('user=mailer@shop.test\x01auth=Bearer ya29.token-abc-123\x01\x01'),
    ];
    const out = redact(`535 5.7.8 ${forms.join(' ')}`);
    for (const f of forms) expect(out).not.toContain(f);
    // The user name itself stays readable: only its encoded LOGIN part is masked.
    expect(redact('login as mailer@shop.test')).toBe('login as mailer@shop.test');
  });
});
