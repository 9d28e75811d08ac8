/**
 * Issue 13 §1: `understudy run`, `understudy serve` and the desktop app's engine host start the same
 * periodic work through one function (continuity/periodic.ts#startPeriodicWork), and the engine host
 * takes nothing from browser mode's server/ folder. Before, server/background.ts repeated part of
 * run.ts and the engine host imported it.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = (p: string) => readFileSync(resolve(p), 'utf8');
const shells = {
  run: 'electron/cli/commands/run.ts',
  serve: 'electron/cli/commands/serve.ts',
  engineHost: 'electron/main/engineHost.ts',
};

describe('one wiring of the periodic work', () => {
  it.each(Object.entries(shells))(
    '%s starts it with startPeriodicWork from continuity/periodic',
    (_, file) => {
      const s = src(file);
      expect(s).toMatch(
        /import \{[^}]*\bstartPeriodicWork\b[^}]*\} from '[./]+\/engine\/continuity\/periodic'/,
      );
      expect(s).toMatch(/\bstartPeriodicWork\(engine\b/);
      // No shell assembles or starts the continuity service itself.
      expect(s).not.toMatch(
        /createStandardContinuity|startBackground|new ContinuityService|service\.start\(\)/,
      );
    },
  );

  it('the engine host imports nothing from server/, and the old duplicate is gone', () => {
    expect(src(shells.engineHost)).not.toMatch(/from '\.\.\/server\//);
    expect(existsSync(resolve('electron/server/background.ts'))).toBe(false);
  });
});
