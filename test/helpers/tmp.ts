/** Per-test temporary folders, removed afterwards. Each test gets its own data folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * Runs `fn` when the current test finishes — or, when called outside a test (in a describe body or a
 * beforeAll), when the file's tests are done. (An afterEach registered inside a running test would
 * never run: that is how temp folders used to pile up.)
 */
export function cleanup(fn: () => void | Promise<void>): void {
  try {
    onTestFinished(fn);
  } catch {
    afterAll(fn);
  }
}

export function tempDir(prefix = 'understudy-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
