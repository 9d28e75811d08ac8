/**
 * Capacity and warm-up on a real database (issue 16, §3 and §4): the sending history kept per day by
 * migration 21's triggers, cold / warming / declared warm, and the forecast sentence of a campaign.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { addProvider } from '../../../electron/engine/sending';
import { campaignCapacity, humanTime } from '../../../electron/engine/sending/campaignCapacity';
import { changeWarmup, providerWarmup, setWarmupIdleDays } from '../../../electron/engine/sending/warmup';
import { limiterFor } from '../../../electron/engine/sending/context';
import { createDispatcher } from '../../../electron/engine/handlers';
import { campaign, world, type World } from './fixture';

// Friday 4 December 2026, 08:00 in Berlin.
const NOW = Date.UTC(2026, 11, 4, 7, 0, 0);
let w: World;
let engine: Engine;
let clock: ManualClock;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

beforeEach(async () => {
  w = await world(300);
  await w.engine.close();
  clock = new ManualClock(NOW);
  engine = Engine.open({ dbPath: w.dbPath, clock });
  engine.repos.settings.set('continuity.timeZone', 'Europe/Berlin', engine.now());
});
afterEach(async () => {
  await engine.close();
});

async function gmail(name = 'gmail-backup') {
  await addProvider(engine, { name, preset: 'gmail', host: '127.0.0.1', port: 2525, tls: 'none' });
  return engine.repos.providers.byName(name)!;
}

describe('sending history and warm-up', () => {
  it('keeps volume per day from the send log (which is pruned) and says when it last sent', async () => {
    const p = await gmail();
    const s = Math.floor(NOW / 1000);
    engine.repos.providerState.addSends(p.id, s - 3 * 86_400, 40);
    engine.repos.providerState.addSends(p.id, s - 3 * 86_400, 2); // same second: the update path
    engine.repos.providerState.addSends(p.id, s - 86_400, 10);
    engine.repos.providerState.pruneSendLog(s);
    expect(engine.repos.providerState.dailySends(p.id)).toEqual([
      { day: day(NOW - 3 * 86_400_000), sent: 42 },
      { day: day(NOW - 86_400_000), sent: 10 },
    ]);
    const v = providerWarmup(engine, p);
    expect(v).toMatchObject({ idleDays: 1, state: 'warming', curveDay: 3 });
    expect(v.capPerHour).toBe(Math.floor(50 * 1.5 ** 3));
  });

  it('a new provider is cold; idle longer than the setting is cold again; declared warm is warm', async () => {
    const p = await gmail();
    expect(providerWarmup(engine, p)).toMatchObject({ state: 'cold', lastSentDay: null, capPerHour: 50 });
    const s = Math.floor(NOW / 1000);
    engine.repos.providerState.addSends(p.id, s - 40 * 86_400, 500);
    expect(providerWarmup(engine, p)).toMatchObject({ state: 'cold', idleDays: 40 });
    setWarmupIdleDays(engine, 60);
    expect(providerWarmup(engine, p).state).toBe('warm'); // 40 days of its 7-day curve are long over
    setWarmupIdleDays(engine, 30);
    changeWarmup(engine, p, { warm: true });
    expect(providerWarmup(engine, p)).toMatchObject({ state: 'warm', declaredWarm: true });
    // An idle gap after the declaration makes it cold again.
    clock.advance(31 * 86_400_000);
    expect(providerWarmup(engine, p).state).toBe('cold');
  });

  it('the limiter the run uses enforces the warm-up: 50 in the first hour of a cold Gmail', async () => {
    const p = await gmail();
    const lim = limiterFor(engine, p);
    let n = 0;
    while (lim.waitMs(clock.now()) === 0 && n < 1000) {
      lim.take(clock.now());
      n++;
    }
    expect(n).toBe(50);
  });

  it('a provider without a preset has no curve unless one is set', async () => {
    await addProvider(engine, { name: 'relay', host: '127.0.0.1', port: 2526, tls: 'none' });
    const p = engine.repos.providers.byName('relay')!;
    expect(providerWarmup(engine, p)).toMatchObject({ state: 'warm', curve: null });
    changeWarmup(engine, p, { curve: { perHourStart: 20, dailyGrowth: 1.4, days: 10 } });
    expect(providerWarmup(engine, p)).toMatchObject({ state: 'cold', capPerHour: 20 });
  });
});

describe('campaign capacity', () => {
  it('says when a campaign finishes through a cold, then a declared-warm Gmail, in the person’s zone', async () => {
    const p = await gmail();
    const id = campaign(w2());
    const cold = campaignCapacity(engine, id);
    expect(cold).toMatchObject({ remaining: 300, deliverable: 300, timeZone: 'Europe/Berlin' });
    // 50 an hour: the last 50 go at 13:00 Berlin time.
    expect(cold.summary).toBe('Backups can deliver all 300 by today 13:00.');
    expect(cold.notes.join(' ')).toMatch(/"gmail-backup" is cold \(it has never sent\)/);
    changeWarmup(engine, p, { warm: true });
    const warm = campaignCapacity(engine, id);
    expect(warm.summary).toBe('Backups can deliver all 300 by today 08:00.');
  });

  it('daily caps binding: the first batch today, the rest tomorrow', async () => {
    const p = await gmail();
    changeWarmup(engine, p, { warm: true });
    engine.repos.providerState.addSends(p.id, Math.floor(NOW / 1000) - 3600, 400);
    const c = campaignCapacity(engine, campaign(w2()));
    expect(c.summary).toBe('Backups can deliver 100 of 300 by today 08:00; the rest by tomorrow 07:00.');
  });

  it('a down provider carries nothing', async () => {
    const p = await gmail();
    engine.repos.providers.setHealth(p.id, 'down', engine.now());
    const c = campaignCapacity(engine, campaign(w2()));
    expect(c.deliverable).toBe(0);
    expect(c.summary).toMatch(/No backup can carry this campaign now/);
    expect(c.notes).toContain('"gmail-backup" is down and carries nothing.');
  });

  it('over the API: the forecast, a declaration of warmth, and a clear refusal of a bad id', async () => {
    await gmail();
    const id = campaign(w2());
    const { dispatch } = createDispatcher(engine);
    const cap = await dispatch('campaignCapacity', { id });
    expect(cap).toMatchObject({
      ok: true,
      value: { remaining: 300, summary: expect.stringMatching(/by today 13:00/) },
    });
    const warm = await dispatch('setProviderWarmup', { name: 'gmail-backup', warm: true });
    expect(warm).toMatchObject({ ok: true, value: { state: 'warm', declaredWarm: true } });
    expect(await dispatch('campaignCapacity', { id })).toMatchObject({
      value: { summary: 'Backups can deliver all 300 by today 08:00.' },
    });
    const bad = await dispatch('campaignCapacity', { id: 999 });
    expect(bad).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('There is no campaign 999') },
    });
    const curve = await dispatch('setProviderWarmup', {
      name: 'gmail-backup',
      curve: { perHourStart: 0, dailyGrowth: 1.4, days: 5 },
    });
    expect(curve.ok).toBe(false);
  });

  it('formats times as a person reads them', () => {
    const z = 'Europe/Berlin';
    expect(humanTime(NOW + 3 * 86_400_000, NOW, z)).toBe('Monday 08:00');
    expect(humanTime(NOW + 20 * 86_400_000, NOW, z)).toBe('Thu 24 Dec 08:00');
  });
});

/** The fixture's campaign helper on the reopened engine. */
function w2(): World {
  return { ...w, engine };
}
