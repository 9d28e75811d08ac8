#!/usr/bin/env node
// `npm test`: lint (with the layer rules), typecheck (node and web configs), vitest (unit +
// integration on real SQLite and loopback servers), Playwright (browser e2e). Stops at the first
// failing step, and ends with one summary line "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, cmd, args) {
  const t0 = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: process.env });
  const ok = r.status === 0;
  process.stdout.write(
    `=== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return ok;
}

function fail() {
  if (failed === 0) failed = 1;
  finish(1);
}

function finish(code) {
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(code);
}

const only = process.argv.slice(2);
const want = (s) => only.length === 0 || only.includes(s);

if (want('lint') && !step('lint', bin('eslint'), ['.', '--max-warnings=0'])) fail();
if (want('typecheck')) {
  if (!step('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) fail();
  if (
    existsSync(join(root, 'renderer', 'src')) &&
    !step('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit'])
  )
    fail();
}
if (want('vitest')) {
  const out = join(results, 'vitest.json');
  const ok = step('vitest', bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  if (existsSync(out)) {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests ?? 0;
    skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  }
  if (!ok) fail();
}
const e2eDir = join(root, 'test', 'e2e');
if (want('e2e') && existsSync(e2eDir) && readdirSync(e2eDir).some((f) => f.endsWith('.spec.ts'))) {
  const out = join(results, 'playwright.json');
  const ok = step('playwright', bin('playwright'), ['test']);
  if (existsSync(out)) {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    passed += j.stats?.expected ?? 0;
    failed += j.stats?.unexpected ?? 0;
    skipped += j.stats?.skipped ?? 0;
  }
  if (!ok) fail();
}
finish(0);
