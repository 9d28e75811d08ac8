/**
 * A file that is not a CSV/TSV export — a PDF, an image, a spreadsheet — is refused in words, before
 * anything is read as rows, by the import and by the wizard's preview alike (issue 15 §6). UTF-16 text
 * (which is full of NUL bytes) still imports.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { previewImport } from '../../../electron/engine/mirror/csv/preview';
import { cli } from '../../helpers/cli';

const FILES: [string, Buffer, RegExp][] = [
  [
    'list.pdf',
    Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'),
    /a PDF document/,
  ],
  ['logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /a PNG image/],
  ['photo.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]), /a JPEG image/],
  ['contacts.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 6, 0, 8, 0]), /a spreadsheet or ZIP file/],
  ['old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), /old-style Excel/],
  [
    'data.bin',
    Buffer.concat([Buffer.from('Email\nann@example.com\n'), Buffer.alloc(64), Buffer.from([1, 2, 3])]),
    /not a text file/,
  ],
];

describe('a file that is not a CSV is refused in words', () => {
  it.each(FILES)('%s', async (name, bytes, what) => {
    const { engine, dir } = testEngine();
    const f = join(dir, name);
    writeFileSync(f, bytes);
    await expect(importFile(engine, { file: f, list: 'L' })).rejects.toMatchObject({
      message: expect.stringMatching(what),
      safe: 'Nothing was imported.',
      next: expect.stringMatching(/Export the list from your ESP as CSV/),
    });
    expect(engine.repos.lists.byName('L')).toBeUndefined();
    const preview = previewImport(new Uint8Array(bytes));
    expect(preview).toMatchObject({
      ok: false,
      error: { code: 'not_csv', message: expect.stringMatching(what) },
    });
  });

  it('the CLI says so and exits 1', async () => {
    const { dir, dbPath, engine } = testEngine();
    await engine.close();
    const f = join(dir, 'export.pdf');
    writeFileSync(f, FILES[0]![1]);
    const r = await cli(['import', f, '--list', 'L', '--db', dbPath]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/export\.pdf is a PDF document, not a CSV or TSV export/);
  });

  it('UTF-16 text, full of NUL bytes, is still text', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'unicode.txt');
    writeFileSync(f, iconv.encode('Email\tFirst Name\r\nann@example.com\tAnn\r\n', 'utf16le'));
    const r = await importFile(engine, { file: f, list: 'L' });
    expect(r.imported).toBe(1);
  });
});
