/**
 * `run` and `serve` start without a passphrase while no secret is stored, and say what will not work
 * until one is given (issue 14 §3). Real child processes, stdin closed, no UNDERSTUDY_PASSPHRASE.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp';
import { waitUntil } from '../../helpers/wait';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function start(args: string[]) {
  const env = { ...process.env };
  delete env.UNDERSTUDY_PASSPHRASE;
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'understudy.mjs'), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = ''; // stdout and stderr together: run speaks on stderr, serve's address is on stdout
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    stderr: () => err,
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return done;
    },
    exited: () => child.exitCode !== null,
  };
}

describe('run and serve without any stored secret', () => {
  it.each([
    ['run', (db: string) => ['run', '--db', db, '--tick', '0.2'], /is running on/],
    ['serve', (db: string) => ['serve', '--db', db, '--port', '0'], /listening on http/],
  ])('%s starts with no passphrase and names what will not work until one is given', async (_n, args, up) => {
    const dir = tempDir();
    const p = start(args(join(dir, 'understudy.sqlite')));
    try {
      await waitUntil(`${_n} to start`, () => up.test(p.stderr()) || p.exited(), { timeoutMs: 20_000 });
      expect(p.stderr()).toMatch(/No secret is stored yet, so Understudy starts without a passphrase/);
      expect(p.stderr()).toMatch(/sending through accounts that need a password/);
      expect(p.stderr()).toMatch(/unsubscribe links/);
      expect(p.exited()).toBe(false);
    } finally {
      await p.stop();
    }
  });
});
