/**
 * Crash safety: `understudy send` is killed with SIGKILL at random moments, at least 20 times, during a
 * 5,000-recipient send to smtp-sink; each time the next `send` resumes it. Then what the server
 * received (its -D dump) is compared with the list: nobody lost, extra copies only of messages that
 * were in flight (claimed) at a kill and never more than those, and integrity_check ok after every kill.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { startSmtpSink } from '../../helpers/smtp';
import { campaign, PASSPHRASE, smtpProvider, world } from './fixture';
import { waitUntil } from '../../helpers/wait';

const ROOT = join(__dirname, '..', '..', '..');
const KILLS = 20;
const N = 5000;

function rowsOf(dbPath: string, sql: string): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  it(`kill -9 during a ${N}-recipient send, ${KILLS} times: 0 lost, duplicates ≤ in flight per kill, integrity ok`, async () => {
    const w = await world(N);
    const sink = await startSmtpSink({ dump: true });
    try {
      await smtpProvider(w, 'relay', sink.port, { maxConnections: 4 });
      const id = campaign(w);
      await w.engine.close();

      // The sender is bundled to plain JavaScript once, so each of the 21 processes starts fast
      // (dependencies stay external and load from node_modules as in the app).
      const child = join(ROOT, 'node_modules', '.cache', 'understudy-test', `sendChild-${process.pid}.mjs`);
      await build({
        entryPoints: [join(__dirname, 'sendChild.ts')],
        outfile: child,
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
      });
      const send = () =>
        spawn(process.execPath, [child, w.dbPath, String(id)], {
          env: { ...process.env, UNDERSTUDY_PASSPHRASE: PASSPHRASE },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      const sentNow = () =>
        Number(rowsOf(w.dbPath, `SELECT count(*) AS n FROM deliveries WHERE state = 'sent'`)[0]?.n ?? 0);

      const inFlightAtKill: Set<string>[] = [];
      for (let k = 0; k < KILLS; k++) {
        const child = send();
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        const before = sentNow();
        // Kill it at a random moment of its sending: after a random number (1-60) of further
        // deliveries are recorded — a point in the send's own progress, not a time.
        const target = before + 1 + Math.floor(Math.random() * 60);
        await waitUntil('the sender to make progress', () => sentNow() >= target || child.exitCode !== null, {
          everyMs: 10,
        }).catch(() => undefined);
        child.kill('SIGKILL');
        await exited;
        expect(rowsOf(w.dbPath, 'PRAGMA integrity_check')[0]).toEqual({ integrity_check: 'ok' });
        inFlightAtKill.push(
          new Set(
            rowsOf(w.dbPath, `SELECT lower(email) AS e FROM deliveries WHERE state = 'claimed'`).map((r) =>
              String(r.e),
            ),
          ),
        );
      }
      expect(sentNow()).toBeLessThan(N); // the kills really happened mid-send

      // A final, uninterrupted run finishes the campaign.
      const last = send();
      let out = '';
      last.stdout!.on('data', (d) => (out += d.toString()));
      const code = await new Promise<number | null>((r) => last.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      const summary = JSON.parse(out) as { sent: number; state: string; failed: number };
      expect(summary).toMatchObject({ sent: N, state: 'finished', failed: 0 });

      const count = new Map<string, number>();
      for (const m of sink.received()) for (const to of m.rcpt) count.set(to, (count.get(to) ?? 0) + 1);
      // 0 lost.
      expect(w.emails.filter((e) => !count.has(e))).toEqual([]);
      // Each extra copy is of a message that was in flight at a kill, and no more extras than that.
      const extras = [...count.entries()].filter(([, n]) => n > 1);
      const wasInFlight = (e: string) => inFlightAtKill.some((s) => s.has(e));
      expect(extras.filter(([e]) => !wasInFlight(e))).toEqual([]);
      for (const [e, n] of extras) {
        const kills = inFlightAtKill.filter((s) => s.has(e)).length;
        expect(n - 1, e).toBeLessThanOrEqual(kills);
      }
      const totalExtra = extras.reduce((a, [, n]) => a + n - 1, 0);
      const totalInFlight = inFlightAtKill.reduce((a, s) => a + s.size, 0);
      expect(totalExtra).toBeLessThanOrEqual(totalInFlight);
      console.log(
        `crash test: ${KILLS} kills, in flight per kill ${inFlightAtKill.map((s) => s.size).join(',')}; ${totalExtra} extra copies of ${N} (bound ${totalInFlight})`,
      );
    } finally {
      await sink.stop();
    }
  }, 600_000);
});
