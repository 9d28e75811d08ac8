/**
 * The layer rules of DESIGN.md are lint rules; this proves they bite. Each snippet is linted as if it
 * lived at the given path, so a rule that silently stopped applying fails here.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');
// The snippets are files no tsconfig includes, so the type-aware rules (and the type information
// they need) are switched off here; the import rules need none.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { project: null } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
});

async function messages(path: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  // A snippet that did not parse would have no rule messages: fail instead of passing vacuously.
  expect(result!.messages.filter((m) => m.fatal)).toEqual([]);
  return result!.messages;
}

async function layerProblems(path: string, code: string): Promise<string[]> {
  return (await messages(path, code)).filter((m) => m.ruleId === 'local/engine-layers').map((m) => m.message);
}

async function problems(path: string, code: string): Promise<string[]> {
  return (await messages(path, code))
    .filter((m) => m.ruleId?.includes('no-restricted-imports'))
    .map((m) => m.message);
}

describe('layer lint rules', () => {
  it('the engine may not import electron', async () => {
    expect(
      await problems(
        'electron/engine/mirror/x.ts',
        "import { app } from 'electron';\nexport const a = app;\n",
      ),
    ).toEqual([expect.stringMatching(/only electron\/main may import electron/)]);
  });

  it('only the engine db folder may use better-sqlite3', async () => {
    const code = "import Database from 'better-sqlite3';\nexport const d = Database;\n";
    expect(await problems('electron/engine/sending/x.ts', code)).toEqual([
      expect.stringMatching(/Only electron\/engine\/db touches SQL/),
    ]);
    expect(await problems('electron/cli/commands/x.ts', code)).toHaveLength(1);
    expect(await problems('electron/engine/db/repos/x.ts', code)).toEqual([]);
  });

  it('the renderer sees the API contract and nothing else', async () => {
    expect(
      await problems(
        'renderer/src/x.ts',
        "import type { ListSummary } from '../../electron/engine/api/lists';\nexport type L = ListSummary;\n",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'renderer/src/x.ts',
        "import { importFile } from '../../electron/engine/mirror/csv/importer';\nexport const f = importFile;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'renderer/src/x.ts',
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'renderer/src/x.ts',
        "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n",
      ),
    ).toHaveLength(1);
  });

  it('electron/main may import electron', async () => {
    expect(
      await problems('electron/main/x.ts', "import { app } from 'electron';\nexport const a = app;\n"),
    ).toEqual([]);
  });

  it('the contract imports nothing but zod and itself', async () => {
    expect(
      await problems(
        'electron/engine/api/x.ts',
        "import { Engine } from '../engine';\nexport const e = Engine;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'electron/engine/api/x.ts',
        "import { z } from 'zod';\nimport { call } from './define';\nexport const c = [z, call];\n",
      ),
    ).toEqual([]);
  });

  it('db does not import the engine areas above it; model/ sees only the contract', async () => {
    expect(
      await problems(
        'electron/engine/db/repos/x.ts',
        "import { STATUS_RANK } from '../../mirror/status';\nexport const r = STATUS_RANK;\n",
      ),
    ).toEqual([expect.stringMatching(/db sits below the engine areas/)]);
    expect(
      await problems(
        'electron/engine/db/repos/x.ts',
        "import { STATUS_RANK } from '../../model/status';\nimport type { Dialect } from '../../api/sending';\nexport const r: [typeof STATUS_RANK, Dialect?] = [STATUS_RANK];\n",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'electron/engine/model/x.ts',
        "import { SUBSCRIBER_STATUSES } from '../api/common';\nimport { STATUS_RANK } from './status';\nexport const s = [SUBSCRIBER_STATUSES, STATUS_RANK];\n",
      ),
    ).toEqual([]);
    for (const from of ['../db/repos/lists', '../mirror/lists', 'node:fs'])
      expect(
        await problems('electron/engine/model/x.ts', `import * as m from '${from}';\nexport const x = m;\n`),
        from,
      ).toEqual([expect.stringMatching(/model\/ sits below db/)]);
  });

  describe('inside the engine, a folder imports only from the layers below it', () => {
    it('refuses an upward import, naming both layers', async () => {
      expect(
        await layerProblems(
          'electron/engine/db/repos/x.ts',
          "import { syncProvider } from '../../mirror/esp/sync';\nexport const s = syncProvider;\n",
        ),
      ).toEqual([
        expect.stringMatching(/db\/repos\/x\.ts \(db\) may not import mirror\/esp\/sync \(mirror\)/),
      ]);
      expect(
        await layerProblems(
          'electron/engine/sending/x.ts',
          "import type { Scheduler } from '../continuity/scheduler';\nexport type S = Scheduler;\n",
        ),
      ).toHaveLength(1);
      expect(
        await layerProblems('electron/engine/mirror/x.ts', "export { runCampaign } from '../sending/run';\n"),
      ).toHaveLength(1);
      expect(
        await layerProblems(
          'electron/engine/continuity/x.ts',
          "export const h = () => import('../handlers');\n",
        ),
      ).toHaveLength(1);
    });

    it('the low layers may not reach the engine or the database', async () => {
      expect(
        await layerProblems(
          'electron/engine/secrets/x.ts',
          "import { openDb } from '../db';\nexport const o = openDb;\n",
        ),
      ).toHaveLength(1);
      expect(
        await layerProblems(
          'electron/engine/clock.ts',
          "import type { Engine } from './engine';\nexport type E = Engine;\n",
        ),
      ).toHaveLength(1);
      expect(
        await layerProblems(
          'electron/engine/files/safeWrite.ts',
          "import type { Engine } from '../engine';\nexport type E = Engine;\n",
        ),
      ).toHaveLength(1);
    });

    it('allows imports downward and within a layer', async () => {
      const code = [
        "import type { Engine } from '../engine';",
        "import { userError } from '../errors';",
        "import { requireList } from '../mirror/lists';",
        "import { runCampaign } from '../sending/run';",
        "import { notify } from './notify';",
        'export const all = [userError, requireList, runCampaign, notify];',
        'export type E = Engine;',
        '',
      ].join('\n');
      expect(await layerProblems('electron/engine/continuity/x.ts', code)).toEqual([]);
      expect(
        await layerProblems(
          'electron/engine/db/x.ts',
          "import { StatusSchema } from '../api/common';\nexport const s = StatusSchema;\n",
        ),
      ).toEqual([]);
    });

    it('a file in no layer is itself an error, so a new folder is placed before it is used', async () => {
      expect(await layerProblems('electron/engine/newthing/x.ts', 'export const x = 1;\n')).toEqual([
        expect.stringMatching(/in no layer/),
      ]);
    });
  });
});
