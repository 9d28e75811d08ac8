import { defineConfig } from 'vitest/config';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Unit tests (pure, fast) and integration tests (real SQLite files, real SMTP/IMAP servers on
// loopback, child processes) run in separate forks; e2e browser tests run under Playwright.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    restoreMocks: true,
    // A command run without --db opens the desktop app's database: in tests, never the developer's
    // real one (a test that forgot --db once wrote a schema-5 file into ~/.config/Understudy).
    env: { UNDERSTUDY_DB: join(tmpdir(), 'understudy-vitest', 'app-default.sqlite') },
  },
});
