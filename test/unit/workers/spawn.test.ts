/** spawnWorker in a build: the TypeScript entry is not there, its compiled .js beside the bundle is. */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnWorker } from '../../../electron/engine/workers/spawn';
import { tempDir } from '../../helpers/tmp';

describe('spawnWorker', () => {
  it('starts the compiled x.js when x.ts is not there (a build)', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'echo.js'),
      `import { parentPort, workerData } from 'node:worker_threads'; parentPort.postMessage(workerData.say);`,
    );
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const w = spawnWorker(pathToFileURL(join(dir, 'echo.ts')), { say: 'from the build' });
    const said = await new Promise((resolve) => w.once('message', resolve));
    await w.terminate();
    expect(said).toBe('from the build');
  });

  it('says plainly that the build is incomplete when neither is there', () => {
    const dir = tempDir();
    expect(() => spawnWorker(pathToFileURL(join(dir, 'gone.ts')), {})).toThrow(/missing its worker gone\.js/);
  });
});
