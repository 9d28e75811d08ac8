/**
 * Flipping bytes in a real database file, the way a bad disk or a careless tool does: in a chosen
 * page of a chosen table or index (found with SQLite's dbstat), in its header, cell pointers or
 * cell content. `keepTime` puts the file's modification time back, as a fault below the file system
 * (no program wrote to it) leaves it.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

export type FlipWhere = 'header' | 'pointers' | 'content';

export function flipBytes(
  dbPath: string,
  tree: string,
  where: FlipWhere,
  opts: { pageType?: 'leaf' | 'internal'; bytes?: number; keepTime?: boolean } = {},
): { page: number; offset: number } {
  const meta = new Database(dbPath, { readonly: true, fileMustExist: true });
  let page: number;
  let pageSize: number;
  try {
    pageSize = meta.pragma('page_size', { simple: true }) as number;
    const pages = meta
      .prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno`)
      .pluck()
      .all(tree, opts.pageType ?? 'leaf') as number[];
    if (pages.length === 0) throw new Error(`no ${opts.pageType ?? 'leaf'} page in ${tree}`);
    page = pages[Math.floor(pages.length / 2)]!;
  } finally {
    meta.close();
  }
  const restoreTime = opts.keepTime ? keepTime(dbPath) : () => undefined;
  const fd = openSync(dbPath, 'r+');
  try {
    const start = (page - 1) * pageSize;
    const buf = Buffer.alloc(pageSize);
    readSync(fd, buf, 0, pageSize, start);
    const header = buf[0] === 0x0d || buf[0] === 0x0a ? 8 : 12;
    const cells = buf.readUInt16BE(3);
    const contentStart = buf.readUInt16BE(5) || 65536;
    const at =
      where === 'header'
        ? 5
        : where === 'pointers'
          ? header + 2 * Math.floor(cells / 2)
          : // the middle of the cell content area
            contentStart + Math.floor((pageSize - contentStart) / 2);
    for (let i = 0; i < (opts.bytes ?? 2); i++) buf[at + i * 7] = buf[at + i * 7]! ^ 0x5a;
    writeSync(fd, buf, 0, pageSize, start);
  } finally {
    closeSync(fd);
  }
  restoreTime();
  return { page, offset: (page - 1) * pageSize };
}

/**
 * Changes one character of a stored value in place (the first occurrence of `find` in the file), as a
 * flipped bit inside a record's payload does: the record stays well-formed, so no SQL check sees it.
 */
export function flipInValue(dbPath: string, find: string, opts: { keepTime?: boolean } = {}): number {
  const restoreTime = opts.keepTime ? keepTime(dbPath) : () => undefined;
  const fd = openSync(dbPath, 'r+');
  try {
    const size = statSync(dbPath).size;
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    const at = buf.indexOf(Buffer.from(find, 'utf8'));
    if (at < 0) throw new Error(`"${find}" is not in ${dbPath}`);
    const b = Buffer.from([buf[at]! ^ 0x04]);
    writeSync(fd, b, 0, 1, at);
    return at;
  } finally {
    closeSync(fd);
    restoreTime();
  }
}

/** Remembers the file's times to the nanosecond (`touch -r`; utimes through a Date loses precision). */
function keepTime(path: string): () => void {
  const ref = `${path}.time-ref`;
  execFileSync('touch', ['-r', path, ref]);
  return () => {
    execFileSync('touch', ['-r', ref, path]);
    rmSync(ref, { force: true });
  };
}
