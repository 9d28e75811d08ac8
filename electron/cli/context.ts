/**
 * What every CLI command shares: `--db` and `--json`, opening the engine, printing one JSON document on
 * stdout (progress and logs go to stderr), and the exit-code contract (0 ok, 1 user error, 2 internal).
 */
import type { Command } from 'commander';
import { Engine } from '../engine/engine';
import { defaultDbPath } from '../engine/paths';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { explainError, quoteInput, userError } from '../engine/errors';

export interface CommonOptions {
  db?: string;
  json?: boolean;
  /** Set by the program for the commands in CREATES_DATABASE (main.ts), never by the person. */
  dbMayCreate?: boolean;
}

/**
 * The commands that may create a new, empty database when --db (or the app's default) names a file
 * that does not exist yet: the ones that put something into it. Every other command reads or changes
 * what is already there, so pointing it at a missing file (a typo, an unmounted disk, a folder that
 * does not exist) is refused instead of answering "no lists yet" from a database it just created.
 * `run` and `serve` open the database themselves and may create it too (an always-on box starts empty).
 */
export const CREATES_DATABASE: ReadonlySet<string> = new Set([
  'import',
  'settings set',
  'providers add',
  'esp add',
  'inbox setup',
  'policy',
  'restore',
  'run',
  'serve',
]);

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
}

export const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
});

/** Adds the options every command takes. */
export function common(cmd: Command): Command {
  return cmd
    .option('--db <path>', "database file (default: the desktop app's database)")
    .option('--json', 'print one JSON document on stdout; progress and logs go to stderr');
}

export function dbPathOf(opts: CommonOptions, io: Io): string {
  return opts.db ?? defaultDbPath(io.env);
}

/**
 * Refuses a database path that is a folder, or (unless the command may create one) a file that does
 * not exist: the person learns that, instead of getting an empty database where they expected theirs.
 */
export function checkDbPath(opts: CommonOptions, io: Io): string {
  const path = dbPathOf(opts, io);
  if (path === ':memory:') return path;
  const st = statSync(path, { throwIfNoEntry: false });
  if (st?.isDirectory())
    throw userError(`${quoteInput(path, 200)} is a folder, not a database file.`, {
      code: 'db_is_folder',
      safe: 'Nothing was read or written.',
      next: `Give the database file itself, e.g. --db ${join(quoteInput(path, 200), 'understudy.db')}.`,
    });
  if (st || opts.dbMayCreate) return path;
  const folder = dirname(path);
  const folderExists = statSync(folder, { throwIfNoEntry: false })?.isDirectory() === true;
  const create =
    'A new database is made by `understudy import FILE --list NAME`, `settings set` or `providers add`.';
  if (opts.db === undefined)
    throw userError(`There is no Understudy database yet (looked at ${quoteInput(path, 200)}).`, {
      code: 'db_missing',
      safe: 'Nothing was created.',
      next: `Start by importing a list: \`understudy import FILE --list NAME\`, or give your database with --db PATH.`,
    });
  throw userError(
    folderExists
      ? `There is no Understudy database at ${quoteInput(path, 200)}.`
      : `The folder ${quoteInput(folder, 200)} does not exist, so there is no database at ${quoteInput(path, 200)}.`,
    {
      code: 'db_missing',
      safe: 'Nothing was created.',
      next: `Check the --db path (a typo, or a disk that is not connected?). ${create}`,
    },
  );
}

export async function withEngine<T>(
  opts: CommonOptions,
  io: Io,
  fn: (engine: Engine) => Promise<T> | T,
): Promise<T> {
  const engine = Engine.open({ dbPath: checkDbPath(opts, io) });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** Prints a result: JSON with --json, else the human text. */
export function output(opts: CommonOptions, io: Io, value: unknown, human: () => string): void {
  if (opts.json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else io.stdout.write(`${human()}\n`);
}

/** A progress line on stderr: rewritten in place on a terminal, a plain line every few seconds otherwise. */
export function progressPrinter(io: Io): { update(text: string): void; done(): void } {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100) return;
        io.stderr.write(`\r\x1b[K${text}`);
        shown = true;
      } else {
        if (now - last < 2000) return;
        io.stderr.write(`${text}\n`);
      }
      last = now;
    },
    done() {
      if (tty && shown) io.stderr.write('\r\x1b[K');
    },
  };
}

export function parseIntOption(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw userError(`--${name} must be a whole number of at least ${min}, not "${value}".`);
  return n;
}

/** 1 for what the person can fix, 2 for a bug (the mapping lives in engine/errors.ts#explainError). */
export function errorExitCode(e: unknown): number {
  return explainError(e).kind === 'user' ? 1 : 2;
}

/** "a, b or c": the values an option accepts, for messages (taken from the contract's enums). */
export function orList(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}
