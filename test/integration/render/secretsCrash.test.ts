/**
 * kill -9 a process in the middle of writing the encrypted secret file, again and again: every
 * write that returned is still there, the file always opens, and the lock the dead process held is
 * taken over. (Lives beside the render integration tests: same owner, same module family.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { scratchDir as tempDir } from '../../unit/secrets/scratch';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const PASS = 'crash test passphrase';
const KILLS = 5;

/** Start a writer, let it complete `writes` writes (as it reports them), then SIGKILL it. */
function writeThenKill(file: string, start: number, writes: number): Promise<number> {
  return new Promise((resolveDone, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'run-ts.mjs'), join(HERE, 'secretsChild.ts'), file, String(start)],
      {
        env: { ...process.env, UNDERSTUDY_PASSPHRASE: PASS },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let last = start - 1;
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l) last = Number(l);
      if (last - start + 1 >= writes && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code})`));
      else resolveDone(last);
    });
  });
}

describe('secret file under kill -9', () => {
  it(`keeps every completed write across ${KILLS} kills mid-write`, async () => {
    const dir = tempDir();
    const file = join(dir, 'secrets.enc');
    let next = 0;
    let seed = 12345;
    const done: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const writes = 3 + (seed % 25);
      const last = await writeThenKill(file, next, writes);
      expect(last).toBeGreaterThanOrEqual(next + writes - 1);
      const store = new EncryptedFileSecretStore(file, PASS, { lockTimeoutMs: 5000 });
      for (let i = next; i <= last; i++) done.push(i);
      for (const i of done)
        expect(await store.get(`secret:test:${i}`)).toBe(`value-${i}-${'x'.repeat(i % 97)}`);
      // The store stays writable: the dead writer's lock is taken over.
      await store.set('secret:test:probe', String(k));
      expect(existsSync(`${file}.lock`)).toBe(false);
      next = last + 1 + 1; // skip the write that may have been in flight
    }
    // Temp files of killed writers are tidied by the next write; only the file itself remains.
    expect(readdirSync(dir)).toEqual(['secrets.enc']);
  });
});
