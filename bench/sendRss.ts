/**
 * Child of the send benchmark: sends a campaign of N recipients — through the SMTP server on PORT when
 * one is given (the real path: rendering, MIME, the connection pool), else through the null transport
 * (the whole engine — enqueue, outbox claims, caps, rendering, outcome writes — but no SMTP) — then
 * prints its peak RSS (VmHWM) during the campaign as JSON. The benchmark runs it bundled to plain JavaScript,
 * as the app runs the engine (no TypeScript loader in the measured process).
 *
 * The N subscribers are inserted by another process (this script with `setup`): resetting the peak
 * after an in-process setup would still count what the setup left resident — the 64 MiB page cache
 * its million inserts filled, freed memory the allocator keeps — as the campaign's. The measured
 * process opens the database the way the app does when someone presses Send.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchWorld, openBenchWorld } from './sendWorld';
import { addProvider, createNullTransport, runCampaign } from '../electron/engine/sending';

if (process.argv[2] === 'setup') {
  const { engine, dir, campaignId } = await benchWorld(Number(process.argv[3]));
  const port = Number(process.argv[4] ?? 9);
  await addProvider(engine, { name: 'relay', host: '127.0.0.1', port, tls: 'none', maxConnections: 10 });
  await engine.close();
  process.stdout.write(JSON.stringify({ dir, campaignId }));
} else {
  const n = Number(process.argv[2] ?? 1_000_000);
  const port = process.argv[3];
  const setup = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), 'setup', String(n), port ?? '9'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    },
  );
  if (setup.status !== 0) throw new Error(`setup exited ${setup.status}`);
  const { dir, campaignId } = JSON.parse(setup.stdout.toString()) as { dir: string; campaignId: number };
  const engine = await openBenchWorld(dir);
  // Only the campaign: "5" resets the peak RSS (VmHWM) after the engine is open.
  // https://www.kernel.org/doc/html/latest/filesystems/proc.html (clear_refs)
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    process.stderr.write('(could not reset the peak RSS; it includes opening the engine)\n');
  }
  const t0 = performance.now();
  const s = await runCampaign(engine, campaignId, port ? {} : { transportFor: () => createNullTransport() });
  const ms = performance.now() - t0;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ n, sent: s.sent, ms, peakRssMb: Number(hwm) / 1024 }));
}
