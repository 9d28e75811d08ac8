/**
 * Child process for the kill tests: imports a file and reports each step on stdout ("batch N",
 * "merging", "done") so the parent can kill -9 it at a chosen moment.
 */
import { Engine } from '../../electron/engine/engine';
import { importFile } from '../../electron/engine/mirror/csv/importer';

const [dbPath, file, list] = process.argv.slice(2) as [string, string, string];
const engine = Engine.open({ dbPath });
let batches = 0;
await importFile(
  engine,
  { file, list },
  {
    worker: true,
    batchSize: 250,
    afterBatch: () => process.stdout.write(`batch ${++batches}\n`),
    onProgress: (p) => {
      if (p.phase === 'merging') process.stdout.write('merging\n');
    },
  },
);
process.stdout.write('done\n');
await engine.close();
