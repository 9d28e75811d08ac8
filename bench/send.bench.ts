/**
 * `npm run bench:send` — the sending engine, each figure side by side with its reference in one run:
 *  1. throughput: N personalized ~5 KiB messages to smtp-sink over 10 connections, against
 *     `smtp-source -s 10 -d` sending the same count and size to the same kind of sink (ratio; target ≥ 0.30);
 *  2. failover time: primary smtp-sink SIGKILLed mid-campaign → backup's first accepted message (≤ 2 s);
 *  3. cap accuracy on a simulated clock: 10/s and 500/day (≥ 97 % of the cap, never above);
 *  4. peak RSS for a 1,000,000-recipient campaign, next to a 100,000-recipient one (≤ 200 MB, and flat):
 *     sent to smtp-sink (the real path), and through the null transport (the engine alone).
 * Sizes: BENCH_SEND_N (default 20000), BENCH_RSS_N (default 1000000).
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { join } from 'node:path';
import { startSmtpSink } from '../test/helpers/smtp';
import { benchWorld } from './sendWorld';
import { addProvider, runCampaign, createSmtpTransport } from '../electron/engine/sending';
import { ManualClock } from '../electron/engine/clock';
import { RateLimiter, simulate } from '../electron/engine/sending/limiter';
import { encodeMessage } from '../electron/engine/sending/mime';

const N = Number(process.env.BENCH_SEND_N ?? 20_000);
const RSS_N = Number(process.env.BENCH_RSS_N ?? 1_000_000);
const out = (s: string) => process.stdout.write(`${s}\n`);

async function throughput(): Promise<void> {
  const { engine, dir, campaignId } = await benchWorld(N);
  const sink = await startSmtpSink({ backlog: 1024 });
  await addProvider(engine, {
    name: 'sink',
    host: '127.0.0.1',
    port: sink.port,
    tls: 'none',
    maxConnections: 10,
  });
  // The size of what we put on the wire (one rendered message), so smtp-source sends the same bytes.
  let size = 0;
  const t0 = performance.now();
  const s = await runCampaign(engine, campaignId, {
    transportFor: (row, secret) => {
      const t = createSmtpTransport(row, secret);
      return {
        ...t,
        send: (m) => {
          if (size === 0) size = encodeMessage(m).length;
          return t.send(m);
        },
      };
    },
  });
  const ours = (s.sent / (performance.now() - t0)) * 1000;
  await engine.close();
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });

  const sink2 = await startSmtpSink({ backlog: 1024 });
  const t1 = performance.now();
  const r = spawnSync('/usr/sbin/smtp-source', [
    '-s',
    '10',
    '-d',
    '-m',
    String(N),
    '-l',
    String(size),
    '-f',
    'news@shop.test',
    '-t',
    'user@example.test',
    `127.0.0.1:${sink2.port}`,
  ]);
  const ref = (N / (performance.now() - t1)) * 1000;
  await sink2.stop();
  if (r.status !== 0) throw new Error(`smtp-source failed: ${r.stderr.toString()}`);
  out(
    `throughput: understudy ${ours.toFixed(0)} msg/s (${s.sent} sent, ${size} bytes each) vs smtp-source -s 10 -d -l ${size} ${ref.toFixed(0)} msg/s -> ratio ${(ours / ref).toFixed(2)} (target >= 0.30)`,
  );
}

async function failover(): Promise<void> {
  const { engine, dir, campaignId } = await benchWorld(3000);
  const primary = await startSmtpSink({});
  const backup = await startSmtpSink({});
  await addProvider(engine, {
    name: 'primary',
    host: '127.0.0.1',
    port: primary.port,
    tls: 'none',
    priority: 1,
    maxConnections: 3,
  });
  await addProvider(engine, {
    name: 'backup',
    host: '127.0.0.1',
    port: backup.port,
    tls: 'none',
    priority: 2,
    maxConnections: 3,
  });
  let killedAt = 0;
  let firstBackupOk = 0;
  const s = await runCampaign(engine, campaignId, {
    tuning: { progressMs: 0 }, // an event at every step: the kill lands at 300 sent, not at the next tick
    onProgress: (p) => {
      if (!killedAt && p.sent >= 300) {
        killedAt = performance.now();
        void primary.kill();
      }
    },
    transportFor: (p, secret) => {
      const t = createSmtpTransport(p, secret);
      if (p.name !== 'backup') return t;
      return {
        ...t,
        send: async (m) => {
          const r = await t.send(m);
          if (!firstBackupOk && killedAt) firstBackupOk = performance.now();
          return r;
        },
      };
    },
  });
  await engine.close();
  await backup.stop();
  await primary.stop();
  rmSync(dir, { recursive: true, force: true });
  const ms = firstBackupOk - killedAt;
  out(
    `failover: primary killed -> backup's first accepted message in ${ms.toFixed(0)} ms vs target 2000 ms -> ratio ${(ms / 2000).toFixed(2)} (${s.sent} sent: ${JSON.stringify(s.byProvider)})`,
  );
}

function caps(): void {
  const start = Date.UTC(2026, 0, 1);
  const c1 = new ManualClock(start);
  const perSec = simulate(
    new RateLimiter({ perSecond: 10, perMinute: null, perHour: null, perDay: null }),
    c1,
    600_000,
  );
  const bySecond = new Map<number, number>();
  for (const t of perSec) bySecond.set(Math.floor(t / 1000), (bySecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  const maxSec = Math.max(...bySecond.values());
  out(
    `caps 10/s: ${perSec.length} in 600 s simulated = ${((perSec.length / 6000) * 100).toFixed(1)} % of cap, max in any second ${maxSec} (cap 10)`,
  );
  const c2 = new ManualClock(start);
  const perDay = simulate(
    new RateLimiter({ perSecond: null, perMinute: null, perHour: null, perDay: 500 }),
    c2,
    3 * 86_400_000,
    1000,
  );
  const secs = perDay.map((t) => Math.floor(t / 1000));
  let worst = 0;
  for (let i = 0, j = 0; i < secs.length; i++) {
    while (secs[j]! <= secs[i]! - 86_400) j++;
    worst = Math.max(worst, i - j + 1);
  }
  out(
    `caps 500/day: ${perDay.length} in 3 simulated days = ${((perDay.length / 1500) * 100).toFixed(1)} % of cap, max in any rolling 24 h ${worst} (cap 500)`,
  );
}

/** sendRss.ts bundled to plain JavaScript once (dependencies external, loaded from node_modules). */
let rssScript: string | null = null;
async function rssChild(
  n: number,
  port?: number,
): Promise<{ n: number; sent: number; ms: number; peakRssMb: number }> {
  if (!rssScript) {
    rssScript = join(import.meta.dirname, '..', 'node_modules', '.cache', 'understudy-bench', 'sendRss.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, 'sendRss.ts')],
      outfile: rssScript,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
  }
  return new Promise((resolve, reject) => {
    const args = [rssScript!, String(n), ...(port ? [String(port)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    child.stdout.on('data', (d) => (s += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(s)) : reject(new Error(`sendRss exited ${code}`)),
    );
  });
}

async function rss(): Promise<void> {
  // The real path (SMTP to smtp-sink over 10 connections), then the engine alone (null transport).
  const sink = await startSmtpSink({ backlog: 1024 });
  try {
    for (const port of [sink.port, undefined]) {
      const via = port ? 'to smtp-sink' : 'via null transport';
      const small = await rssChild(Math.max(1, Math.floor(RSS_N / 10)), port);
      const big = await rssChild(RSS_N, port);
      out(
        `peak RSS during the campaign: ${big.n} recipients ${big.peakRssMb.toFixed(0)} MB (${big.sent} sent ${via}, ${((big.sent / big.ms) * 1000).toFixed(0)} msg/s) vs ${small.n} recipients ${small.peakRssMb.toFixed(0)} MB -> ratio ${(big.peakRssMb / small.peakRssMb).toFixed(2)}; budget 200 MB -> ${(big.peakRssMb / 200).toFixed(2)} of it`,
      );
    }
  } finally {
    await sink.stop();
  }
}

const only = process.argv.slice(2);
const want = (s: string) => only.length === 0 || only.includes(s);
if (want('caps')) caps();
if (want('failover')) await failover();
if (want('throughput')) await throughput();
if (want('rss')) await rss();
