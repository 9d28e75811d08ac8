/**
 * The drill interval is a setting (issue 16, §2), not a constant: set by the CLI (`drills --every`)
 * and the API (`setDrillInterval`), read back by both, and it is what the periodic loop schedules
 * drills by. Out-of-range values are refused with nothing changed.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../helpers/engine';
import { cli } from '../../helpers/cli';
import { createDispatcher } from '../../../electron/engine/handlers';
import { periodicJobs } from '../../../electron/engine/continuity/periodic';
import { MAILBOX_KEY } from '../../../electron/engine/continuity/mailbox';

describe('drill interval', () => {
  it('set by the CLI, read by the API, used by the periodic loop', async () => {
    const { engine, dbPath } = testEngine();
    engine.repos.settings.set(
      MAILBOX_KEY,
      { host: '127.0.0.1', user: 'u', seedAddress: 'seed@example.test' },
      engine.now(),
    );
    const drills = (): number | null =>
      periodicJobs(engine)
        .find((j) => j.name === 'drills')!
        .everyMs();
    expect(drills()).toBe(168 * 3_600_000); // weekly by default

    const r = await cli(['drills', '--every', '24', '--db', dbPath]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('every 24 hours');
    const { dispatch } = createDispatcher(engine);
    expect(await dispatch('getDrillInterval', {})).toEqual({ ok: true, value: { everyHours: 24 } });
    expect(drills()).toBe(24 * 3_600_000);

    expect(await dispatch('setDrillInterval', { everyHours: 0 })).toEqual({
      ok: true,
      value: { everyHours: 0 },
    });
    expect(drills()).toBeNull(); // off
    expect(engine.repos.events.recent(1)[0]).toMatchObject({
      type: 'settings.changed',
      message: 'Scheduled drills were turned off.',
    });
  });

  it.each([['-1'], ['abc'], ['0.5'], ['100000'], ['']])(
    'refuses --every %j with nothing changed',
    async (v) => {
      const { engine, dbPath } = testEngine();
      const r = await cli(['drills', '--every', v, '--db', dbPath]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is not a drill interval/);
      expect(r.stderr).toMatch(/Nothing was changed/);
      const { dispatch } = createDispatcher(engine);
      expect(await dispatch('getDrillInterval', {})).toEqual({ ok: true, value: { everyHours: 168 } });
    },
  );
});
