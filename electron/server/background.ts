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
import { createStandardContinuity } from '../engine/continuity/adapters';
import type { ContinuityService } from '../engine/continuity/service';

/** Hands the shell's secret store to sending and to the ESP connectors. */
export function attachSecrets(engine: Engine, secrets: SecretStore): void {
  useSecretStore(engine, secrets);
  useEspSecrets(engine, secrets);
}

export function startBackground(engine: Engine, opts: { maxSleepMs?: number } = {}): ContinuityService {
  const service = createStandardContinuity(engine, opts);
  service.start();
  return service;
}
