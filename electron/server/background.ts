/**
 * The always-running part of the engine for browser mode and the desktop app's engine host: the
 * secret store handed to sending and the ESP connectors, and the continuity service (health monitor,
 * scheduler, outage policies, backups, inbox, drills, resuming interrupted sends). The same wiring
 * as `understudy run`; stopping is registered on engine.close(), which loses nothing.
 */
import type { Engine } from '../engine/engine';
import type { SecretStore } from '../engine/secrets';
import { useSecretStore } from '../engine/sending/context';
import { useSecretStore as useEspSecrets } from '../engine/mirror/esp/connections';
import { createContinuity } from '../engine/continuity/adapters';
import type { ContinuityService } from '../engine/continuity/service';
import { mailboxSettings } from '../engine/continuity/mailbox';
import { processInbox } from '../engine/continuity/inbox';
import { runDrills } from '../engine/continuity/drills';

const DRILL_EVERY_KEY = 'continuity.drills.everyHours';

/** Hands the shell's secret store to sending and to the ESP connectors. */
export function attachSecrets(engine: Engine, secrets: SecretStore): void {
  useSecretStore(engine, secrets);
  useEspSecrets(engine, secrets);
}

export function startBackground(engine: Engine, opts: { maxSleepMs?: number } = {}): ContinuityService {
  const service = createContinuity(engine, {
    ...(opts.maxSleepMs ? { maxSleepMs: opts.maxSleepMs } : {}),
    periodic: [
      {
        name: 'inbox',
        everyMs: () => {
          const m = mailboxSettings(engine);
          return m ? m.pollMinutes * 60_000 : null;
        },
        run: (signal) => processInbox(engine, { signal }),
      },
      {
        name: 'drills',
        everyMs: () => {
          const m = mailboxSettings(engine);
          const h = engine.repos.settings.get<number>(DRILL_EVERY_KEY) ?? 168;
          return m?.seedAddress && h > 0 ? h * 3_600_000 : null;
        },
        run: (signal) => runDrills(engine, { signal }),
      },
    ],
  });
  service.start();
  return service;
}
