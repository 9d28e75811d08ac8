/**
 * The health monitor's hysteresis, backoff and incidents on a simulated clock. Probe results are
 * scripted per provider (the probes themselves are tested against real servers in integration tests).
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { HealthMonitor, type ProbeResult } from '../../../electron/engine/continuity/health';
import { addNote, timeline } from '../../../electron/engine/continuity/incidents';
import { addProvider } from '../../helpers/continuity';

const T0 = Date.parse('2026-11-23T08:00:00.000Z');

function setup() {
  const clock = new ManualClock(T0);
  const engine = Engine.open({ dbPath: ':memory:', clock });
  const smtp = addProvider(engine, { name: 'Primary', kind: 'smtp', health: 'unknown' });
  let next: ProbeResult['state'] = 'ok';
  const probed: number[] = [];
  const monitor = new HealthMonitor(engine, {
    smtp: async (t) => (
      probed.push(t.id),
      { state: next, detail: next === 'fail' ? 'connection refused' : 'EHLO ok' }
    ),
    esp: async () => ({ state: 'ok', detail: 'ok' }),
  });
  const changes: string[] = [];
  engine.bus.on('health.changed', (c) => changes.push(`${c.from}>${c.to}`));
  const notes: string[] = [];
  engine.bus.on('notification', (n) => notes.push(n.title));
  return {
    clock,
    engine,
    smtp,
    monitor,
    changes,
    notes,
    probed,
    set: (s: ProbeResult['state']) => (next = s),
  };
}

/** Advance the clock to the next probe and run it. */
async function step(clock: ManualClock, monitor: HealthMonitor) {
  clock.advance(monitor.nextWakeMs(10 * 3_600_000));
  await monitor.tick();
}

describe('health monitor', () => {
  it('goes degraded on one failure, down after three, back after two successes; one incident', async () => {
    const { clock, engine, smtp, monitor, changes, notes, set } = setup();
    await monitor.tick();
    expect(changes).toEqual(['unknown>operational']);
    set('fail');
    await step(clock, monitor);
    expect(changes.at(-1)).toBe('operational>degraded');
    await step(clock, monitor);
    expect(engine.repos.health.byId(smtp)!.health).toBe('degraded');
    await step(clock, monitor);
    expect(changes.at(-1)).toBe('degraded>down');
    const incident = engine.repos.incidents.openFor(smtp)!;
    expect(incident.title).toBe('Primary is down');
    expect(notes).toContain('Incident: Primary is down');
    // Still failing: no second incident, no new change.
    await step(clock, monitor);
    await step(clock, monitor);
    expect(engine.repos.incidents.list()).toHaveLength(1);
    set('ok');
    await step(clock, monitor);
    expect(engine.repos.health.byId(smtp)!.health).toBe('down'); // one success is not enough
    await step(clock, monitor);
    expect(changes).toEqual([
      'unknown>operational',
      'operational>degraded',
      'degraded>down',
      'down>operational',
    ]);
    const closed = engine.repos.incidents.byId(incident.id)!;
    expect(closed.status).toBe('closed');
    expect(notes).toContain('Resolved: Primary is back');
    addNote(engine, incident.id, 'Hosting provider confirmed a network outage.');
    const types = timeline(engine, incident.id).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['incident.opened', 'health.changed', 'incident.closed', 'incident.note']),
    );
    await engine.close();
  });

  it('confirms failures quickly, then backs off while down, capped', async () => {
    const { clock, monitor, set } = setup();
    await monitor.tick();
    expect(monitor.nextWakeMs(10 * 3_600_000)).toBe(60_000);
    set('fail');
    clock.advance(60_000);
    await monitor.tick();
    expect(monitor.nextWakeMs(10 * 3_600_000)).toBe(15_000); // confirming: 4x as often
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      await step(clock, monitor);
      gaps.push(monitor.nextWakeMs(10 * 3_600_000));
    }
    // During an incident the backoff never exceeds 60 s (a recovery is noticed within a minute),
    // whatever maxBackoffSeconds says (600 s here).
    expect(gaps.slice(1, 6)).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
    expect(Math.max(...gaps)).toBe(60_000);
  });

  it('a probe that does not answer counts as a failure; unknown results change nothing', async () => {
    const { engine, smtp, monitor, set } = setup();
    engine.repos.settings.set('continuity.health', { timeoutSeconds: 1, failuresToDown: 1 }, engine.now());
    const hanging = new HealthMonitor(engine, {
      smtp: () => new Promise(() => {}),
      esp: async () => ({ state: 'ok', detail: '' }),
    });
    const [change] = await hanging.tick();
    expect(change).toMatchObject({ to: 'down', detail: 'no answer within 1 s' });
    set('unknown');
    expect(await monitor.tick(true)).toEqual([]);
    expect(engine.repos.health.byId(smtp)!.health).toBe('down');
    await engine.close();
  });

  it('opens the incident when the sending engine already marked the provider down', async () => {
    const { engine, smtp, monitor, set } = setup();
    engine.repos.health.setHealth(smtp, 'down', engine.now()); // the breaker opened mid-send
    set('fail');
    expect(await monitor.tick(true)).toEqual([]); // no state change ...
    expect(engine.repos.incidents.openFor(smtp)?.title).toBe('Primary is down'); // ... but an incident
    await engine.close();
  });
});
