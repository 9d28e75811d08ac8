/** Shared set-up for the ESP tests: an engine on a temp database file with a fast secret store. */
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { tempDir } from '../../helpers/tmp';
import { loadSpec, type SpecOptions, type SpecValidator } from '../../fakes/spec';
import type { FakeServer } from '../../fakes/server';
import { enqueuePushBack } from '../../../electron/engine/mirror/esp/pushback';
import { memberFields } from '../../helpers/members';

/** Waits recorded instead of slept: the client's backoff and Retry-After become assertions, not delays. */
export interface SleepLog {
  waits: number[];
  sleep: (ms: number) => Promise<void>;
}

export function sleepLog(): SleepLog {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

export async function espEngine(opts: { timeoutMs?: number } = {}): Promise<{
  engine: Engine;
  dir: string;
  sleeps: SleepLog;
}> {
  const dir = tempDir('understudy-esp-');
  const secrets = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), 'test passphrase', {
    scrypt: { N: 2 ** 10, r: 8, p: 1 },
  });
  await secrets.unlock();
  const sleeps = sleepLog();
  const engine = Engine.open({
    dbPath: join(dir, 'mirror.db'),
    secrets,
    connectorOverrides: {
      sleep: sleeps.sleep,
      backoffBaseMs: 1,
      backoffMaxMs: 4,
      timeoutMs: opts.timeoutMs ?? 10_000,
    },
  });
  return { engine, dir, sleeps };
}

/** Attaches validation against the published document (test/specs) to a fake. */
export function attachSpec(server: FakeServer, file: string, options: SpecOptions = {}): SpecValidator {
  const spec = loadSpec(file, options);
  server.onExchange = (x) => spec.check(x);
  return spec;
}

/**
 * Someone adds `email` to the list here and unsubscribes it (what a sync running meanwhile must not
 * trip over or undo); `pushBack` also queues the unsubscribe for the ESP.
 */
export function addedAndUnsubscribedHere(
  engine: Engine,
  listId: number,
  email: string,
  opts: { pushBack?: boolean } = {},
): void {
  const now = engine.now();
  engine.repos.espSync.insertMembers(
    listId,
    [memberFields(email, { firstName: 'Local', nameNorm: 'local' })],
    'manual',
    null,
    now,
  );
  const row = engine.repos.subscribers.byEmail(listId, email)!;
  engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'unsubscribe link', now);
  if (opts.pushBack) enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' });
}
