/**
 * A real `understudy run --json` child process (bin/understudy.mjs) on a database, ticking every 0.2 s:
 * its JSON events collected as they come, its stderr kept for failure messages, stopped with SIGTERM.
 * The caller kills it in its own afterEach if a test ends with it still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface Run<E> {
  child: ChildProcess;
  events: E[];
  stderr: () => string;
  /** SIGTERM, then its exit code (at once if it has already exited). */
  stop(): Promise<number | null>;
}

export function startRun<E>(db: string, env: NodeJS.ProcessEnv): Run<E> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'understudy.mjs'), 'run', '--db', db, '--tick', '0.2', '--json'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let buf = '';
  let err = '';
  const run: Run<E> = {
    child,
    events: [],
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return done;
    },
  };
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const parsed = JSON.parse(line) as { event?: E };
        if (parsed.event) run.events.push(parsed.event);
      } catch {
        // not an event line
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return run;
}
