/** The import wizard's preview surfaces the questions the import would stop on. */
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { previewImport } from '../../../electron/engine/mirror/csv/preview';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('import preview', () => {
  it("asks about a column about consent whose meaning is unclear, in a marketer's words, until it is mapped", () => {
    const head = bytes('Email,Name,Unsubscribe reason\na@example.com,A,too many\n');
    const r = previewImport(head);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.problem).toMatchObject({ columns: ['Unsubscribe reason'] });
    expect(r.value.problem!.message).toMatch(/"Unsubscribe reason" may say who agreed to get email/);
    expect(r.value.problem!.message + r.value.problem!.next).not.toMatch(/--map|--status/);
    const fixed = previewImport(head, { map: { 'Unsubscribe reason': 'status_reason' } });
    expect(fixed.ok && fixed.value.problem).toBe(null);
  });

  it('shows the opt-out columns it recognised, and the new formats', () => {
    const r = previewImport(
      bytes('Email Address,First Name,Last Name,UNSUB_TIME\na@example.com,A,B,2024-01-01\n'),
    );
    expect(r.ok && r.value.detectedFormat).toBe('mailchimp');
    const k = previewImport(
      bytes('Email,Klaviyo ID,First Name,Email Marketing Consent\na@example.com,1,A,NEVER_SUBSCRIBED\n'),
    );
    expect(k.ok && k.value).toMatchObject({
      detectedFormat: 'klaviyo',
      targets: ['email', 'esp_id', 'first_name', 'consent'],
    });
    const g = previewImport(bytes('Email,Do not email\na@example.com,yes\n'));
    expect(g.ok && g.value.targets).toEqual(['email', 'blocklisted']);
  });

  it('refuses a file that mixes encodings with the line', () => {
    const head = new Uint8Array(
      Buffer.concat([
        Buffer.from('Email,Name\na@example.com,Renée\n', 'utf8'),
        iconv.encode('b@example.com,Noël\n', 'win1252'),
      ]),
    );
    const r = previewImport(head);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'bad_encoding' });
    expect(r.error.message).toMatch(/on line 3\b/);
  });
});
