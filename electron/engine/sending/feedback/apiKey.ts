/**
 * A relay provider's API key (issue 14, §5): into the secret store, its reference into SQLite
 * (`relay_feedback_state`), never the key itself anywhere else.
 */
import type { Engine } from '../../engine';
import { userError } from '../../errors';
import { newSecretRef, registerSecret, type SecretStore } from '../../secrets';
import type { ProviderRow } from '../../db/repos/providers';
import { ENGINE_EVENTS } from '../../api/words';
import { secretStoreOf } from '../context';
import { smtpConfigOf } from '../transport';
import { notSupported, relayApiFor } from './registry';

/** Whether the provider has an API key for its relay's feedback. */
export function hasRelayApiKey(engine: Engine, providerId: number): boolean {
  return (engine.repos.relayFeedback.state(providerId)?.apiSecretRef ?? null) !== null;
}

/**
 * Stores (or, with `key` null, removes) the API key a provider's relay is read with. The key goes to
 * the secret store; SQLite keeps its reference. A new key starts the feeds over (it may be another
 * account); items already pulled are never applied twice.
 */
export async function setRelayApiKeyFor(
  engine: Engine,
  p: ProviderRow,
  key: string | null,
  opts: { secrets?: SecretStore; apiUrl?: string | null } = {},
): Promise<{ provider: string; relay: string; hasApiKey: boolean }> {
  const api = relayApiFor(p.preset);
  if (!api) throw notSupported(p);
  const repo = engine.repos.relayFeedback;
  const before = repo.state(p.id);
  let apiUrl: string | null | undefined = opts.apiUrl;
  if (apiUrl !== undefined && apiUrl !== null && apiUrl.trim() !== '') {
    let u: URL | undefined;
    try {
      u = new URL(apiUrl.trim());
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password)
      throw userError(`"${apiUrl.slice(0, 80)}" is not an API address.`, {
        code: 'relay_bad_url',
        safe: 'Nothing was stored.',
        next: 'Give an address like https://api.example.com, or leave it out for the relay’s own.',
      });
    apiUrl = u.toString().replace(/\/+$/, '');
  } else if (apiUrl !== undefined) apiUrl = null;
  const store = secretStoreOf(engine, opts.secrets);
  const now = engine.now();
  if (key === null) {
    if (before?.apiSecretRef) await store.delete(before.apiSecretRef);
    repo.setKey(p.id, null, now);
    engine.record({
      type: ENGINE_EVENTS.providerUpdated,
      message: `The ${api.label} API key of "${p.name}" was removed: its bounces and complaints are no longer pulled.`,
      providerId: p.id,
    });
    return { provider: p.name, relay: api.label, hasApiKey: false };
  }
  const clean = key.trim();
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (!clean || clean.length > 4096 || /[\s\x00-\x1f]/.test(clean))
    throw userError('The API key is empty or has spaces or line breaks in it.', {
      code: 'relay_bad_key',
      safe: 'Nothing was stored.',
      next: `Give ${api.keyWords}.`,
    });
  registerSecret(clean);
  for (const s of api.secretsOf?.(clean) ?? []) registerSecret(s);
  api.checkKey?.(clean, smtpConfigOf(p));
  const ref = newSecretRef('relay');
  await store.set(ref, clean);
  try {
    engine.db.transaction(() => {
      repo.setKey(p.id, ref, now);
      if (apiUrl !== undefined) repo.setBaseUrl(p.id, apiUrl, now);
    })();
  } catch (e) {
    await store.delete(ref);
    throw e;
  }
  if (before?.apiSecretRef) await store.delete(before.apiSecretRef);
  engine.record({
    type: ENGINE_EVENTS.providerUpdated,
    message: `"${p.name}" has a ${api.label} API key now: its bounces, complaints and unsubscribes are pulled from ${api.label}.`,
    providerId: p.id,
  });
  return { provider: p.name, relay: api.label, hasApiKey: true };
}
