/**
 * The one way Understudy writes a file at a path a person named (`export --out`, `report --out`,
 * `import --reject-report`, `backup --out`, and the same calls from the app). A mistyped path must
 * never destroy data, so before anything is written:
 *
 * - the target is resolved the way the operating system will resolve it: symbolic links followed
 *   (also a dangling one, and a link among the folders of a path that does not exist yet), and
 *   compared with every protected path (the database and its `-wal`/`-shm`/`-journal`, the secret
 *   file and its lock, backups) by real path and, for files that exist, by device and inode (which
 *   also catches hard links and a different letter case on a case-insensitive disk). Where the
 *   default file system ignores case (macOS, Windows), names are also compared case-folded, so a
 *   file that does not exist yet ("SECRETS.ENC" beside the database) is caught too;
 * - an existing file is replaced only when the caller says so (`force`, the CLI's `--force`);
 *   a folder, a device, a pipe or a socket is never a target.
 *
 * Then the content goes to a temporary file beside the target (same folder, so the rename cannot
 * cross file systems), created owner-only (0600, `wx`), fsynced, and moved into place: without
 * `force` with link(2), which fails if a file appeared at the target meanwhile, so even a race cannot
 * overwrite; with `force` with rename(2), which atomically replaces the old file. A failure at any
 * step removes the temporary file and leaves an old file exactly as it was. Folders created on the
 * way are owner-only (0700); folders that already exist are left as they are (a person's Desktop
 * keeps its permissions).
 *
 * This module knows nothing about the engine: `files/protected.ts` lists an installation's
 * protected paths and `outputTarget()` there is what engine code calls.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
  type WriteStream,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isUnderstudyError, userError, type UnderstudyError } from '../errors';

/** A path that must never be written by an output. */
export interface ProtectedPath {
  path: string;
  /** What it is, in a person's words: "the Understudy database", "the secret file", … */
  what: string;
  /**
   * A folder whose contents are protected too: 'all' = nothing may be written anywhere below it;
   * 'existing' = a new file may be created below it, but nothing that exists there may be replaced
   * (a new backup goes into the backups folder; no older backup is ever overwritten).
   */
  tree?: 'all' | 'existing';
}

export interface SafeWriteOptions {
  /** Paths this write must refuse (see files/protected.ts). */
  protect: readonly ProtectedPath[];
  /** Replace a file that already exists (the CLI's `--force`). Protected paths are refused anyway. */
  force?: boolean;
  /** What is being written, for messages: "the export", "the report", … */
  what?: string;
}

/** Files owner-only: they hold subscriber data or secrets. */
export const FILE_MODE = 0o600;
/** Folders Understudy creates: owner-only for the same reason. */
export const DIR_MODE = 0o700;

/** Where the default file system compares names without regard to case (and Unicode form). */
const CASE_INSENSITIVE = process.platform === 'darwin' || process.platform === 'win32';

/**
 * A write in progress: content goes to `tmp`; `commit()` moves it to `path`, `abort()` removes it.
 * `path` is where the file really ends up (a symbolic link's target, not the link).
 */
export interface SafeTarget {
  readonly path: string;
  readonly tmp: string;
  /** A stream on the temporary file (created owner-only; fails if it already exists). */
  stream(): WriteStream;
  /** fsyncs the temporary file and moves it into place; removes it on failure. */
  commit(): void;
  /** Removes the temporary file, if any. Never throws. */
  abort(): void;
}

/**
 * Checks `target` (throws the person-facing error when it must not be written) and returns where the
 * file goes and its temporary file beside it. Creates missing folders (0700); writes nothing else.
 */
export function prepareWrite(target: string, options: SafeWriteOptions): SafeTarget {
  const what = options.what ?? 'the file';
  if (typeof target !== 'string' || target.trim() === '' || target.includes('\0')) {
    throw userError(`No valid file name was given for ${what}.`, {
      code: 'output_invalid',
      safe: 'Nothing was written.',
      next: 'Give a file name, for example export.csv.',
    });
  }
  const checked = check(target, options);
  // Written where the name leads: a link as the last part is followed (the link stays and shows the
  // new content); otherwise the path as given, so messages show what the person typed (resolved).
  const path = checked.viaLink ? checked.real : resolve(target);
  ensureDir(dirname(path), what, path);
  const tmp = join(
    dirname(path),
    `.${basename(path).slice(0, 100)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`,
  );
  let committed = false;
  return {
    path,
    tmp,
    stream: () => {
      // flush: the stream fsyncs the file as it closes, on the thread pool, so commit()'s own fsync finds
      // nothing left to write (on the engine's thread it held it 0.28 s after a 1,000,000-row export).
      const s = createWriteStream(tmp, { flags: 'wx', mode: FILE_MODE, flush: true });
      // A failed write (disk full) must reach the caller's await (stream/promises' finished), not
      // crash the process as an unhandled 'error' event.
      s.on('error', () => undefined);
      return s;
    },
    commit() {
      if (committed) return;
      try {
        // Checked again at the last moment: the file system may have changed while we wrote.
        check(path, options);
        fsyncPath(tmp);
        if (options.force) renameSync(tmp, path);
        else publishNoClobber(tmp, path, what);
        committed = true;
        fsyncDir(dirname(path));
      } catch (e) {
        rmSync(tmp, { force: true });
        throw asWriteError(e, path, what);
      }
    },
    abort() {
      if (committed) return;
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Best effort: the temporary file has a hidden name and holds nothing the person lacks.
      }
    },
  };
}

/** Writes `content` to `target` through `prepareWrite`: checked, owner-only, atomic. Returns the path. */
export function writeFileSafely(
  target: string,
  content: string | Uint8Array,
  options: SafeWriteOptions,
): string {
  const t = prepareWrite(target, options);
  writeTarget(t, content, options.what);
  return t.path;
}

/** Writes all of `content` to a prepared target's temporary file and commits it. */
export function writeTarget(t: SafeTarget, content: string | Uint8Array, what = 'the file'): void {
  try {
    const fd = openSync(t.tmp, 'wx', FILE_MODE);
    try {
      const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      let off = 0;
      while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    t.abort();
    throw asWriteError(e, t.path, what);
  }
  t.commit();
}

/**
 * Creates `dir` (and missing parents) owner-only; an existing folder is left as it is. The same
 * person-facing errors as a write (a file in the way, no permission, …).
 */
export function ensureDir(dir: string, what = 'the file', forPath = dir): void {
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    // mkdir -p says EEXIST when a part of the path is a file: say what that means.
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') err.code = 'ENOTDIR';
    throw asWriteError(err, forPath, what);
  }
}

/** The real path of `p` as the OS would resolve it, following links even where the file is missing. */
export function realPathOf(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  for (let hops = 0; hops < 64; hops++) {
    try {
      const real = realpathSync.native(head);
      return tail.length ? join(real, ...tail.reverse()) : real;
    } catch {
      // A dangling symbolic link: follow it by hand (writing "through" it creates its target).
      try {
        const link = readlinkSync(head);
        head = resolve(dirname(head), link);
        continue;
      } catch {
        // Not a link: go one folder up and try again.
      }
      const parent = dirname(head);
      if (parent === head) break;
      tail.push(basename(head));
      head = parent;
    }
  }
  return resolve(p);
}

function fold(p: string): string {
  return CASE_INSENSITIVE ? p.normalize('NFC').toLowerCase() : p;
}

function isInside(child: string, folder: string): boolean {
  const rel = relative(folder, child);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** Returns the real path of the target, or throws the refusal a person reads. */
function check(target: string, options: SafeWriteOptions): { real: string; viaLink: boolean } {
  const what = options.what ?? 'the file';
  const path = realPathOf(target);
  const st = statOrNull(path);
  const lst = (() => {
    try {
      return lstatSync(resolve(target));
    } catch {
      return null;
    }
  })();
  const viaLink = lst?.isSymbolicLink() === true;

  // Exact matches first, so a backup is named as a backup rather than as "inside the backups folder".
  const found =
    options.protect.find((p) => {
      const real = realPathOf(p.path);
      const pst = statOrNull(real);
      return (
        fold(real) === fold(path) ||
        (st !== null && pst !== null && pst.isFile() && st.dev === pst.dev && st.ino === pst.ino)
      );
    }) ??
    // The innermost folder names it best (a backup's list exports, not the backups folder).
    options.protect
      .filter((p) => {
        if (p.tree === undefined || (p.tree === 'existing' && st === null)) return false;
        return isInside(fold(path), fold(realPathOf(p.path)));
      })
      .sort((a, b) => realPathOf(b.path).length - realPathOf(a.path).length)[0];
  if (found) throw refusal(target, path, viaLink, found, what);
  if (st && st.isDirectory()) {
    throw userError(`${shown(target)} is a folder, not a file, so ${what} cannot be written there.`, {
      code: 'output_is_folder',
      safe: 'Nothing was written; the folder is unchanged.',
      next: `Give a file name inside it, for example ${join(target, 'export.csv')}.`,
    });
  }
  if (st && !st.isFile()) {
    throw userError(`${shown(target)} is not a regular file (a device, pipe or socket).`, {
      code: 'output_not_file',
      safe: 'Nothing was written.',
      next: 'Give the name of an ordinary file, for example export.csv in your Documents folder.',
    });
  }
  if (st && !options.force) {
    throw userError(`A file already exists at ${shown(resolve(target))}.`, {
      code: 'output_exists',
      safe: 'It was not overwritten; nothing was written.',
      next: 'Choose another file name, or add --force to replace that file.',
      appNext: 'Choose another file name.',
    });
  }
  return { real: path, viaLink };
}

function refusal(
  target: string,
  real: string,
  viaLink: boolean,
  p: ProtectedPath,
  what: string,
): UnderstudyError {
  const how = viaLink || fold(resolve(target)) !== fold(real) ? ` (it leads to ${shown(real)})` : '';
  const inside = p.tree !== undefined && fold(realPathOf(p.path)) !== fold(real);
  return userError(
    !inside
      ? `${shown(target)}${how} is ${p.what}: writing ${what} there would destroy it.`
      : p.tree === 'existing'
        ? `${shown(target)}${how} is a file in ${p.what}, where Understudy never replaces anything: ${what} cannot be written over it.`
        : `${shown(target)}${how} is inside ${p.what}, which Understudy keeps for itself: ${what} cannot be written there.`,
    {
      code: 'output_protected',
      safe: `Nothing was written; ${p.what} is untouched.`,
      next: 'Choose a file name elsewhere, for example in your Documents folder.',
    },
  );
}

/** A path as a person reads it: bounded and without control characters. */
function shown(p: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = p.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 100)}…${clean.slice(-99)}` : clean;
}

/** Moves `tmp` to `path` only if nothing exists there (link fails with EEXIST), then drops `tmp`. */
function publishNoClobber(tmp: string, path: string, what: string): void {
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw userError(`A file appeared at ${shown(path)} while ${what} was being written.`, {
        code: 'output_exists',
        safe: 'It was not overwritten.',
        next: 'Choose another file name, or add --force to replace that file.',
        appNext: 'Choose another file name.',
      });
    }
    // File systems without hard links (FAT, some network shares): checked just above, rename.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      if (statOrNull(path)) throw e;
      renameSync(tmp, path);
      return;
    }
    throw e;
  }
  unlinkSync(tmp);
}

/** Flushes a file's contents to disk (before a rename makes it the real one). */
export function fsyncPath(p: string): void {
  const fd = openSync(p, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries to disk, so a rename into it survives a power cut. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; NTFS makes the rename durable on its own.
  }
}

/** Turns a file-system failure into what a person reads; passes Understudy's own errors through. */
export function asWriteError(e: unknown, path: string, what = 'the file'): Error {
  if (isUnderstudyError(e)) return e;
  // Only failures of the file system are the person's to fix; anything else is a bug (exit 2).
  if (!(e instanceof Error) || (e as NodeJS.ErrnoException).syscall === undefined) {
    return e instanceof Error ? e : new Error(String(e));
  }
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, [string, string]> = {
    EACCES: ['permission was denied', 'Choose a folder you can write to, such as your Documents folder.'],
    EPERM: ['permission was denied', 'Choose a folder you can write to, such as your Documents folder.'],
    EROFS: ['the disk is read-only', 'Choose a folder on a disk you can write to.'],
    ENOSPC: ['the disk is full', 'Free some disk space, or choose another disk, then try again.'],
    EDQUOT: ['your disk quota is used up', 'Free some disk space, then try again.'],
    EFBIG: [
      'the file grew larger than this disk or account allows',
      'Choose another disk, or ask whoever manages this computer to raise the limit.',
    ],
    ENOTDIR: [
      'a part of the path is a file, not a folder',
      'Check the path: every part but the last must be a folder.',
    ],
    EISDIR: ['it is a folder', 'Give a file name inside the folder.'],
    ENAMETOOLONG: ['the name is too long', 'Choose a shorter file name.'],
    EEXIST: ['a file is already there', 'Choose another file name, or add --force to replace it.'],
    ELOOP: ['it is a loop of symbolic links', 'Choose another file name.'],
    EXDEV: ['it is on another disk', 'Choose a folder on the same disk.'],
  };
  const [reason, next] = why[code] ?? [
    (e as Error)?.message ?? String(e),
    'Check the path and that the folder is writable, then try again.',
  ];
  return userError(`Could not write ${what} to ${shown(path)}: ${reason}.`, {
    code: 'output_failed',
    safe: 'Nothing was written under that name; a file that was already there is unchanged.',
    next,
    cause: e,
  });
}
