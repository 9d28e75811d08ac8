import { describe, expect, it } from 'vitest';
import { escapeFormula, unescapeFormula } from '../../../electron/engine/mirror/csv/values';
import { shown, quoteList } from '../../../electron/engine/display';

describe('spreadsheet formula escaping', () => {
  it('is reversible for every string, and leaves no cell starting as a formula (generated cases)', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ALPHA = ['=', '+', '-', '@', '\t', '\r', "'", '"', 'a', ' ', 'é'];
    for (let k = 0; k < 20000; k++) {
      let v = '';
      for (let i = rnd(6); i > 0; i--) v += ALPHA[rnd(ALPHA.length)];
      const e = escapeFormula(v);
      expect(unescapeFormula(e)).toBe(v);
      expect(e).not.toMatch(/^[=+\-@\t\r]/);
    }
  });

  it.each([
    ['=1+1', "'=1+1"],
    ["'=1+1", "''=1+1"],
    ["'", "''"],
    ["'abc", "''abc"],
    ['abc', 'abc'],
    ['', ''],
    ['\tx', "'\tx"],
  ])('%j is written %j', (v, e) => {
    expect(escapeFormula(v)).toBe(e);
    expect(unescapeFormula(e)).toBe(v);
  });
});

describe('text from a file in a message', () => {
  it('escapes terminal control sequences and bidi overrides', () => {
    expect(shown('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(shown('a\u0000b\u009bc\u202ed')).toBe('a\\x00b\\x9bc\\u{202e}d');
  });
  it('quotes at most about 200 characters of a huge value, saying how long it was', () => {
    const s = shown('x'.repeat(10_000_000));
    expect(s.length).toBeLessThan(260);
    expect(s).toMatch(/10000000 characters/);
    const list = quoteList(Array.from({ length: 100_000 }, (_, i) => `column ${i}`));
    expect(list.length).toBeLessThan(300);
    expect(list).toMatch(/and \d+ more$/);
  });
});
