/**
 * Starts `understudy serve` as a child process on a free port with its own data folder and waits for
 * its "Open <url>" line (never a sleep). Stopped with SIGTERM, which closes the database cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeHandle {
  dir: string;
  dbPath: string;
  url: string;
  loginUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startServe(
  opts: { dir?: string; env?: NodeJS.ProcessEnv; port?: number; args?: string[] } = {},
): Promise<ServeHandle> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'understudy-e2e-'));
  const dbPath = join(dir, 'understudy.sqlite');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'understudy.mjs'),
      'serve',
      '--port',
      String(opts.port ?? 0),
      '--db',
      dbPath,
      ...(opts.args ?? []),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        UNDERSTUDY_HOME: dir,
        UNDERSTUDY_PASSPHRASE: 'e2e passphrase, not a secret',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`understudy serve did not start:\n${out}`)), 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(deadline);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`understudy serve exited with ${code}:\n${out}`));
    });
  });
  const url = new URL(loginUrl);
  return {
    dir,
    dbPath,
    loginUrl,
    url: `${url.origin}/`,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
