/**
 * Issue 16 §3, keep-warm: a provider with keep-warm on gets a drill (a real message through a real SMTP
 * server on loopback, delivered into the team's seed mailbox in a real Dovecot) when it has not sent
 * for a week, on a simulated clock — and nothing when it sent recently, or when keep-warm is off. Its
 * warm-up state shows the sending day.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SMTPServer } from 'smtp-server';
import type { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { configureMailbox } from '../../../electron/engine/continuity/mailbox';
import { periodicJobs } from '../../../electron/engine/continuity/periodic';
import { KEEP_WARM_CHECK_MS, keepWarmDue, runKeepWarm } from '../../../electron/engine/continuity/keepWarm';
import { changeReputation } from '../../../electron/engine/sending/reputation';
import { providerWarmup } from '../../../electron/engine/sending/warmup';
import { addProvider } from '../../../electron/engine/sending/providers';
import { REPUTATION_EVENTS } from '../../../electron/engine/api/reputation';
import { deliveringRelay, startDovecot, freePort, type Dovecot } from '../../helpers/dovecot';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { tempDir } from '../../helpers/tmp';

const DAY = 86_400_000;
let dovecot: Dovecot;
let engine: Engine;
let clock: ManualClock;
let smtp: SMTPServer;
let port: number;

beforeEach(async () => {
  dovecot = await startDovecot({ seed: 'seed-pass-2' });
  clock = new ManualClock(Date.parse('2026-03-02T10:00:00.000Z'));
  ({ engine } = await engineWithSecrets(tempDir(), clock));
  port = await freePort();
  // A relay that delivers what it accepts into the seed mailbox, like an MTA.
  smtp = await deliveringRelay(dovecot, port, { authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] });
});
afterEach(async () => {
  await engine.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  await dovecot.stop();
});

const drillOpts = { timeoutMs: 20_000, pollMs: 100, dnsServer: '127.0.0.1:9' };

describe('keep-warm', () => {
  it('sends a drill through a kept-warm backup when it is due, and not otherwise', async () => {
    await configureMailbox(engine, {
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      user: 'seed',
      password: 'seed-pass-2',
      seedAddress: 'seed@shop.example',
    });
    const common = { host: '127.0.0.1', port, tls: 'none' as const, preset: 'sendgrid' };
    await addProvider(engine, { name: 'Kept warm', ...common, priority: 1 });
    await addProvider(engine, { name: 'Left alone', ...common, priority: 2 });
    const kept = engine.repos.providers.byName('Kept warm')!;
    const alone = engine.repos.providers.byName('Left alone')!;
    const job = periodicJobs(engine).find((j) => j.name === 'keep-warm')!;

    // Off everywhere: the periodic work does not even look, and nothing is due.
    expect(job.everyMs()).toBeNull();
    expect(await runKeepWarm(engine, drillOpts)).toEqual([]);
    expect(await dovecot.messageIds('seed')).toEqual([]);

    changeReputation(engine, kept, { keepWarm: true });
    expect(job.everyMs()).toBe(KEEP_WARM_CHECK_MS);
    expect(providerWarmup(engine, kept).state).toBe('cold');

    // Never sent: due now. One drill, through the kept-warm provider only.
    expect(keepWarmDue(engine).map((p) => p.name)).toEqual(['Kept warm']);
    const [first, ...others] = await runKeepWarm(engine, drillOpts);
    expect(others).toEqual([]);
    expect(first).toMatchObject({ providerName: 'Kept warm', result: 'passed' });
    expect(await dovecot.messageIds('seed')).toEqual([first!.messageId]);
    expect(providerWarmup(engine, kept)).toMatchObject({ lastSentDay: '2026-03-02', state: 'warming' });
    expect(providerWarmup(engine, alone).lastSentDay).toBeNull();
    const [event] = engine.repos.events.recent(100).filter((e) => e.type === REPUTATION_EVENTS.keptWarm);
    expect(event).toMatchObject({ providerId: kept.id });
    expect(event!.message).toContain('"Kept warm" so it is not cold when it is needed');

    // The next days: it sent recently, nothing is due, nothing is sent.
    for (const days of [1, 3, 6]) {
      clock.set(Date.parse('2026-03-02T10:00:00.000Z') + days * DAY);
      expect(keepWarmDue(engine)).toEqual([]);
      expect(await runKeepWarm(engine, drillOpts)).toEqual([]);
    }
    expect(await dovecot.messageIds('seed')).toHaveLength(1);

    // A week after its last send: due again, one more drill.
    clock.set(Date.parse('2026-03-09T08:00:00.000Z'));
    const [second] = await runKeepWarm(engine, drillOpts);
    expect(second).toMatchObject({ providerName: 'Kept warm', result: 'passed' });
    expect(await dovecot.messageIds('seed')).toHaveLength(2);
    expect(providerWarmup(engine, kept).lastSentDay).toBe('2026-03-09');
    expect(providerWarmup(engine, kept).recent.map((d) => d.day)).toEqual(['2026-03-02', '2026-03-09']);
    // The provider without keep-warm was never drilled.
    expect(engine.repos.drills.list().every((d) => d.providerName === 'Kept warm')).toBe(true);
  });
});
