/**
 * Errors a person reads. Every user-facing failure says what happened, what was kept safe, and what to
 * do next (CONVENTIONS.md, "Errors a person will read"). `kind` decides the CLI exit code: a `user`
 * error (bad input, missing list, damaged file) exits 1, anything else is internal and exits 2.
 */
import { shown } from './display';
export type ErrorKind = 'user' | 'internal';

export interface ErrorDetails {
  /** What was kept safe (nothing half-written, the list untouched, ...). */
  safe?: string;
  /** What the person can do next. */
  next?: string;
  /**
   * What to do next in the app's words, when `next` names a command line (issue 15 §1): the app
   * and browser mode get this instead of `next`; the CLI keeps its command hint.
   */
  appNext?: string;
  /** Machine-readable code for scripts and the UI. */
  code?: string;
  cause?: unknown;
}

export class UnderstudyError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly safe: string | undefined;
  readonly next: string | undefined;
  readonly appNext: string | undefined;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UnderstudyError';
    this.kind = kind;
    this.code = details.code ?? (kind === 'user' ? 'user_error' : 'internal_error');
    this.safe = details.safe;
    this.next = details.next;
    this.appNext = details.appNext;
  }

  /** One line for a terminal: what happened. What is safe. What to do. */
  toLine(): string {
    return [this.message, this.safe, this.next].filter(Boolean).join(' ');
  }

  /**
   * The same line for a record every runtime shows (events, health results, reports): the next step
   * in the app's words when there is one, so no command line reaches a screen.
   */
  toRecordLine(): string {
    return [this.message, this.safe, this.appNext ?? this.next].filter(Boolean).join(' ');
  }

  toJSON(): { kind: ErrorKind; code: string; message: string; safe?: string; next?: string } {
    return {
      kind: this.kind,
      code: this.code,
      message: this.message,
      ...(this.safe ? { safe: this.safe } : {}),
      ...(this.next ? { next: this.next } : {}),
    };
  }

  /** The same, as the app shows it: the app's own next step instead of a command line. */
  forApp(): { kind: ErrorKind; code: string; message: string; safe?: string; next?: string } {
    const json = this.toJSON();
    return this.appNext ? { ...json, next: this.appNext } : json;
  }
}

export function userError(message: string, details: ErrorDetails = {}): UnderstudyError {
  return new UnderstudyError('user', message, details);
}

export function internalError(message: string, details: ErrorDetails = {}): UnderstudyError {
  return new UnderstudyError('internal', message, details);
}

export function isUnderstudyError(e: unknown): e is UnderstudyError {
  return e instanceof UnderstudyError;
}

/** Thrown when a long task (import, sync, send) is cancelled by its caller. Nothing it did is kept. */
export class CancelledError extends UnderstudyError {
  constructor(what: string, safe: string) {
    super('user', `${what} was cancelled.`, { code: 'cancelled', safe });
    this.name = 'CancelledError';
  }
}

// ---- The one translation of lower-level failures into words a person reads ----------------------
//
// The CLI (exit 1 vs 2), the dispatcher behind IPC and HTTP, and the database open all pass whatever
// they caught through `explainError`. A failure the person caused or can fix — a folder given as a
// file, a read-only disk, a full disk, a value the contract's zod schema or a CHECK constraint refused
// — becomes a user error in the field's words; only what is left is a bug (internal, exit 2).

/** A field name of the contract or a column of the schema, in words: `perDay`, `cap_per_day` → "per day". */
export function fieldWords(name: string): string {
  return name
    .replace(/^cap_/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .trim();
}

/** Shortens what a person typed before it is quoted back: one line, at most `max` characters. */
export function quoteInput(value: unknown, max = 80): string {
  return shown(String(value), max);
}

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
  expected?: string;
  values?: unknown[];
  input?: unknown;
  format?: string;
}

/** One zod issue as a sentence: "port must be at most 65535". */
export function describeIssue(issue: IssueLike, labels: Record<string, string> = {}): string {
  const key = issue.path.filter((p) => typeof p === 'string').at(-1) as string | undefined;
  const field = key ? (labels[key] ?? fieldWords(key)) : 'the input';
  const n = (v: number | bigint | undefined) => String(v);
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1
          ? `${field} must not be empty`
          : `${field} must be at least ${n(issue.minimum)} characters long`;
      if (issue.origin === 'array') return `${field} needs at least ${n(issue.minimum)} item(s)`;
      return issue.inclusive === false
        ? `${field} must be greater than ${n(issue.minimum)}`
        : `${field} must be at least ${n(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `${field} must be at most ${n(issue.maximum)} characters long`;
      return issue.inclusive === false
        ? `${field} must be less than ${n(issue.maximum)}`
        : `${field} must be at most ${n(issue.maximum)}`;
    case 'invalid_value':
      return `${field} must be one of: ${(issue.values ?? []).map(String).join(', ')}`;
    case 'invalid_type':
      if (issue.expected === 'int') return `${field} must be a whole number`;
      // zod leaves the input out of its issues unless asked; its message says what was received.
      if (/received undefined/.test(issue.message)) return `${field} is required`;
      return `${field} must be a ${issue.expected === 'number' ? 'number' : (issue.expected ?? 'value')}`;
    case 'invalid_format':
      // The contract's own patterns carry their rule in words ("must be a host name without …").
      if (/^must\b/.test(issue.message)) return `${field} ${issue.message}`;
      return `${field} is not a valid ${issue.format ?? 'value'}`;
    default:
      // Custom refinements of the contract already speak in the field's words.
      if (/^must\b/.test(issue.message)) return `${field} ${issue.message}`;
      return issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  }
}

/** A value the contract's schema refused, as one user error naming every field and its rule. */
export function fromIssues(
  issues: readonly IssueLike[],
  labels: Record<string, string> = {},
): UnderstudyError {
  // One rule per field is enough to fix it: "must not be empty", not also "must be a host name".
  const seen = new Set<string>();
  const first = issues.filter((i) => {
    const k = i.path.map(String).join('.');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const parts = [...new Set(first.map((i) => describeIssue(i, labels)))];
  const text = parts.join('; ');
  return userError(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`, {
    code: 'bad_input',
    safe: 'Nothing was changed.',
  });
}

function isZodError(e: unknown): e is { issues: IssueLike[] } {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as Error).name === 'ZodError' &&
    Array.isArray((e as { issues?: unknown }).issues)
  );
}

const SQL_WORDS = new Set([
  'is',
  'null',
  'or',
  'and',
  'not',
  'in',
  'between',
  'like',
  'glob',
  'length',
  'json_valid',
  'typeof',
  'lower',
  'upper',
  'trim',
]);

/** "CHECK constraint failed: cap_per_day IS NULL OR cap_per_day > 0" → "per day must be greater than 0". */
export function describeCheck(expr: string): string {
  const ident = (expr.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).find((w) => !SQL_WORDS.has(w.toLowerCase()));
  const field = ident ? fieldWords(ident) : 'a value';
  if (/json_valid\s*\(/i.test(expr)) return `${field} must be valid JSON`;
  const inList = /\bIN\s*\(([^)]*)\)/i.exec(expr);
  if (inList) return `${field} must be one of: ${inList[1]!.replace(/'/g, '').replace(/\s*,\s*/g, ', ')}`;
  const cmp = /(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)/.exec(expr);
  if (cmp) {
    const words = { '>': 'greater than', '>=': 'at least', '<': 'less than', '<=': 'at most' } as const;
    return `${field} must be ${words[cmp[1] as keyof typeof words]} ${cmp[2]}`;
  }
  return `the value of ${field} is not allowed`;
}

interface ErrnoLike {
  code?: string;
  path?: string;
  dest?: string;
  syscall?: string;
  message?: string;
}

const DISK_FULL = {
  code: 'disk_full',
  safe: 'Nothing was half-written: the change was rolled back and what was there before is intact.',
  next: 'Free some space on that disk (or choose another place), then run it again.',
};

const READ_ONLY_NEXT =
  'Check that the file and its folder may be written (SQLite writes -wal and -shm files beside the database), or point --db at a copy in a folder you can write.';

/** What a Node file-system error means for the person, or undefined when it is not one they caused. */
function explainErrno(e: ErrnoLike): UnderstudyError | undefined {
  // A rename names its source in `path`; the person gave the destination.
  const target = e.syscall === 'rename' && e.dest ? e.dest : e.path;
  const where = target ? ` ${quoteInput(target, 200)}` : '';
  switch (e.code) {
    case 'EISDIR':
      return userError(`${where.trim() || 'The path'} is a folder, not a file.`, {
        code: 'is_a_folder',
        safe: 'Nothing was changed.',
        next: 'Give the path of a file (for example with a file name at the end).',
        cause: e,
      });
    case 'ENOTDIR':
      return userError(`Part of the path${where} is a file, not a folder.`, {
        code: 'not_a_folder',
        safe: 'Nothing was changed.',
        next: 'Check the path.',
        cause: e,
      });
    case 'ENOENT':
      return userError(`${where.trim() || 'The file'} does not exist.`, {
        code: 'not_found',
        safe: 'Nothing was changed.',
        next: 'Check the path (and that its folder exists).',
        cause: e,
      });
    case 'EACCES':
    case 'EPERM':
      return userError(
        `Understudy is not allowed to ${e.syscall === 'open' || !e.syscall ? 'use' : e.syscall}${where} (permission denied).`,
        {
          code: 'permission_denied',
          safe: 'Nothing was changed.',
          next: 'Check the permissions of that file and its folder, or choose another place.',
          cause: e,
        },
      );
    case 'EROFS':
      return userError(`${where.trim() || 'That place'} is on a read-only disk.`, {
        code: 'read_only',
        safe: 'Nothing was changed.',
        next: 'Choose a folder on a disk that can be written.',
        cause: e,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return userError(`The disk is full${where ? ` (writing${where})` : ''}.`, { ...DISK_FULL, cause: e });
    case 'EMFILE':
    case 'ENFILE':
      return userError('Too many files are open on this computer right now.', {
        code: 'too_many_files',
        safe: 'Nothing was changed.',
        next: 'Close some programs and run it again.',
        cause: e,
      });
    default:
      return undefined;
  }
}

/** What a SQLite error means for the person, or undefined when it is a bug. */
function explainSqlite(e: ErrnoLike): UnderstudyError | undefined {
  const code = e.code ?? '';
  const msg = e.message ?? '';
  if (code === 'SQLITE_FULL' || (code.startsWith('SQLITE_IOERR') && /disk is full|no space/i.test(msg)))
    return userError('The disk holding the database is full.', { ...DISK_FULL, cause: e });
  if (code.startsWith('SQLITE_READONLY'))
    return userError('The database is read-only: Understudy cannot save changes to it.', {
      code: 'db_read_only',
      safe: 'Nothing was changed.',
      next: READ_ONLY_NEXT,
      cause: e,
    });
  if (code.startsWith('SQLITE_CANTOPEN'))
    return userError(
      'The database file cannot be opened: its folder is missing, read-only, or not a folder.',
      {
        code: 'db_cannot_open',
        safe: 'Nothing was changed.',
        next: READ_ONLY_NEXT,
        cause: e,
      },
    );
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED')
    return userError('The database is busy: another Understudy is writing to it.', {
      code: 'db_busy',
      safe: 'Nothing was changed.',
      next: 'Wait for the other task to finish (see `understudy status`), then run it again.',
      cause: e,
    });
  if (code === 'SQLITE_CONSTRAINT_CHECK') {
    const expr = msg.replace(/^CHECK constraint failed:\s*/i, '');
    const text = describeCheck(expr);
    return userError(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`, {
      code: 'bad_input',
      safe: 'Nothing was changed.',
      cause: e,
    });
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') {
    const col = /\.(\w+)\s*$/.exec(msg)?.[1];
    return userError(
      `${col ? fieldWords(col) : 'A value'} is required.`.replace(/^./, (c) => c.toUpperCase()),
      {
        code: 'bad_input',
        safe: 'Nothing was changed.',
        cause: e,
      },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const cols =
      /failed:\s*(.*)$/
        .exec(msg)?.[1]
        ?.split(',')
        .map((c) => fieldWords(c.trim().split('.').at(-1) ?? c)) ?? [];
    return userError(`Something with the same ${cols.join(' and ') || 'name'} already exists.`, {
      code: 'already_exists',
      safe: 'Nothing was changed.',
      next: 'Choose another name, or change the existing one.',
      cause: e,
    });
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT_'))
    return userError('The database is damaged or is not an Understudy database.', {
      code: 'db_damaged',
      safe: 'Understudy stopped before writing anything more to it.',
      next: 'Restore the latest backup with `understudy restore FILE` (see `understudy backups`).',
      cause: e,
    });
  return undefined;
}

/**
 * The one mapping from anything thrown to what a person reads. An UnderstudyError passes through;
 * a zod refusal, a file-system or SQLite error the person can fix becomes a user error; anything else
 * is internal (a bug), with its message kept for the report.
 */
export function explainError(e: unknown): UnderstudyError {
  if (isUnderstudyError(e)) return e;
  if (isZodError(e)) return fromIssues(e.issues);
  if (typeof e === 'object' && e !== null) {
    const err = e as ErrnoLike & Error;
    const known =
      err.name === 'SqliteError' || err.code?.startsWith('SQLITE_') ? explainSqlite(err) : explainErrno(err);
    if (known) return known;
    // A wrapped cause (e.g. a stream's error) is explained by what it wraps.
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== e) {
      const inner = explainError(cause);
      if (inner.kind === 'user') return inner;
    }
  }
  return internalError((e as Error)?.message ?? String(e), {
    safe: 'Nothing was half-written: every change is made in one transaction.',
    cause: e,
  });
}

/**
 * Parses input with a schema of the contract; a refusal is a user error in the field's words, the same
 * one the dispatcher gives the API and the UI (engine functions called directly by the CLI use this).
 */
export function parseInput<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: readonly IssueLike[] } };
  },
  raw: unknown,
): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw fromIssues(r.error.issues);
  return r.data;
}
