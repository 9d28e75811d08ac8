/** The ESP calls of the API contract through the dispatcher IPC and HTTP use (envelopes, zod input). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { createDispatcher } from '../../../electron/engine/handlers';
import { eventChannels } from '../../../electron/engine/api/events';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { FakeStatusPage } from '../../fakes/statuspage';
import { espEngine } from './helpers';

let fake: FakeMailchimp;
let engine: Engine;

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', 1500);
  ({ engine } = await espEngine());
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

describe('ESP API calls', () => {
  it('adds, syncs with progress events that match the contract, and lists connections', async () => {
    const d = createDispatcher(engine);
    const add = await d.dispatch('espAdd', {
      kind: 'mailchimp',
      name: 'MC',
      apiKey: fake.key,
      baseUrl: fake.baseUrl,
      statusUrl: null,
    });
    expect(add).toMatchObject({ ok: true, value: { name: 'MC', account: 'Acme Bakery', replaced: false } });
    const ticks: unknown[] = [];
    engine.bus.on('sync.progress', (p) => ticks.push(p));
    const sync = await d.dispatch('espSync', {});
    expect(sync).toMatchObject({ ok: true, value: [{ provider: 'MC', members: { added: 1500 } }] });
    expect(ticks.length).toBeGreaterThan(2);
    for (const t of ticks) expect(eventChannels['sync.progress'].safeParse(t).success).toBe(true);
    const list = await d.dispatch('espConnections', {});
    expect(list).toMatchObject({ ok: true, value: [{ name: 'MC', type: 'mailchimp', lists: 1 }] });
  });

  it('answers bad input and ESP refusals as envelopes, never throwing, never echoing the key', async () => {
    const d = createDispatcher(engine);
    expect(await d.dispatch('espAdd', { kind: 'aweber', name: 'x', apiKey: 'k' })).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    });
    const wrong = 'deadbeefdeadbeefdeadbeefdeadbeef-us6';
    const r = await d.dispatch('espAdd', {
      kind: 'mailchimp',
      name: 'MC',
      apiKey: wrong,
      baseUrl: fake.baseUrl,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'esp_auth' } });
    expect(JSON.stringify(r)).not.toContain(wrong);
    expect(await d.dispatch('espSync', { esp: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'esp_unknown_connection' },
    });
  });

  it('probes health, tells health.changed listeners in the shared shape, and marks a revoked key as degraded', async () => {
    const page = await new FakeStatusPage().start();
    try {
      const d = createDispatcher(engine);
      await d.dispatch('espAdd', {
        kind: 'mailchimp',
        name: 'MC',
        apiKey: fake.key,
        baseUrl: fake.baseUrl,
        statusUrl: page.url,
      });
      const changes: unknown[] = [];
      engine.bus.on('health.changed', (c) => changes.push(c));
      const ok = await d.dispatch('espHealth', {});
      expect(ok).toMatchObject({
        ok: true,
        value: [{ health: { overall: 'operational', statusPage: { indicator: 'none' } } }],
      });
      fake.revoked = true;
      const bad = await d.dispatch('espHealth', {});
      expect(bad).toMatchObject({
        ok: true,
        value: [{ health: { overall: 'degraded', api: { state: 'auth' } } }],
      });
      expect(changes).toHaveLength(2);
      for (const c of changes) expect(eventChannels['health.changed'].safeParse(c).success).toBe(true);
      expect(changes[1]).toMatchObject({ kind: 'esp', from: 'operational', to: 'degraded' });
    } finally {
      await page.stop();
    }
  });
});
