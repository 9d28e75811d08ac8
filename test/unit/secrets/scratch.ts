/**
 * A temp folder for the current test, removed when that test finishes. (test/helpers/tmp.ts
 * registers afterEach, which does not run when called from inside a test body.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

export function scratchDir(prefix = 'understudy-secrets-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
