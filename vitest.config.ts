import { defineConfig } from 'vitest/config';

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
  },
});
