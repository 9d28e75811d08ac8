/**
 * Errors a person reads. Every user-facing failure says what happened, what was kept safe, and what to
 * do next (CONVENTIONS.md, "Errors a person will read"). `kind` decides the CLI exit code: a `user`
 * error (bad input, missing list, damaged file) exits 1, anything else is internal and exits 2.
 */
export type ErrorKind = 'user' | 'internal';

export interface ErrorDetails {
  /** What was kept safe (nothing half-written, the list untouched, ...). */
  safe?: string;
  /** What the person can do next. */
  next?: string;
  /** Machine-readable code for scripts and the UI. */
  code?: string;
  cause?: unknown;
}

export class UnderstudyError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly safe: string | undefined;
  readonly next: string | undefined;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UnderstudyError';
    this.kind = kind;
    this.code = details.code ?? (kind === 'user' ? 'user_error' : 'internal_error');
    this.safe = details.safe;
    this.next = details.next;
  }

  /** One line for a terminal: what happened. What is safe. What to do. */
  toLine(): string {
    return [this.message, this.safe, this.next].filter(Boolean).join(' ');
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
