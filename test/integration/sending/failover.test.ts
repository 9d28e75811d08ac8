/**
 * The primary relay dies (SIGKILL) in the middle of a campaign; the backup finishes it. Every
 * recipient gets the campaign; a second copy is possible only for a message that was on the wire to
 * the primary when it died (RFC 1047), at most one per connection, and it carries the same Message-ID.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCampaign } from '../../../electron/engine/sending';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { campaign, FAST, smtpProvider, world } from './fixture';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
});

describe('failover', () => {
  it('primary killed mid-campaign: the backup finishes, every recipient once (in-flight copies bounded)', async () => {
    const N = 1500;
    const w = await world(N);
    const primary = await startSmtpSink({ dump: true });
    const backup = await startSmtpSink({ dump: true });
    sinks.push(primary, backup);
    await smtpProvider(w, 'primary', primary.port, { priority: 1, maxConnections: 3 });
    await smtpProvider(w, 'backup', backup.port, { priority: 2, maxConnections: 3 });
    let killed: Promise<void> | null = null;
    const s = await runCampaign(w.engine, campaign(w), {
      // A progress event at every step of the loop: the kill lands at 400 sent however fast the
      // machine is (at the default 250 ms, a quick machine may send all 1,500 before the first event).
      tuning: { ...FAST, progressMs: 0 },
      onProgress: (p) => {
        if (!killed && p.sent >= 400) killed = primary.kill();
      },
    });
    await killed;
    expect(killed).not.toBeNull();
    expect(s).toMatchObject({ state: 'finished', sent: N, failed: 0 });
    expect(s.byProvider.primary).toBeGreaterThanOrEqual(400);
    expect(s.byProvider.backup).toBeGreaterThan(0);

    const copies = new Map<string, Set<string | null>>();
    const count = new Map<string, number>();
    for (const m of [...primary.received(), ...backup.received()]) {
      const to = m.rcpt[0]!;
      count.set(to, (count.get(to) ?? 0) + 1);
      copies.set(to, (copies.get(to) ?? new Set()).add(m.messageId));
    }
    // Nobody lost.
    expect(count.size).toBe(N);
    for (const e of w.emails) expect(count.get(e), e).toBeGreaterThanOrEqual(1);
    // Duplicates only from messages in flight to the primary when it died: at most its connections.
    const dups = [...count.values()].filter((n) => n > 1);
    expect(dups.every((n) => n === 2)).toBe(true);
    expect(dups.length).toBeLessThanOrEqual(3);
    expect([...copies.values()].every((ids) => ids.size === 1)).toBe(true);
    const types = w.engine.repos.events.recent(500).map((e) => e.type);
    expect(types).toContain('provider.down');
    expect(types).toContain('send.failover');
    await w.engine.close();
  });
});
