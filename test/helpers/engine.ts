/** A fresh Engine on a real SQLite file in the test's own temp folder. */
import { join } from 'node:path';
import { Engine } from '../../electron/engine/engine';
import { cleanup, tempDir } from './tmp';

export function testEngine(): { engine: Engine; dir: string; dbPath: string } {
  const dir = tempDir();
  const dbPath = join(dir, 'understudy.sqlite');
  const engine = Engine.open({ dbPath });
  cleanup(() => engine.close());
  return { engine, dir, dbPath };
}
