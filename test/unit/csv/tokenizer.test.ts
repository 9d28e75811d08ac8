import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import {
  CsvTokenizer,
  MAX_RECORD,
  MAX_FIELDS,
  type CsvRecord,
  type BrokenRecord,
} from '../../../electron/engine/mirror/csv/tokenizer';
import { rng } from '../../../bench/genMailchimp';

function tokenize(text: string, delimiter = ',', chunk = text.length || 1) {
  const records: CsvRecord[] = [];
  const broken: BrokenRecord[] = [];
  const t = new CsvTokenizer(
    delimiter,
    (r) => records.push(r),
    (b) => broken.push(b),
  );
  for (let i = 0; i < text.length; i += chunk) t.push(text.slice(i, i + chunk));
  t.end();
  return { records, broken };
}

/** Random CSV with quotes, doubled quotes, embedded delimiters and newlines, CRLF/LF, empty fields. */
function randomCsv(seed: number, rows: number, delimiter: string): string {
  const rand = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!;
  const atoms = [
    'a',
    'Zoë',
    '王',
    'x y',
    '',
    ' ',
    'é',
    '1,5',
    'say "hi"',
    'two\nlines',
    'cr\r\nlf',
    delimiter,
    '"',
    'emoji 😀',
  ];
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const n = 1 + Math.floor(rand() * 6);
    const cells: string[] = [];
    for (let c = 0; c < n; c++) {
      const v = Array.from({ length: Math.floor(rand() * 3) }, () => pick(atoms)).join('');
      const needs = /["\r\n]/.test(v) || v.includes(delimiter) || rand() < 0.2;
      cells.push(needs ? `"${v.replace(/"/g, '""')}"` : v);
    }
    if (cells.length === 1 && cells[0] === '') cells[0] = '""';
    lines.push(cells.join(delimiter));
  }
  const eol = rand() < 0.5 ? '\r\n' : '\n';
  return lines.join(eol) + (rand() < 0.5 ? eol : '');
}

describe('CsvTokenizer', () => {
  it('agrees with Papa Parse on generated files, whatever the chunk size', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const delimiter = [',', ';', '\t'][seed % 3]!;
      const text = randomCsv(seed, 60, delimiter);
      const oracle = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: false }).data;
      // Papa Parse reports the end after a final newline as one more empty row; a CSV has none there.
      const last = oracle[oracle.length - 1];
      if (/\r?\n$/.test(text) && last?.length === 1 && last[0] === '') oracle.pop();
      for (const chunk of [1, 2, 3, 7, 64, 1000, text.length]) {
        const { records, broken } = tokenize(text, delimiter, chunk);
        expect(broken).toEqual([]);
        expect(
          records.map((r) => r.fields),
          `seed ${seed} chunk ${chunk}`,
        ).toEqual(oracle);
      }
    }
  });

  it('reports the physical line each record starts on and its raw text', () => {
    const text = 'h1,h2\r\na,"multi\nline"\r\nb,c\n\n"d""q",e';
    const { records } = tokenize(text, ',', 3);
    expect(records.map((r) => [r.line, r.raw])).toEqual([
      [1, 'h1,h2'],
      [2, 'a,"multi\nline"'],
      [4, 'b,c'],
      [6, '"d""q",e'],
    ]);
    expect(records[3]!.fields).toEqual(['d"q', 'e']);
  });

  it('handles lone CR line ends, a final line without newline and trailing delimiters', () => {
    const { records } = tokenize('a,b\rc,\rd', ',', 1);
    expect(records.map((r) => r.fields)).toEqual([['a', 'b'], ['c', ''], ['d']]);
  });

  it('reports a quote that never closes and resumes at the next line', () => {
    const { records, broken } = tokenize('h\n"never closed\nok\n', ',', 4);
    expect(broken).toHaveLength(1);
    expect(broken[0]!.line).toBe(2);
    expect(broken[0]!.reason).toMatch(/never closes/);
    expect(records.map((r) => r.fields)).toEqual([['h'], ['ok']]);
  });

  it('bounds a runaway quoted field instead of buffering the rest of the file', () => {
    const long = 'x'.repeat(MAX_RECORD + 10);
    const { records, broken } = tokenize(`h\n"${long}\nnext,row\n` + 'y'.repeat(100), ',', 65536);
    expect(broken).toHaveLength(1);
    expect(broken[0]!.reason).toMatch(/does not close within/);
    expect(records.some((r) => r.fields[0] === 'next')).toBe(true);
  });

  it('reports a record of too many fields broken and skips the rest of its line, whatever the chunks', () => {
    const wide = 'x,'.repeat(MAX_FIELDS * 3) + 'end';
    const text = `a,b\n${wide}\nc,d\n`;
    for (const chunk of [7, 1000, 65536, text.length]) {
      const { records, broken } = tokenize(text, ',', chunk);
      expect(records.map((r) => [r.line, r.fields])).toEqual([
        [1, ['a', 'b']],
        [3, ['c', 'd']],
      ]);
      expect(broken).toHaveLength(1);
      expect(broken[0]).toMatchObject({ line: 2, reason: `has more than ${MAX_FIELDS} columns` });
    }
  });
});
