import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, isPlainText } from '../../../electron/engine/mirror/csv/batchCodec';
import type { StagedRow } from '../../../electron/engine/db/repos/imports';

const row = (line: number, email: string, extra: string, optin: string | null): StagedRow => [
  line,
  email,
  email.toLowerCase(),
  'Zoë',
  '',
  'zoë',
  'subscribed',
  null,
  null,
  '{"ADDRESS":"1 Main St, \\"Springfield\\""}',
  '[]',
  extra,
  optin,
  null,
  null,
  '',
  null,
  null,
];

describe('import batch codec', () => {
  it('round-trips rows exactly: nulls, empty strings, quotes, multibyte text, the line as a number', () => {
    const rows = [
      row(2, 'A@Example.com', '{"NOTES":"said \\"hi\\"\\n😀"}', '2024-01-03T10:11:12.000Z'),
      row(3, 'b@example.com', '{}', null),
    ];
    const text = encodeBatch(rows, true);
    expect(text.startsWith('s')).toBe(true);
    expect(decodeBatch(text)).toEqual(rows);
    expect(decodeBatch(encodeBatch([], true))).toEqual([]);
  });

  it('falls back to JSON when the file held a separator character, so such values survive intact', () => {
    expect(isPlainText('plain, "quoted"\r\nnext')).toBe(true);
    expect(isPlainText('a\u0000b')).toBe(false);
    expect(isPlainText('a\u0002')).toBe(false);
    const rows = [row(2, 'a@example.com', '{"NOTES":"nul \\u0000 and \u0001 \u0002"}', null)];
    const text = encodeBatch(rows, false);
    expect(text.startsWith('j')).toBe(true);
    expect(decodeBatch(text)).toEqual(rows);
    // What the separated form would do with such a value: it must not be used for it.
    expect(decodeBatch(encodeBatch(rows, true))).not.toEqual(rows);
  });
});
