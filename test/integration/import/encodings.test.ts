import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';

const NAMES = ['José', 'Zoë', 'Łukasz', '王小明', 'Ёлка', 'Renée', 'Ægir', 'Nguyễn', '😀 Smile'];

function rowsText(n: number, delimiter = ','): string {
  let s = `Email${delimiter}First Name\r\n`;
  for (let i = 0; i < n; i++) s += `p${i}@example.com${delimiter}${NAMES[i % NAMES.length]}\r\n`;
  return s;
}

async function namesOf(
  engine: ReturnType<typeof testEngine>['engine'],
  list: string,
): Promise<Map<string, string>> {
  const l = engine.repos.lists.byName(list)!;
  return new Map([...engine.repos.subscribers.iterate(l.id)].map((s) => [s.emailNorm, s.firstName]));
}

describe('import encodings', () => {
  const cases: [string, (s: string) => Buffer, string[]][] = [
    ['UTF-8 without BOM', (s) => Buffer.from(s, 'utf8'), NAMES],
    [
      'UTF-8 with BOM',
      (s) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')]),
      NAMES,
    ],
    [
      'UTF-16 LE with BOM (Excel "Unicode text")',
      (s) => Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(s, 'utf16le')]),
      NAMES,
    ],
    [
      'UTF-16 BE with BOM',
      (s) => Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(s, 'utf16be')]),
      NAMES,
    ],
    ['UTF-16 LE without BOM', (s) => iconv.encode(s, 'utf16le'), NAMES],
    ['UTF-16 BE without BOM', (s) => iconv.encode(s, 'utf16be'), NAMES],
    ['Windows-1252', (s) => iconv.encode(s, 'win1252'), ['José', 'Zoë', 'Renée', 'Ægir', 'Noël']],
  ];
  for (const [name, encode, names] of cases) {
    it(`reads ${name}`, async () => {
      const { engine, dir } = testEngine();
      const f = join(dir, 'x.csv');
      let text = 'Email\tFirst Name\r\n';
      names.forEach((n, i) => (text += `p${i}@example.com\t${n}\r\n`));
      writeFileSync(f, encode(text));
      const r = await importFile(engine, { file: f, list: 'L' });
      expect(r.rejected).toBe(0);
      expect(r.delimiter).toBe('\t');
      const got = await namesOf(engine, 'L');
      names.forEach((n, i) => expect(got.get(`p${i}@example.com`)).toBe(n));
    });
  }

  it('keeps a multibyte character that straddles every 64 KiB read boundary intact', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'straddle.csv');
    // Build the file so that a 3-byte (王) or 4-byte (😀) character starts 1 or 2 bytes before every
    // multiple of 65536, by padding each row with ASCII to land exactly there.
    const parts: Buffer[] = [Buffer.from('Email,First Name\n')];
    let size = parts[0]!.length;
    let i = 0;
    const expected = new Map<string, string>();
    for (let boundary = 65536; boundary <= 65536 * 40; boundary += 65536) {
      const ch = i % 2 === 0 ? '王' : '😀';
      const chBytes = Buffer.byteLength(ch);
      const head = `p${i}@example.com,`;
      // Pad names with ASCII so the character starts (chBytes - 1) bytes before the boundary.
      const padLen = boundary - (chBytes - 1) - size - Buffer.byteLength(head);
      if (padLen < 0) throw new Error('rows too long for the boundary spacing');
      const fill = 'x'.repeat(Math.max(0, padLen));
      // Filler rows keep each row short; the last filler row's name carries the padding remainder.
      let rest = fill.length;
      while (rest > 200) {
        const row = `f${i}_${rest}@example.com,${'y'.repeat(100)}\n`;
        const take = Math.min(Buffer.byteLength(row), rest);
        if (take < Buffer.byteLength(row)) break;
        parts.push(Buffer.from(row));
        size += Buffer.byteLength(row);
        rest -= Buffer.byteLength(row);
      }
      const name = `${'z'.repeat(rest)}${ch}tail`;
      const line = `${head}${name}\n`;
      parts.push(Buffer.from(line));
      const chStart = size + Buffer.byteLength(head) + rest;
      expect(chStart).toBe(boundary - (chBytes - 1));
      size += Buffer.byteLength(line);
      expected.set(`p${i}@example.com`, name);
      i++;
    }
    writeFileSync(f, Buffer.concat(parts));
    const r = await importFile(engine, { file: f, list: 'S' }, { chunkSize: 65536 });
    expect(r.rejected).toBe(0);
    const got = await namesOf(engine, 'S');
    for (const [email, name] of expected) expect(got.get(email)).toBe(name);
    expect(expected.size).toBe(40);
  });

  it('stops with a clear error when a file that started as UTF-8 is not UTF-8 later, and keeps the list unchanged', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'mixed.csv');
    const good = Buffer.from(rowsText(5000), 'utf8');
    const bad = iconv.encode('late@example.com,Ça va\r\n', 'win1252');
    writeFileSync(f, Buffer.concat([good, bad]));
    const err = await importFile(engine, { file: f, list: 'M' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'user', code: 'bad_encoding' });
    expect((err as Error).message).toMatch(/on line 5002\b/);
    expect((err as { next: string }).next).toMatch(/windows-1252/);
    expect(engine.repos.lists.byName('M')).toBeUndefined();
    // Forcing the encoding the error suggests imports the file (the UTF-8 part becomes mojibake, as
    // it must: the person chose the encoding).
    const r = await importFile(engine, { file: f, list: 'M', encoding: 'windows-1252' });
    expect(r.imported).toBe(5001);
  });

  it('refuses a small UTF-8 file with one Windows-1252 line, naming the line, instead of storing "RenÃ©e"', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'small-mixed.csv');
    writeFileSync(
      f,
      Buffer.concat([
        Buffer.from('Email,First Name\r\nrenee@example.com,Renée\r\nzoe@example.com,Zoë\r\n', 'utf8'),
        iconv.encode('noel@example.com,Noël\r\n', 'win1252'),
        Buffer.from('ana@example.com,Ana\r\n', 'utf8'),
      ]),
    );
    const err = await importFile(engine, { file: f, list: 'S' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'user', code: 'bad_encoding' });
    expect((err as Error).message).toMatch(/on line 4\b/);
    expect(engine.repos.lists.byName('S')).toBeUndefined();
  });

  it('refuses a big Windows-1252 file that turns to UTF-8 after the first 64 KiB, naming the line', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'big-mixed.csv');
    let head = 'Email,First Name\r\n';
    for (let i = 0; i < 4000; i++) head += `p${i}@example.com,Noël\r\n`;
    writeFileSync(
      f,
      Buffer.concat([iconv.encode(head, 'win1252'), Buffer.from('late@example.com,Renée\r\n', 'utf8')]),
    );
    const err = await importFile(engine, { file: f, list: 'B' }, { chunkSize: 4096 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'user', code: 'bad_encoding' });
    expect((err as Error).message).toMatch(/on line 4002\b.*"é"/);
    expect(engine.repos.lists.byName('B')).toBeUndefined();
    // Chosen by the person, the encoding is theirs: no second-guessing.
    const r = await importFile(engine, { file: f, list: 'B', encoding: 'windows-1252' });
    expect(r.imported).toBe(4001);
  });

  it('sends a row with NUL or another control character to the reject report, also through the reader thread', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'ctl.csv');
    // Rows before the odd ones go out in the fast separated form; the rest fall back to JSON.
    let text = rowsText(3000);
    text += 'odd@example.com,"A\u0000B\u0001C\u0002D"\r\n';
    text += 'esc@example.com,"\u001b[31mRed\u001b[0m"\r\n';
    text += 'multi@example.com,"two\nlines\tand a tab"\r\n';
    writeFileSync(f, text);
    const report = join(dir, 'rejects.csv');
    const r = await importFile(
      engine,
      { file: f, list: 'C', rejectReport: report },
      { worker: true, batchSize: 500, chunkSize: 4096 },
    );
    expect(r).toMatchObject({ imported: 3001, rejected: 2 });
    const names = await namesOf(engine, 'C');
    expect(names.has('odd@example.com')).toBe(false);
    expect(names.has('esc@example.com')).toBe(false);
    expect(names.get('multi@example.com')).toBe('two\nlines\tand a tab');
    expect(names.get('p2999@example.com')).toBe(NAMES[2999 % NAMES.length]);
    const rep = readFileSync(report, 'utf8');
    expect(rep).toContain('3002,"""First Name"" holds a control character (U+0000)');
    expect(rep).toContain('A\u0000B\u0001C\u0002D'); // the raw text is kept as it was
    expect(rep).toContain('3003,"""First Name"" holds a control character (U+001B)');
  });

  it('imports a file of very long rows through the reader thread without piling them up in its capped heap', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'long.csv');
    const note = 'x'.repeat(150_000);
    let text = 'Email,First Name,Notes\n';
    for (let i = 0; i < 300; i++) text += `long${i}@example.com,L${i},"${note} ${i}"\n`;
    writeFileSync(f, text);
    const r = await importFile(engine, { file: f, list: 'Long' }, { worker: true });
    expect(r).toMatchObject({ imported: 300, rejected: 0 });
  });
});
