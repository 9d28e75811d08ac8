/**
 * `npm run bench:import`: a 1,000,000-row Mailchimp-style export (23 columns, quoted commas, multibyte
 * names, ~1% invalid or duplicate rows), imported (a) by `understudy import` into a fresh database,
 * with full validation, and (b) by sqlite3's `.import` into a table with a UNIQUE email index (no
 * validation), in the same run. Prints both times, the ratio and the peak RSS.
 * Options: ROWS=N (default 1,000,000), KEEP=1 keeps the work folder.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

// (a) understudy import, as a user runs it (bin/understudy.mjs), reporting its peak RSS.
const db = join(work, 'understudy.sqlite');
let t = performance.now();
const a = spawnSync(
  process.execPath,
  [
    join(root, 'bench', 'cliRss.mjs'),
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

// (d) The floor of any importer written in Node: better-sqlite3 inserting the rows, already parsed
// (not timed), into the very table (b) filled — no validation, no mapping, one transaction, WAL at
// synchronous=FULL as ours. Whatever an importer does on top, it cannot be faster than this.
const dSec = nodeFloor(join(work, 'node-floor.db'));

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
console.log(
  `node floor:        ${dSec.toFixed(2)} s (better-sqlite3 inserting the same rows, pre-parsed, into the table of (b); ratio floor/sqlite3 ${(dSec / bSec).toFixed(2)})`,
);
console.log(`ratio understudy/sqlite3: ${ratio.toFixed(2)} (target <= 1.0)`);
console.log(`peak RSS understudy import: ${rssMb.toFixed(0)} MB (target <= 300 MB)`);
if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);

/** Seconds better-sqlite3 spends inserting the file's rows into (b)'s table; parsing is not counted. */
function nodeFloor(path: string): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  const n = MAILCHIMP_SUBSCRIBED_HEADER.length;
  db.exec(`CREATE TABLE t (${cols}); CREATE UNIQUE INDEX t_email ON t ("Email Address");`);
  const B = 40;
  const row = `(${Array(n).fill('?').join(',')})`;
  const many = db.prepare(`INSERT OR IGNORE INTO t VALUES ${Array(B).fill(row).join(',')}`);
  const one = db.prepare(`INSERT OR IGNORE INTO t VALUES ${row}`);
  const args: string[] = new Array(B * n);
  const fd = openSync(file, 'r');
  const chunk = Buffer.alloc(16 << 20);
  let carry = '';
  let first = true;
  let secs = 0;
  db.exec('BEGIN');
  for (;;) {
    const got = readSync(fd, chunk, 0, chunk.length, null);
    const text = carry + chunk.toString('utf8', 0, got);
    const cut = got === 0 ? text.length : text.lastIndexOf('\n') + 1;
    carry = text.slice(cut);
    const rows = (parse(text.slice(0, cut), { relax_column_count: true }) as string[][]).slice(first ? 1 : 0);
    first = false;
    for (const r of rows) r.length = n; // .import pads short rows and cuts long ones the same way
    const t0 = performance.now();
    let i = 0;
    for (; i + B <= rows.length; i += B) {
      let k = 0;
      for (let j = i; j < i + B; j++) for (let c = 0; c < n; c++) args[k++] = rows[j]![c] ?? '';
      many.run(args);
    }
    for (; i < rows.length; i++) one.run(rows[i]!.map((v) => v ?? ''));
    secs += (performance.now() - t0) / 1000;
    if (got === 0) break;
  }
  const t0 = performance.now();
  db.exec('COMMIT');
  db.pragma('wal_checkpoint(TRUNCATE)');
  secs += (performance.now() - t0) / 1000;
  closeSync(fd);
  db.close();
  return secs;
}
