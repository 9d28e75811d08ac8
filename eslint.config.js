// Lint, including the layer rules of DESIGN.md: only electron/main imports `electron`; only the
// engine's db folder touches SQLite; the renderer sees the API contract's types and nothing else.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layers from './eslint/layers.js';

const NODE_BUILTINS = [
  'fs',
  'path',
  'os',
  'child_process',
  'net',
  'tls',
  'crypto',
  'http',
  'https',
  'worker_threads',
  'stream',
  'events',
  'url',
];

const NO_ELECTRON_IN_ENGINE = {
  name: 'electron',
  message: 'The engine runs on plain Node: only electron/main may import electron.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'release/**',
      'test/artifacts/**',
      '.bench/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  // Type-aware checks on everything the two TypeScript projects compile: a promise is awaited or
  // explicitly `void`ed, and a switch over a union names every member (or has a default).
  {
    files: [
      'electron/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      '*.config.ts',
      'renderer/src/**/*.{ts,tsx}',
    ],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  // Functions a reader can hold in their head: past ~150 lines, split it or say why not. Product
  // code only: a test file's describe() is a list of cases, a fake's router a table of routes.
  {
    files: ['electron/**/*.ts', 'renderer/src/**/*.{ts,tsx}'],
    rules: {
      'max-lines-per-function': ['warn', { max: 150, skipBlankLines: true, skipComments: true }],
    },
  },
  // Inside the engine, each folder imports only from the layers below it (eslint/layers.js).
  {
    files: ['electron/engine/**/*.{ts,mjs}'],
    plugins: { local: layers },
    rules: { 'local/engine-layers': 'error' },
  },
  // The engine is plain Node: no Electron, no UI, no other process's code. SQL only in engine/db.
  {
    files: ['electron/engine/**/*.ts'],
    ignores: ['electron/engine/db/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            NO_ELECTRON_IN_ENGINE,
            {
              name: 'better-sqlite3',
              message: 'Only electron/engine/db touches SQL: add a repository method there.',
            },
          ],
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', '**/server/**', '**/cli/**', '**/renderer/**'],
              message: 'The engine does not depend on the shells around it.',
            },
          ],
        },
      ],
    },
  },
  // db sits below the engine's areas: it may use the contract and model/, never the code above it.
  {
    files: ['electron/engine/db/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON_IN_ENGINE],
          patterns: [
            {
              regex: '^(\\.\\./)+(mirror|sending|continuity|handlers)(/|$)',
              message:
                'db sits below the engine areas: move the shared rule to electron/engine/model (or the type to the contract).',
            },
          ],
        },
      ],
    },
  },
  // model/: the engine's rules about the contract's vocabulary (status ranking, ...). Below db: it
  // sees the contract and itself only.
  {
    files: ['electron/engine/model/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            NO_ELECTRON_IN_ENGINE,
            {
              name: 'better-sqlite3',
              message: 'model/ holds rules, not SQL: that goes in electron/engine/db.',
            },
          ],
          patterns: [
            {
              group: ['../*', '!../api', '!../api/*', 'node:*'],
              message:
                'model/ sits below db: it may import the contract (electron/engine/api) and itself only.',
            },
          ],
        },
      ],
    },
  },
  // Shells other than main: no Electron, no SQL.
  {
    files: ['electron/cli/**/*.ts', 'electron/server/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Only electron/main may import electron.' },
            { name: 'better-sqlite3', message: 'Only electron/engine/db touches SQL.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'The preload only bridges IPC.' }],
          patterns: [
            {
              group: ['**/engine/**', '!**/engine/api', '!**/engine/api/**'],
              message: 'The preload sees only the API contract.',
            },
          ],
        },
      ],
    },
  },
  // The renderer: browser code that sees the API contract and nothing else.
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to window.understudy only.' },
            { name: 'better-sqlite3', message: 'The renderer never touches the database.' },
            ...NODE_BUILTINS.flatMap((m) => [
              { name: m, message: 'No Node in the renderer.' },
              { name: `node:${m}`, message: 'No Node in the renderer.' },
            ]),
          ],
          patterns: [
            {
              group: ['**/electron/engine/**', '!**/electron/engine/api', '!**/electron/engine/api/**'],
              message: 'The renderer sees only the API contract (electron/engine/api).',
            },
            {
              group: [
                '**/electron/main/**',
                '**/electron/preload/**',
                '**/electron/server/**',
                '**/electron/cli/**',
              ],
              message: 'The renderer sees only the API contract.',
            },
          ],
        },
      ],
    },
  },
  // The API contract is shared with the renderer: it may import zod and other contract files only.
  {
    files: ['electron/engine/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'No electron in the contract.' },
            { name: 'better-sqlite3', message: 'No SQL in the contract.' },
          ],
          patterns: [
            {
              group: ['../*', '!../api', 'node:*'],
              message: 'The contract is shared with the renderer: only zod and other contract files.',
            },
          ],
        },
      ],
    },
  },
);
