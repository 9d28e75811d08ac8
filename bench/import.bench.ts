/**
 * `npm run bench:import`: a 1,000,000-row Mailchimp-style export (23 columns, quoted commas, multibyte
 * names, ~1% invalid or duplicate rows), imported (a) by `understudy import` into a fresh database,
 * with full validation, and (b) by sqlite3's `.import` into a table with a UNIQUE email index (no
 * validation), in the same run. Prints both times, the ratio and the peak RSS.
 * Options: ROWS=N (default 1,000,000), KEEP=1 keeps the work folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMailchimpExport, MAILCHIMP_SUBSCRIBED_HEADER } from './genMailchimp';

const rows = Number(process.env.ROWS ?? 1_000_000);
const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'understudy-bench-import-'));
const file = join(work, 'subscribed_members_export.csv');

const sqlite3 = ['/usr/bin/sqlite3', 'sqlite3'].find((p) => p === 'sqlite3' || existsSync(p))!;
const t0 = performance.now();
const gen = await generateMailchimpExport(file, rows, { badShare: 0.01 });
console.log(
  `generated ${rows.toLocaleString('en')} rows (${gen.invalid} invalid, ${gen.duplicates} duplicates), ${(gen.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// (a) understudy import, as the CLI runs it.
const db = join(work, 'understudy.sqlite');
let t = performance.now();
const a = spawnSync(
  process.execPath,
  [
    join(root, 'bin', 'run-ts.mjs'),
    join(root, 'bench', 'importChild.ts'),
    'import',
    file,
    '--list',
    'Bench',
    '--db',
    db,
    '--json',
    '--reject-report',
    join(work, 'rejects.csv'),
  ],
  { encoding: 'utf8', maxBuffer: 1 << 24 },
);
const aSec = (performance.now() - t) / 1000;
if (a.status !== 0) {
  console.error(a.stderr);
  throw new Error(`understudy import failed with exit ${a.status}`);
}
const result = JSON.parse(a.stdout) as {
  imported: number;
  rejected: number;
  duplicates: number;
  durationMs: number;
};
const rssMb = Number(/maxrss_kb=(\d+)/.exec(a.stderr)?.[1] ?? 0) / 1024;

// (b) sqlite3 .import into a table with a UNIQUE email index.
const sdb = join(work, 'sqlite3.db');
const cols = MAILCHIMP_SUBSCRIBED_HEADER.map((c) => `"${c}" TEXT`).join(', ');
const script = join(work, 'import.sql');
writeFileSync(
  script,
  `CREATE TABLE t (${cols});\nCREATE UNIQUE INDEX t_email ON t ("Email Address");\n.mode csv\n.import --skip 1 ${file} t\n`,
);
t = performance.now();
const b = spawnSync(sqlite3, [sdb, `.read ${script}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
const bSec = (performance.now() - t) / 1000;
if (b.error) throw b.error;
const bRows = Number(spawnSync(sqlite3, [sdb, 'SELECT count(*) FROM t'], { encoding: 'utf8' }).stdout.trim());

// (c) The floor of our schema: the rows (a) imported, already validated and deduplicated, copied by
// sqlite3 itself into an empty database with the same schema, indexes and pragmas (WAL,
// synchronous=FULL). No importer can write them faster than this; it shows how much of the target
// the schema alone takes.
const fdb = join(work, 'floor.sqlite');
const schema = spawnSync(sqlite3, [db, '.schema'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
writeFileSync(join(work, 'schema.sql'), schema);
spawnSync(sqlite3, [fdb, `.read ${join(work, 'schema.sql')}`], { encoding: 'utf8' });
writeFileSync(
  join(work, 'floor.sql'),
  `PRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\nPRAGMA cache_size = -65536;\nPRAGMA foreign_keys = ON;\n` +
    `ATTACH '${db}' AS src;\nBEGIN;\nINSERT INTO lists SELECT * FROM src.lists;\n` +
    `INSERT INTO subscribers SELECT * FROM src.subscribers ORDER BY email_norm;\nCOMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\n`,
);
t = performance.now();
const c = spawnSync(sqlite3, [fdb, `.read ${join(work, 'floor.sql')}`], {
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
const cSec = (performance.now() - t) / 1000;
if (c.status !== 0) throw new Error(`floor copy failed: ${c.stderr}`);

const ratio = aSec / bSec;
console.log(
  `understudy import: ${aSec.toFixed(2)} s (${Math.round(rows / aSec).toLocaleString('en')} rows/s; imported ${result.imported}, rejected ${result.rejected}, duplicates merged ${result.duplicates}; db ${(statSync(db).size / 1e6).toFixed(0)} MB)`,
);
console.log(
  `sqlite3 .import:   ${bSec.toFixed(2)} s (${Math.round(rows / bSec).toLocaleString('en')} rows/s; ${bRows} rows kept, no validation)`,
);
console.log(
  `schema floor:      ${cSec.toFixed(2)} s (sqlite3 copying the ${result.imported} imported rows into our schema; ratio floor/sqlite3 ${(cSec / bSec).toFixed(2)})`,
);
console.log(`ratio understudy/sqlite3: ${ratio.toFixed(2)} (target <= 1.0)`);
console.log(`peak RSS understudy import: ${rssMb.toFixed(0)} MB (target <= 300 MB)`);
if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
