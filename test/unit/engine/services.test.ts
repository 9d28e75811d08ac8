/**
 * The engine's services (services.ts): one secret store given when the engine opens serves every area
 * (sending and the ESP mirror alike), each engine keeps its own state, and no module keeps a registry
 * of engines beside them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { secretStoreOf } from '../../../electron/engine/sending/context';
import { addConnection, openConnector } from '../../../electron/engine/mirror/esp/connections';
import { cleanup, tempDir } from '../../helpers/tmp';

async function store(dir: string): Promise<EncryptedFileSecretStore> {
  const s = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), 'test passphrase', {
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  await s.unlock();
  return s;
}

function open(dir: string, extra: Partial<Parameters<typeof Engine.open>[0]> = {}): Engine {
  const engine = Engine.open({ dbPath: join(dir, 'understudy.sqlite'), ...extra });
  cleanup(() => engine.close());
  return engine;
}

describe('engine services', () => {
  it('gives the one store it was opened with to sending and to the ESP connections', async () => {
    const dir = tempDir();
    const secrets = await store(dir);
    const engine = open(dir, { secrets });
    expect(secretStoreOf(engine)).toBe(secrets);
    const { provider } = await addConnection(engine, {
      kind: 'mailchimp',
      name: 'MC',
      apiKey: 'abc123-us1',
      baseUrl: 'http://127.0.0.1:9',
      statusUrl: null,
      verify: false,
    });
    // The key went to the shell's store, only its reference to SQLite; the connector reads it back.
    expect(await secrets.get(provider.secretRef!)).toBe('abc123-us1');
    const connector = await openConnector(engine, provider);
    expect(connector.kind).toBe('mailchimp');
  });

  it('without a store says the secret store is not open, and stores nothing', async () => {
    const engine = open(tempDir());
    expect(engine.services.secrets.open).toBe(false);
    await expect(
      addConnection(engine, { kind: 'mailchimp', name: 'MC', apiKey: 'abc123-us1', verify: false }),
    ).rejects.toMatchObject({ code: 'secrets_unavailable' });
    expect(engine.repos.espSync.providers()).toEqual([]);
  });

  it('a store unlocked after the engine opened is the one every area uses from then on', async () => {
    const dir = tempDir();
    const engine = open(dir);
    const secrets = await store(dir);
    engine.services.secrets.provide(secrets);
    expect(secretStoreOf(engine)).toBe(secrets);
    expect(engine.services.secrets.store()).toBe(secrets);
  });

  it('keeps each engine its own state', () => {
    const a = open(tempDir());
    const b = open(tempDir());
    a.services.sending.runs.set(1, new AbortController());
    a.services.sync.skipped.add(7);
    expect(b.services.sending.runs.size).toBe(0);
    expect(b.services.sync.skipped.size).toBe(0);
    expect(a.services).not.toBe(b.services);
  });

  it('no engine module keeps a registry of engines or connections beside them', () => {
    const root = join(__dirname, '../../../electron');
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /WeakMap<\s*(Engine|Db)\b/.test(readFileSync(p, 'utf8')))
          offenders.push(p.slice(root.length + 1));
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
