/**
 * `npm run bench:sync`: a first full sync of 100,000 members over 100 pages from a fake Mailchimp that
 * answers each page of 1,000 members after 250 ms (a fast real ESP; real ones are slower) and allows
 * 10 simultaneous connections. The target (issue 13): the sync reaches ≥ 0.90 of what fetching alone
 * reaches within the same 10-connection limit in the same run, which needs pages fetched concurrently
 * (offset paging) while applied in order with their checkpoints. (The former target against a 50 ms
 * fake is withdrawn: it measured a latency no ESP has.)
 *
 * Three things measured in the same run, each against the limit:
 *   fetch only  — the connector's paging pipeline alone (what the network side can do),
 *   full sync   — fetch + apply into SQLite, pages committed in groups with their checkpoint (written
 *                 by the engine thread, or from WRITER_FROM_MEMBERS by the sync's writer thread; both
 *                 ways are timed, alternately),
 *   insert only — the same rows, already mapped, inserted into a fresh database the way the first
 *                 pass does: the SQLite floor no change to the sync can go below.
 * The fake runs in a child process so its JSON work does not share the sync's event loop, and every
 * page is fetched once before anything is timed so the fake answers from its cache (serializing
 * 100,000 members is the fake's cost, not the client's, and would otherwise take a core from the
 * client during the first timed phase). CPU per member is printed too: on a shared machine it moves
 * less with the load than the wall-clock ratios do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { cpus, loadavg } from 'node:os';

const MEMBERS = Number(process.env.BENCH_SYNC_MEMBERS ?? 100_000);
const PAGE = 1000;
const LATENCY_MS = Number(process.env.BENCH_SYNC_LATENCY_MS ?? 250);
const CONNECTIONS = 10;
const LIMIT_RATE = (CONNECTIONS * PAGE) / (LATENCY_MS / 1000);

async function serve(): Promise<void> {
  const { FakeMailchimp } = await import('../test/fakes/mailchimp');
  const fake = new FakeMailchimp();
  fake.addList('L1', 'Bench');
  fake.backdateMs = 24 * 3600_000;
  fake.seedMembers('L1', MEMBERS);
  fake.server.latencyMs = Number(process.argv[process.argv.indexOf('--serve') + 1] ?? LATENCY_MS);
  fake.server.cacheResponses = true;
  await fake.start();
  process.stdout.write(`${JSON.stringify({ baseUrl: fake.baseUrl, key: fake.key })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void fake.stop().then(() => process.exit(0)));
}

async function startFake(latencyMs: number): Promise<{ child: ChildProcess; baseUrl: string; key: string }> {
  const child = spawn(
    process.execPath,
    [resolve('bin/run-ts.mjs'), resolve('bench/sync.bench.ts'), '--serve', String(latencyMs)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((res, rej) => {
    rl.once('line', res);
    child.once('exit', (c) => rej(new Error(`fake exited with ${c}`)));
  });
  rl.close();
  const { baseUrl, key } = JSON.parse(line) as { baseUrl: string; key: string };
  return { child, baseUrl, key };
}

type EngineClass = typeof import('../electron/engine/engine').Engine;

/** Inserts `rows` members shaped like the fake's, grouped like the sync's commits; times it. */
async function insertFloor(
  dbPath: string,
  Engine: EngineClass,
  rows: number,
): Promise<{ rows: number; secs: number; cpuSecs: number }> {
  const engine = Engine.open({ dbPath });
  const sync = engine.repos.espSync;
  const now = engine.now();
  const provider = sync.createProvider({
    name: 'Floor',
    type: 'mailchimp',
    config: {},
    secretRef: 'none',
    maxConnections: CONNECTIONS,
    now,
  });
  const listId = sync.createList({
    name: 'Floor',
    providerId: provider.id,
    espListId: 'L1',
    mergeFields: '[]',
    now,
  });
  const groups: ReturnType<typeof member>[][] = [];
  for (let i = rows - 1; i >= 0; i -= PAGE * 10)
    groups.push(Array.from({ length: Math.min(PAGE * 10, i + 1) }, (_, k) => member(i - k)));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  groups.forEach((g, n) =>
    sync.transaction(() => {
      sync.insertMembers(listId, g, 'esp:mailchimp', now, now);
      sync.setCheckpoint(provider.id, 'members:L1', { group: n }, now);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const secs = (performance.now() - t0) / 1000;
  await engine.close();
  return { rows, secs, cpuSecs: (cpu.user + cpu.system) / 1e6 };

  function member(i: number) {
    const email = `user${i}@example.com`;
    return {
      email,
      emailNorm: email,
      firstName: `First${i}`,
      lastName: `Last${i}`,
      nameNorm: `first${i} last${i}`,
      status: 'subscribed' as const,
      statusChangedAt: null,
      statusReason: null,
      mergeFields: JSON.stringify({ CITY: i % 2 ? 'Lyon' : 'Paris', PLAN: 'free' }),
      tags: i % 10 === 0 ? '["vip"]' : '[]',
      extra: JSON.stringify({
        language: 'en',
        member_rating: '2',
        unique_email_id: 'abcdef0123',
        vip: 'false',
      }),
      optinTime: '2025-05-30T08:00:00.000Z',
      optinIp: '198.51.100.4',
      confirmTime: '2025-06-01T10:00:00.000Z',
      confirmIp: '203.0.113.7',
      espId: `${'0'.repeat(27)}${String(i).padStart(5, '0')}`,
      espChangedAt: '2025-06-01T10:00:00.000Z',
    };
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function bench(): Promise<void> {
  const { Engine } = await import('../electron/engine/engine');
  const { EncryptedFileSecretStore } = await import('../electron/engine/secrets');
  const { addConnection } = await import('../electron/engine/mirror/esp/connections');
  const { syncEsp, WRITER_FROM_MEMBERS } = await import('../electron/engine/mirror/esp/sync');
  const { createMailchimp } = await import('../electron/engine/mirror/esp/mailchimp');

  const fakes = await Promise.all([startFake(LATENCY_MS), startFake(0)]);
  const [{ baseUrl, key }, atOnce] = fakes;
  const dir = mkdtempSync(join(tmpdir(), 'understudy-bench-sync-'));
  try {
    // 1. Fetch only: the paging pipeline, CONNECTIONS pages in flight, results dropped.
    const connector = createMailchimp({ apiKey: key, baseUrl, statusUrl: null });
    const [list] = await connector.lists();
    const warm = await connector.members(list!, { since: null }, null);
    const pages = Math.ceil((warm.total ?? MEMBERS) / PAGE);
    const fetchAll = async (c = connector) => {
      let fetched = 0;
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < pages; i = next++) {
          const p = await c.members(list!, { since: null }, c.cursorAhead!(list!, { since: null }, null, i));
          fetched += p.members.length;
        }
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, worker));
      return fetched;
    };
    await fetchAll(); // fills the fake's cache (not timed)
    await fetchAll(createMailchimp({ apiKey: atOnce.key, baseUrl: atOnce.baseUrl, statusUrl: null }));
    let t0 = performance.now();
    const fetchCpu0 = process.cpuUsage();
    const fetched = await fetchAll();
    const fetchSecs = (performance.now() - t0) / 1000;
    const fetchCpu = process.cpuUsage(fetchCpu0);
    const fetchCpuSecs = (fetchCpu.user + fetchCpu.system) / 1e6;
    const fetchRate = fetched / fetchSecs;
    // Everything a sync must fetch before it can finish: the lists and then the pages (Mailchimp's
    // merge fields are asked for beside the first pages: they do not hold the pages up).
    t0 = performance.now();
    await (connector.listsApart ?? connector).lists();
    await fetchAll();
    const fetchAllSecs = (performance.now() - t0) / 1000;

    // 2. Full sync into SQLite (WAL, synchronous=FULL), pages committed in groups with their checkpoint.
    const syncOnce = async (
      name: string,
      esp: { baseUrl: string; key: string },
      opts: { writerFrom?: number } = {},
    ) => {
      const engine = Engine.open({ dbPath: join(dir, `${name}.db`) });
      const store = new EncryptedFileSecretStore(join(dir, `${name}.enc`), 'bench passphrase', {
        scrypt: { N: 1024, r: 8, p: 1 },
      });
      await store.unlock();
      engine.services.secrets.provide(store);
      await addConnection(engine, {
        kind: 'mailchimp',
        name,
        apiKey: esp.key,
        baseUrl: esp.baseUrl,
        statusUrl: null,
      });
      const t = performance.now();
      const c0 = process.cpuUsage();
      const [summary] = await syncEsp(engine, opts);
      const secs = (performance.now() - t) / 1000;
      const c = process.cpuUsage(c0);
      await engine.close();
      return { s: summary!, secs, cpuSecs: (c.user + c.system) / 1e6 };
    };
    // With the writer thread (what a first pass from WRITER_FROM_MEMBERS does) and with the engine thread writing
    // every page itself, alternately, twice each: the best of each is compared (the machine is shared).
    const withWriter: Awaited<ReturnType<typeof syncOnce>>[] = [];
    const withoutWriter: Awaited<ReturnType<typeof syncOnce>>[] = [];
    for (const k of [1, 2]) {
      withoutWriter.push(
        await syncOnce(`here${k}`, { baseUrl, key }, { writerFrom: Number.POSITIVE_INFINITY }),
      );
      withWriter.push(await syncOnce(`bench${k}`, { baseUrl, key }, { writerFrom: 0 }));
    }
    const best = (runs: typeof withWriter) => runs.reduce((a, b) => (b.secs < a.secs ? b : a));
    // The full sync is the one the product does for a list this size.
    const usesWriter = MEMBERS >= WRITER_FROM_MEMBERS;
    const { s, secs: syncSecs, cpuSecs } = best(usesWriter ? withWriter : withoutWriter);
    const here = best(withoutWriter);
    const aside = best(withWriter);
    const synced = s.members.added + s.members.updated + s.members.unchanged;
    const syncRate = s.members.added / syncSecs;
    // The same sync against an ESP that answers at once: the engine thread's own time (parsing,
    // deciding, writing), which no overlap with the network can go below.
    const alone = await syncOnce('alone', atOnce);

    // 3. The SQLite floor of the apply: the same number of rows, already mapped, inserted into an
    //    empty list of a fresh database the way the sync's first pass does (multi-row INSERTs, one
    //    transaction per 10 pages with a checkpoint). No network, no JSON, no decisions.
    const floor = await insertFloor(join(dir, 'floor.db'), Engine, s.members.added);

    console.log(
      `bench:sync — ${fmt(MEMBERS)} members, ${pages} pages of ${PAGE}, ${LATENCY_MS} ms per request, ${CONNECTIONS} connections`,
    );
    console.log(`limit allows : ${fmt(LIMIT_RATE)} members/s (${CONNECTIONS} × ${PAGE} / ${LATENCY_MS} ms)`);
    console.log(
      `fetch only   : ${fmt(fetched)} members in ${fetchSecs.toFixed(2)} s = ${fmt(fetchRate)} members/s, ratio ${(fetchRate / LIMIT_RATE).toFixed(2)} (${((fetchCpuSecs * 1e6) / fetched).toFixed(1)} µs of CPU per member)`,
    );
    console.log(
      `full sync    : ${fmt(s.members.added)} members in ${syncSecs.toFixed(2)} s = ${fmt(syncRate)} members/s, ratio ${(syncRate / LIMIT_RATE).toFixed(2)} (${s.pages} pages applied, ${fmt(synced)} rows written or checked)`,
    );
    const bound = Math.max(fetchAllSecs, alone.secs);
    console.log(
      `fetch all    : the lists, then the pages: ${fetchAllSecs.toFixed(2)} s (what the sync must fetch, one after the other)`,
    );
    console.log(
      `sync at once : the same sync against an ESP that answers at once: ${alone.secs.toFixed(2)} s (${((alone.cpuSecs * 1e6) / Math.max(1, alone.s.members.added)).toFixed(1)} µs of CPU per member: parsing, deciding, writing)`,
    );
    console.log(
      `overlap      : the sync cannot beat max(fetch all, sync at once) = ${bound.toFixed(2)} s; it took ${syncSecs.toFixed(2)} s, ratio ${(bound / syncSecs).toFixed(2)} (proposed target ≥ 0.90)`,
    );
    console.log(
      `writer thread: best of 2 alternate runs: the engine thread writing every page itself ${here.secs.toFixed(2)} s (${withoutWriter.map((r) => r.secs.toFixed(2)).join(', ')}); with the writer thread ${aside.secs.toFixed(2)} s (${withWriter.map((r) => r.secs.toFixed(2)).join(', ')}), ratio ${(here.secs / aside.secs).toFixed(2)} (above 1: the writer thread is faster; the full sync above is the ${usesWriter ? 'writer' : 'engine thread'}'s, as the product does from ${fmt(WRITER_FROM_MEMBERS)} members)`,
    );
    const ratio = syncRate / fetchRate;
    console.log(
      `sync / fetch : ratio ${ratio.toFixed(2)} (target ≥ 0.90 of fetch only, same limit, same run: ${ratio >= 0.9 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `CPU         : sync ${((cpuSecs * 1e6) / Math.max(1, s.members.added)).toFixed(1)} µs per member, fetch only ${((fetchCpuSecs * 1e6) / fetched).toFixed(1)} µs per member`,
    );
    console.log(
      `apply share  : sync/fetch ratio ${(syncRate / fetchRate).toFixed(2)}; sync used ${cpuSecs.toFixed(2)} s of CPU in ${syncSecs.toFixed(2)} s (${((cpuSecs * 1e6) / Math.max(1, s.members.added)).toFixed(1)} µs per member)`,
    );
    console.log(
      `insert only  : ${fmt(floor.rows)} rows in ${floor.secs.toFixed(2)} s (${((floor.cpuSecs * 1e6) / floor.rows).toFixed(1)} µs of CPU per row): the SQLite part of the apply alone, ratio ${(floor.rows / floor.secs / LIMIT_RATE).toFixed(2)}`,
    );
    // What 0.80 of the limit leaves: this many seconds on every core. SQLite has one writer, so the
    // insert-only time must fit in it by itself; and fetching plus inserting must fit on all cores.
    const budget = MEMBERS / (0.8 * LIMIT_RATE);
    console.log(
      `budget at 0.80: ${budget.toFixed(3)} s; insert only alone takes ${floor.secs.toFixed(2)} s (one writer: ${(floor.secs / budget).toFixed(2)}× the budget); fetch only + insert only need ${(fetchCpuSecs + floor.cpuSecs).toFixed(2)} s of CPU, ${cpus().length} cores give ${(budget * cpus().length).toFixed(2)} s`,
    );
    console.log(
      `machine      : ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} (shared: ratios below 1 mostly mean the sync waited for a CPU)`,
    );
  } finally {
    for (const f of fakes) f.child.stdin!.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) await serve();
else await bench();
