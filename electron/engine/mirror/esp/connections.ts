/**
 * ESP connections: adding one (the key goes to the SecretStore, only its reference to SQLite), finding
 * one by name, and opening its connector. The key lives in the engine's one secret store
 * (`engine.services.secrets`, given by the shell when it opens the engine).
 */
import type { Engine } from '../../engine';
import { userError } from '../../errors';
import { newSecretRef, registerSecret } from '../../secrets';
import { createConnector } from './registry';
import {
  isEspKind,
  ESP_KINDS,
  type ConnectorOptions,
  type EspConnector,
  type EspKind,
  type Json,
} from './types';
import type { ProviderRow } from '../../db/repos/providers';

export interface EspConnectionConfig {
  baseUrl?: string | null;
  statusUrl?: string | null;
  [k: string]: unknown;
}

export function findConnection(engine: Engine, name: string): ProviderRow {
  const p = engine.repos.espSync.providerByName(name);
  if (!p) {
    const known = engine.repos.espSync.providers().map((x) => x.name);
    throw userError(`There is no ESP connection named "${name}".`, {
      code: 'esp_unknown_connection',
      safe: 'Nothing was changed.',
      next: known.length
        ? `Known connections: ${known.join(', ')}.`
        : 'Add one with `understudy esp add mailchimp --name NAME --key-env VAR`.',
      appNext: known.length
        ? `Known connections: ${known.join(', ')}.`
        : 'Add one under Providers → ESP connections.',
    });
  }
  return p;
}

/** The connections to act on: the named one, or every enabled one. */
export function connectionsFor(engine: Engine, name?: string): ProviderRow[] {
  if (name) return [findConnection(engine, name)];
  return engine.repos.espSync.providers().filter((p) => p.enabled);
}

export async function openConnector(
  engine: Engine,
  p: ProviderRow,
  /** Per-use defaults (fewer attempts for a call that is retried by its own queue); tests' overrides win. */
  defaults: Partial<ConnectorOptions> = {},
): Promise<EspConnector> {
  if (!isEspKind(p.type))
    throw userError(`The connection "${p.name}" is of an unknown ESP type "${p.type}".`, {
      code: 'esp_unsupported',
    });
  const key = p.secretRef ? await engine.services.secrets.store().get(p.secretRef) : undefined;
  if (!key)
    throw userError(`The API key of "${p.name}" is missing from the secret store.`, {
      code: 'esp_key_missing',
      safe: 'The mirror is untouched.',
      next: `Add the key again: \`understudy esp add ${p.type} --name "${p.name}" --key-env VAR\`.`,
      appNext: 'Add the connection again with its key (Providers → ESP connections).',
    });
  registerSecret(key);
  const cfg = p.config as EspConnectionConfig;
  return createConnector(p.type, {
    apiKey: key,
    baseUrl: cfg.baseUrl ?? null,
    ...(cfg.statusUrl !== undefined ? { statusUrl: cfg.statusUrl } : {}),
    config: p.config as Record<string, Json>,
    clock: engine.clock,
    ...defaults,
    ...engine.services.connectorOverrides,
  });
}

export interface AddConnectionInput {
  kind: string;
  name: string;
  apiKey: string;
  baseUrl?: string | null | undefined;
  statusUrl?: string | null | undefined;
  /** Check the key with the ESP before saving (default true). */
  verify?: boolean;
}

/**
 * Adds (or, for an existing ESP connection of the same name and type, re-keys) a connection. The key
 * is checked with the ESP first, so a typo never gets stored.
 */
export async function addConnection(
  engine: Engine,
  input: AddConnectionInput,
): Promise<{ provider: ProviderRow; account: string | null; replaced: boolean }> {
  if (!isEspKind(input.kind))
    throw userError(`Unknown ESP "${input.kind}".`, {
      code: 'esp_unsupported',
      safe: 'Nothing was stored.',
      next: `Use one of: ${ESP_KINDS.join(', ')}.`,
    });
  const kind: EspKind = input.kind;
  const name = input.name.trim();
  if (!name) throw userError('The connection needs a name (--name).', { safe: 'Nothing was stored.' });
  const key = input.apiKey.trim();
  if (!key)
    throw userError('The API key is empty.', {
      code: 'esp_bad_key',
      safe: 'Nothing was stored.',
      next: 'Put the key in an environment variable and pass its name with --key-env.',
    });
  registerSecret(key);
  const repos = engine.repos;
  const existing = repos.espSync.providerByName(name);
  if (!existing && repos.espSync.nameTaken(name))
    throw userError(`The name "${name}" is already used by another provider.`, {
      safe: 'Nothing was stored.',
      next: 'Choose another --name.',
    });
  if (existing && existing.type !== kind)
    throw userError(`"${name}" is already a ${existing.type} connection.`, {
      safe: 'Nothing was changed.',
      next: 'Choose another --name.',
    });
  const config: Record<string, unknown> = { ...(existing?.config ?? {}) };
  if (input.baseUrl !== undefined) config.baseUrl = input.baseUrl || null;
  if (input.statusUrl !== undefined) config.statusUrl = input.statusUrl || null;
  const connector = createConnector(kind, {
    apiKey: key,
    baseUrl: (config.baseUrl as string | null | undefined) ?? null,
    ...(config.statusUrl !== undefined ? { statusUrl: config.statusUrl as string | null } : {}),
    clock: engine.clock,
    ...engine.services.connectorOverrides,
  });
  let account: string | null = null;
  if (input.verify !== false) account = (await connector.verify()).name;
  const store = engine.services.secrets.store();
  const ref = newSecretRef('esp');
  await store.set(ref, key);
  const now = engine.now();
  let provider: ProviderRow;
  if (existing) {
    repos.espSync.updateProvider(existing.id, {
      config,
      secretRef: ref,
      maxConnections: connector.limits.maxConnections,
      now,
    });
    if (existing.secretRef) await store.delete(existing.secretRef);
    provider = repos.espSync.providerById(existing.id)!;
  } else {
    provider = repos.espSync.createProvider({
      name,
      type: kind,
      config,
      secretRef: ref,
      maxConnections: connector.limits.maxConnections,
      now,
    });
  }
  engine.record({
    type: existing ? 'esp.rekeyed' : 'esp.added',
    message: `${existing ? 'New key for' : 'Connected'} ${connector.label} "${name}"${account ? ` (${account})` : ''}.`,
    providerId: provider.id,
  });
  return { provider, account, replaced: existing !== undefined };
}
