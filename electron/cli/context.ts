/**
 * What every CLI command shares: `--db` and `--json`, opening the engine, printing one JSON document on
 * stdout (progress and logs go to stderr), and the exit-code contract (0 ok, 1 user error, 2 internal).
 */
import type { Command } from 'commander';
import { Engine } from '../engine/engine';
import { defaultDbPath } from '../engine/paths';
import { isUnderstudyError, userError } from '../engine/errors';

export interface CommonOptions {
  db?: string;
  json?: boolean;
}

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

export async function withEngine<T>(
  opts: CommonOptions,
  io: Io,
  fn: (engine: Engine) => Promise<T> | T,
): Promise<T> {
  const engine = Engine.open({ dbPath: dbPathOf(opts, io) });
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

export function errorExitCode(e: unknown): number {
  return isUnderstudyError(e) && e.kind === 'user' ? 1 : 2;
}
