/** A fresh Engine on a real SQLite file in the test's own temp folder. */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { tempDir } from './tmp';

export function testEngine(): { engine: Engine; dir: string; dbPath: string } {
  const dir = tempDir();
  const dbPath = join(dir, 'understudy.sqlite');
  const engine = Engine.open({ dbPath });
  afterEach(async () => {
    await engine.close();
  });
  return { engine, dir, dbPath };
}
