/**
 * `understudy serve --unsubscribe-only` as a real process (bin/understudy.mjs, from this checkout's
 * sources): it answers a Gmail-shaped one-click POST with the key from the passphrase-protected secret
 * file, serves nothing else, and stops cleanly on SIGTERM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp';
import { gmailOneClick, http, unsubFixture } from '../../helpers/unsubscribe';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('serve --unsubscribe-only (process)', () => {
  it('answers one-click unsubscribes and nothing else, then stops cleanly', async () => {
    const dir = tempDir('understudy-unsub-only-');
    const f = await unsubFixture(dir);
    const token = f.token(f.ann);
    child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'understudy.mjs'),
        'serve',
        '--unsubscribe-only',
        '--port',
        '0',
        '--db',
        f.engine.dbPath,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, UNDERSTUDY_CLI_TSX: '1', UNDERSTUDY_PASSPHRASE: 'test passphrase' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (b: Buffer) => {
        out += b.toString();
        const m = /unsubscribe links only, on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      child!.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
    });
    expect((await http(port, '/')).status).toBe(404);
    expect((await http(port, '/api/listLists')).status).toBe(404);
    const r = await gmailOneClick(port, `/u/${token}`);
    expect(r.status).toBe(200);
    expect(f.status(f.ann)).toBe('unsubscribed');
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await f.engine.close();
  }, 120_000);
});
