/**
 * Child of the send benchmark: sends a campaign of N recipients through the null transport (the whole
 * engine — outbox claims, caps, rendering, outcome writes — but no SMTP server), then prints its peak
 * RSS (VmHWM) during the campaign as JSON. The benchmark runs it bundled to plain JavaScript, as the
 * app runs the engine (no TypeScript loader in the measured process).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { benchWorld } from './sendWorld';
import { addProvider, createNullTransport, runCampaign } from '../electron/engine/sending';

const n = Number(process.argv[2] ?? 1_000_000);
const { engine, dir, campaignId } = await benchWorld(n);
// Measure the campaign, not the setup that inserted n subscribers: "5" resets the peak RSS (VmHWM).
// https://www.kernel.org/doc/html/latest/filesystems/proc.html (clear_refs)
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  process.stderr.write('(could not reset the peak RSS; it includes the setup)\n');
}
await addProvider(engine, { name: 'null', host: '127.0.0.1', port: 9, tls: 'none', maxConnections: 10 });
const t0 = performance.now();
const s = await runCampaign(engine, campaignId, { transportFor: () => createNullTransport() });
const ms = performance.now() - t0;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
await engine.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ n, sent: s.sent, ms, peakRssMb: Number(hwm) / 1024 }));
