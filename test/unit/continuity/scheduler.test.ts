/**
 * The scheduler on a controllable clock: zones, DST, catch-up after the machine slept, outage
 * policies, pause/resume/cancel, and never firing twice. The Sender is the scheduler's own port,
 * recorded here; the real sending engine is exercised by the end-to-end test.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { Scheduler } from '../../../electron/engine/continuity/scheduler';
import type { Sender, EspControl } from '../../../electron/engine/continuity/ports';
import { CATCH_UP_KEY } from '../../../electron/engine/continuity/policy';
import { addCampaign, addList, addProvider } from '../../helpers/continuity';

const T0 = Date.parse('2026-11-23T08:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

function setup(t = T0) {
  const clock = new ManualClock(t);
  const engine = Engine.open({ dbPath: ':memory:', clock });
  const runs: { id: number; via?: string | undefined }[] = [];
  const sender: Sender = {
    run: async (id, opts) => {
      runs.push({ id, via: opts.via });
      engine.repos.campaigns.moveStatus(id, ['scheduled', 'paused'], 'sent', engine.now());
      return { sent: 3, failed: 0 };
    },
  };
  const unscheduled: number[] = [];
  const esp: EspControl = {
    unschedule: async (id) => (unscheduled.push(id), { status: 'done', message: 'unscheduled' }),
  };
  const scheduler = new Scheduler(engine, { sender, esp });
  const listId = addList(engine, 'Customers', ['a@example.com', 'b@example.com', 'c@example.com']);
  return { clock, engine, runs, scheduler, listId, unscheduled };
}

const types = (engine: Engine) => engine.repos.events.recent(100).map((e) => e.type);

describe('scheduler', () => {
  it('fires a campaign at its UTC instant, not before, and only once', async () => {
    const { clock, engine, runs, scheduler, listId } = setup();
    const id = addCampaign(engine, { listId });
    const r = await scheduler.schedule(id, '2026-11-23T10:00', 'Europe/Berlin'); // 09:00Z
    expect(r.utc).toBe('2026-11-23T09:00:00.000Z');
    expect(scheduler.nextWakeMs(10 * HOUR)).toBe(HOUR);
    clock.set(Date.parse('2026-11-23T08:59:59.000Z'));
    await scheduler.tick();
    expect(runs).toEqual([]);
    clock.set(Date.parse('2026-11-23T09:00:00.000Z'));
    // Two engines ticking at once (the app and `understudy run`): one fire.
    const other = new Scheduler(engine, {
      sender: { run: async (cid) => (runs.push({ id: cid, via: 'other' }), {}) },
    });
    await Promise.all([scheduler.tick(), other.tick(), scheduler.tick()]);
    await scheduler.idle();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.id).toBe(id);
    expect(types(engine)).toContain('campaign.send_finished');
    await engine.close();
  });

  it('explains a DST gap and fires at the moved time', async () => {
    const { clock, engine, runs, scheduler, listId } = setup(Date.parse('2026-03-28T12:00:00Z'));
    const id = addCampaign(engine, { listId });
    const r = await scheduler.schedule(id, '2026-03-29T02:30', 'Europe/Berlin');
    expect(r.adjustment).toBe('gap');
    expect(r.shown).toMatch(/03:30/);
    const ev = engine.repos.events.recent(1)[0]!;
    expect(ev.type).toBe('schedule.set');
    expect(ev.message).toMatch(/does not exist/);
    clock.set(Date.parse('2026-03-29T01:29:00Z'));
    await scheduler.tick();
    expect(runs).toHaveLength(0);
    clock.set(Date.parse('2026-03-29T01:30:00Z'));
    await scheduler.tick();
    await scheduler.idle();
    expect(runs).toHaveLength(1);
    await engine.close();
  });

  it('catch-up: a little late is sent with a note; days late asks and never sends by itself', async () => {
    const { clock, engine, runs, scheduler, listId } = setup();
    const slightly = addCampaign(engine, {
      listId,
      scheduledAt: '2026-11-23T07:30:00.000Z',
      name: 'slightly late',
    });
    const weekOld = addCampaign(engine, {
      listId,
      scheduledAt: '2026-11-16T08:00:00.000Z',
      name: 'week old',
    });
    const res = await scheduler.tick();
    await scheduler.idle();
    expect(res.decisions).toEqual(
      expect.arrayContaining([
        { campaignId: slightly, decision: 'sent' },
        { campaignId: weekOld, decision: 'asked' },
      ]),
    );
    expect(runs.map((r) => r.id)).toEqual([slightly]);
    expect(types(engine)).toEqual(expect.arrayContaining(['schedule.late', 'schedule.catchup_ask']));
    // Ticks later never send it on their own.
    clock.advance(HOUR);
    await scheduler.tick();
    expect(runs.map((r) => r.id)).toEqual([slightly]);
    expect(engine.repos.schedules.get(weekOld)!.hold).toBe('catchup');
    // The person decides.
    await scheduler.decideCatchUp(weekOld, 'send');
    await scheduler.idle();
    expect(runs.map((r) => r.id)).toEqual([slightly, weekOld]);
    await engine.close();
  });

  it('catch-up policy skip cancels a too-late campaign, policy send sends it', async () => {
    const { engine, runs, scheduler, listId } = setup();
    engine.repos.settings.set(CATCH_UP_KEY, { policy: 'skip', afterHours: 1 }, engine.now());
    const a = addCampaign(engine, { listId, scheduledAt: '2026-11-22T08:00:00.000Z' });
    await scheduler.tick();
    expect(engine.repos.schedules.get(a)!.status).toBe('cancelled');
    expect(runs).toEqual([]);
    engine.repos.settings.set(CATCH_UP_KEY, { policy: 'send', afterHours: 1 }, engine.now());
    const b = addCampaign(engine, { listId, scheduledAt: '2026-11-22T08:00:00.000Z' });
    await scheduler.tick();
    await scheduler.idle();
    expect(runs.map((r) => r.id)).toEqual([b]);
    await engine.close();
  });

  it('outage policy "wait": holds while the ESP is down, then sends through the backup', async () => {
    const { clock, engine, runs, scheduler, listId, unscheduled } = setup();
    const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp', health: 'down' });
    addProvider(engine, { name: 'Backup SMTP', kind: 'smtp', priority: 10 });
    const id = addCampaign(engine, {
      listId,
      providerId: esp,
      espCampaignId: 'mc-1',
      scheduledAt: '2026-11-23T08:00:00.000Z',
      outagePolicy: { mode: 'wait', waitMinutes: 20 },
    });
    expect((await scheduler.tick()).decisions).toEqual([{ campaignId: id, decision: 'waiting' }]);
    clock.advance(19 * MIN);
    await scheduler.tick();
    expect(runs).toEqual([]);
    clock.advance(MIN);
    await scheduler.tick();
    await scheduler.idle();
    expect(unscheduled).toEqual([id]); // unscheduled at the ESP before sending here
    expect(runs).toEqual([{ id, via: 'Backup SMTP' }]);
    await engine.close();
  });

  it('outage policy "wait": the ESP comes back in time and sends it itself', async () => {
    const { clock, engine, runs, scheduler, listId } = setup();
    const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp', health: 'down' });
    addProvider(engine, { name: 'Backup SMTP', kind: 'smtp' });
    const id = addCampaign(engine, {
      listId,
      providerId: esp,
      espCampaignId: 'mc-1',
      scheduledAt: '2026-11-23T08:00:00.000Z',
    });
    await scheduler.tick();
    engine.repos.health.setHealth(esp, 'operational', engine.now());
    clock.advance(5 * MIN);
    const res = await scheduler.tick();
    expect(res.decisions).toEqual([
      { campaignId: id, decision: 'released' },
      { campaignId: id, decision: 'left_to_esp' },
    ]);
    clock.advance(HOUR);
    await scheduler.tick();
    expect(runs).toEqual([]);
    await engine.close();
  });

  it('outage policies "pause" and "backup"; no working backup pauses and alerts', async () => {
    const { engine, runs, scheduler, listId } = setup();
    const esp = addProvider(engine, { name: 'Brevo', kind: 'esp', health: 'down' });
    const paused = addCampaign(engine, {
      listId,
      providerId: esp,
      espCampaignId: 'x1',
      scheduledAt: '2026-11-23T08:00:00.000Z',
      outagePolicy: { mode: 'pause' },
    });
    const backup = addCampaign(engine, {
      listId,
      providerId: esp,
      espCampaignId: 'x2',
      scheduledAt: '2026-11-23T08:00:00.000Z',
      outagePolicy: { mode: 'backup' },
    });
    const res = await scheduler.tick();
    expect(res.decisions).toEqual(
      expect.arrayContaining([
        { campaignId: paused, decision: 'paused' },
        { campaignId: backup, decision: 'no_backup' },
      ]),
    );
    expect(engine.repos.schedules.get(paused)!.status).toBe('paused');
    const alerts = engine.repos.events.recent(20).filter((e) => e.data.notify);
    expect(alerts.map((e) => e.type)).toEqual(expect.arrayContaining(['outage.paused', 'outage.no_backup']));
    // A backup appears; resuming the paused one sends it through the backup (its ESP is still down).
    addProvider(engine, { name: 'Relay', kind: 'smtp' });
    await scheduler.resume(backup);
    await scheduler.idle();
    expect(runs).toEqual([{ id: backup, via: 'Relay' }]);
    await scheduler.tick();
    expect(engine.repos.schedules.get(paused)!.status).toBe('paused'); // stays paused: the person decides
    await engine.close();
  });

  it('pause, reschedule and cancel reach the ESP for mirrored campaigns', async () => {
    const { clock, engine, runs, scheduler, listId, unscheduled } = setup();
    const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
    const id = addCampaign(engine, {
      listId,
      providerId: esp,
      espCampaignId: 'mc-9',
      scheduledAt: '2026-11-23T12:00:00.000Z',
    });
    await scheduler.pause(id);
    expect(unscheduled).toEqual([id]);
    expect(engine.repos.schedules.get(id)!.status).toBe('paused');
    const r = await scheduler.schedule(id, '2026-11-23T13:00', 'Europe/London');
    expect(r.utc).toBe('2026-11-23T13:00:00.000Z');
    // Unscheduled at the ESP, so Understudy sends it itself at the new time even though the ESP is up.
    clock.set(Date.parse('2026-11-23T13:00:00.000Z'));
    await scheduler.tick();
    await scheduler.idle();
    expect(runs.map((x) => x.id)).toEqual([id]);
    await expect(scheduler.schedule(id, '2026-11-22T10:00', 'UTC')).rejects.toThrow(/in the past/);
    const other = addCampaign(engine, { listId, scheduledAt: '2026-11-24T08:00:00.000Z' });
    await scheduler.cancel(other);
    expect(engine.repos.schedules.get(other)!.status).toBe('cancelled');
    await engine.close();
  });

  it('a local campaign follows its outage policy when the primary SMTP provider is down', async () => {
    const { engine, runs, scheduler, listId } = setup();
    addProvider(engine, { name: 'Primary', kind: 'smtp', priority: 1, health: 'down' });
    addProvider(engine, { name: 'Backup', kind: 'smtp', priority: 2 });
    const id = addCampaign(engine, {
      listId,
      scheduledAt: '2026-11-23T08:00:00.000Z',
      outagePolicy: { mode: 'backup' },
    });
    expect((await scheduler.tick()).decisions).toEqual([{ campaignId: id, decision: 'backup' }]);
    await scheduler.idle();
    expect(runs).toEqual([{ id, via: 'Backup' }]);
    await engine.close();
  });

  it('does not ask about a late ESP campaign the ESP was up to send; asks when the ESP is down', async () => {
    const { engine, runs, scheduler, listId } = setup();
    const up = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
    const down = addProvider(engine, { name: 'Brevo', kind: 'esp', health: 'down' });
    addProvider(engine, { name: 'Relay', kind: 'smtp' });
    const a = addCampaign(engine, {
      listId,
      providerId: up,
      espCampaignId: 'a',
      scheduledAt: '2026-11-20T08:00:00.000Z',
    });
    const b = addCampaign(engine, {
      listId,
      providerId: down,
      espCampaignId: 'b',
      scheduledAt: '2026-11-20T08:00:00.000Z',
    });
    const { decisions } = await scheduler.tick();
    expect(decisions).toEqual(
      expect.arrayContaining([
        { campaignId: a, decision: 'left_to_esp' },
        { campaignId: b, decision: 'asked' },
      ]),
    );
    expect(runs).toEqual([]);
    await engine.close();
  });
});
