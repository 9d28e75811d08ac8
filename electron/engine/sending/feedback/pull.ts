/**
 * Pulling what relays keep to themselves (issue 14, §5). A relay provider (SendGrid, Amazon SES,
 * Mailgun, Postmark, Brevo) puts its own address in Return-Path, so its bounces and complaints never
 * reach the backup mailbox. With the provider's API key (kept in the secret store; SQLite holds only
 * its reference), Understudy reads them from the relay's API — while the provider is in use, after each
 * campaign it sent, and on demand (`understudy providers pull-suppressions`).
 *
 * Each item lands exactly as one from the backup mailbox does (inbox.ts): the address is suppressed
 * with its source (`relay:<provider>:<kind>`), its subscriber rows change status, the suppression is
 * recorded with what each row was before, and every list membership that came from an ESP is queued
 * for push-back to it. One pull is one transaction with the feed cursors: a reply that is not what the
 * relay documents, a wrong key or a relay that does not answer writes nothing at all.
 */
import type { Engine } from '../../engine';
import { isUnderstudyError, userError } from '../../errors';
import { registerSecret, type SecretStore } from '../../secrets';
import { EspHttp, isEspError, type HttpClientOptions } from '../../mirror/esp/http';
import { normalizeEmail } from '../../mirror/email';
import { recordSuppressionsAdded, type AddedSuppression } from '../../mirror/suppressions';
import { InboxRepo } from '../../db/repos/inbox';
import type { RelayFeedbackKind } from '../../db/repos/relayFeedback';
import type { ProviderRow } from '../../db/repos/providers';
import { queueForEsp } from '../../mirror/suppressions';
import { ENGINE_EVENTS } from '../../api/words';
import { secretStoreOf } from '../context';
import { requireProvider } from '../providers';
import { smtpConfigOf } from '../transport';
import type { FeedItem, RelayApi } from './types';
import { notSupported, relayApiFor } from './registry';
import { setRelayApiKeyFor } from './apiKey';

export { RELAY_APIS, relayApiFor } from './registry';
export { hasRelayApiKey } from './apiKey';

/** Stores (or, with `key` null, removes) the API key of the provider named `name`; see apiKey.ts. */
export function setRelayApiKey(
  engine: Engine,
  name: string,
  key: string | null,
  opts: { secrets?: SecretStore; apiUrl?: string | null } = {},
): Promise<{ provider: string; relay: string; hasApiKey: boolean }> {
  return setRelayApiKeyFor(engine, requireProvider(engine, name), key, opts);
}

/** The most items one pull of one provider reads; the rest waits for the next pull. */
export const MAX_ITEMS_PER_PULL = 100_000;
/** The largest answer read from a relay (a page of 1,000 items is well under 1 MB). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** A provider that sent within this many days is "in use": its relay is asked periodically. */
export const IN_USE_DAYS = 14;
/** How often a provider in use is pulled. */
export const PULL_EVERY_MS = 30 * 60_000;

/** Tests: HTTP client options for every relay pull of this engine (fewer attempts, no backoff …). */
export function useRelayOverrides(engine: Engine, o: Partial<HttpClientOptions>): void {
  engine.services.relayOverrides = o;
}

export interface RelayPullResult {
  provider: string;
  relay: string;
  ok: boolean;
  /** Items that suppressed an address or changed a subscriber, by kind. */
  added: Record<RelayFeedbackKind, number>;
  /** Items the relay reported again, or about addresses already suppressed: nothing changed. */
  unchanged: number;
  /** Items that are not a bounce, complaint or unsubscribe (a temporary block, a soft bounce …). */
  skipped: number;
  queuedForEsp: number;
  /** More waited at the relay than one pull reads: the next pull goes on. */
  more: boolean;
  error: string | null;
  /** What to do about the error, in the command line's words and the app's. */
  next: string | null;
  appNext: string | null;
}

/** Providers whose relay can be asked, with a key: the named one, or every enabled one (`inUse`: sent lately). */
function targets(engine: Engine, name: string | undefined, inUse: boolean): ProviderRow[] {
  const repo = engine.repos.relayFeedback;
  if (name !== undefined) {
    const p = requireProvider(engine, name);
    if (!relayApiFor(p.preset)) throw notSupported(p);
    if (!repo.state(p.id)?.apiSecretRef)
      throw userError(`"${p.name}" has no ${relayApiFor(p.preset)!.label} API key yet.`, {
        code: 'relay_no_key',
        safe: 'Nothing was pulled or changed.',
        next: `Give it one: \`understudy providers set-api-key ${p.name}\` (the key is read from stdin or --key-env).`,
        appNext: `Edit “${p.name}” on the Providers screen and enter its API key.`,
      });
    return [p];
  }
  const since = new Date(engine.clock.now() - IN_USE_DAYS * 86_400_000).toISOString().slice(0, 10);
  const out: ProviderRow[] = [];
  for (const s of repo.withKeys()) {
    const p = engine.repos.providers.byId(s.providerId);
    if (!p || p.kind !== 'smtp' || !p.enabled || !relayApiFor(p.preset)) continue;
    if (inUse) {
      const last = repo.lastSentDay(p.id);
      if (last === null || last < since) continue;
    }
    out.push(p);
  }
  return out;
}

/**
 * Pulls every provider asked for (default: every enabled one with a key). A provider that fails does
 * not stop the others; its result says why, and the failure is recorded once until it succeeds again.
 */
export async function pullRelayFeedback(
  engine: Engine,
  opts: {
    name?: string;
    inUse?: boolean;
    providerIds?: number[];
    signal?: AbortSignal;
    secrets?: SecretStore;
  } = {},
): Promise<RelayPullResult[]> {
  let list = targets(engine, opts.name, opts.inUse === true);
  if (opts.providerIds) list = list.filter((p) => opts.providerIds!.includes(p.id));
  const out: RelayPullResult[] = [];
  for (const p of list) {
    if (opts.signal?.aborted) break;
    out.push(await pullOne(engine, p, opts.secrets, opts.signal));
  }
  return out;
}

async function pullOne(
  engine: Engine,
  p: ProviderRow,
  secrets: SecretStore | undefined,
  signal: AbortSignal | undefined,
): Promise<RelayPullResult> {
  const api = relayApiFor(p.preset)!;
  const repo = engine.repos.relayFeedback;
  const result: RelayPullResult = {
    provider: p.name,
    relay: api.label,
    ok: false,
    added: { bounce: 0, complaint: 0, unsubscribe: 0 },
    unchanged: 0,
    skipped: 0,
    queuedForEsp: 0,
    more: false,
    error: null,
    next: null,
    appNext: null,
  };
  try {
    const state = repo.state(p.id)!;
    const key = await secretStoreOf(engine, secrets).get(state.apiSecretRef!);
    if (!key)
      throw userError(`The ${api.label} API key of "${p.name}" is missing from the secret store.`, {
        code: 'relay_key_missing',
        safe: 'Nothing was pulled or changed.',
        next: `Set it again: \`understudy providers set-api-key ${p.name}\`.`,
        appNext: `Edit “${p.name}” on the Providers screen and enter its API key again.`,
      });
    const secretsOfKey = [key, ...(api.secretsOf?.(key) ?? [])];
    for (const s of secretsOfKey) registerSecret(s);
    const smtp = smtpConfigOf(p);
    const http = new EspHttp({
      esp: api.label,
      baseUrl: state.apiBaseUrl ?? api.baseUrl(smtp),
      headers: api.headers(key),
      secrets: secretsOfKey,
      maxConnections: 1,
      maxAttempts: 3,
      timeoutMs: 30_000,
      maxRetryAfterMs: 60_000,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      clock: engine.clock,
      ...engine.services.relayOverrides,
    });
    const pulled = await api.pull({
      http,
      apiKey: key,
      smtp,
      cursors: state.cursors,
      now: engine.clock.now(),
      signal,
      maxItems: MAX_ITEMS_PER_PULL,
    });
    result.skipped = pulled.skipped;
    result.more = pulled.truncated;
    const now = engine.now();
    engine.db.transaction(() => {
      apply(engine, p, api, pulled.items, now, result);
      repo.saveCursors(p.id, { ...state.cursors, ...pulled.cursors }, now);
      const total = result.added.bounce + result.added.complaint + result.added.unsubscribe;
      if (total > 0)
        engine.record({
          type: ENGINE_EVENTS.relayFeedbackPulled,
          severity: result.added.complaint > 0 ? 'warning' : 'info',
          message: `${api.label} ("${p.name}") reported ${words(result)}; each is suppressed${result.queuedForEsp ? `, ${result.queuedForEsp} queued for the ESP` : ''}.`,
          providerId: p.id,
          data: {
            ...result.added,
            unchanged: result.unchanged,
            skipped: result.skipped,
            queuedForEsp: result.queuedForEsp,
          },
        });
    })();
    result.ok = true;
    return result;
  } catch (e) {
    const err = explain(e, p, api);
    result.error = err.message;
    if (isUnderstudyError(err)) {
      result.next = err.next ?? null;
      result.appNext = err.appNext ?? err.next ?? null;
    }
    const before = repo.saveError(p.id, err.message, engine.now());
    if (before !== err.message)
      engine.record({
        type: ENGINE_EVENTS.relayFeedbackFailed,
        severity: 'warning',
        message: `Bounces and complaints could not be pulled from ${api.label} ("${p.name}"): ${err.message}`,
        providerId: p.id,
      });
    if (!isUnderstudyError(e) && !isEspError(e)) throw e;
    return result;
  }
}

function words(r: RelayPullResult): string {
  const parts = [
    r.added.bounce ? `${r.added.bounce} bounce${r.added.bounce === 1 ? '' : 's'}` : '',
    r.added.complaint ? `${r.added.complaint} spam complaint${r.added.complaint === 1 ? '' : 's'}` : '',
    r.added.unsubscribe ? `${r.added.unsubscribe} unsubscribe${r.added.unsubscribe === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

const HOW: Record<RelayFeedbackKind, string> = {
  bounce: 'bounced',
  complaint: 'complained',
  unsubscribe: 'unsubscribed',
};

/** Applies the new items (inside the caller's transaction), as inbox.ts applies a bounce report. */
function apply(
  engine: Engine,
  p: ProviderRow,
  api: RelayApi,
  items: FeedItem[],
  now: string,
  result: RelayPullResult,
): void {
  const repo = engine.repos.relayFeedback;
  const inbox = new InboxRepo(engine.db);
  const added: Record<RelayFeedbackKind, AddedSuppression[]> = { bounce: [], complaint: [], unsubscribe: [] };
  for (const item of items) {
    if (repo.seen(p.id, item.feed, item.key)) continue;
    const email = normalizeEmail(item.email)!;
    const detail = item.detail ?? `${api.label} ${item.kind}`;
    const members = inbox.byEmail(email);
    const mailable = members.filter((s) => s.status === 'subscribed' || s.status === 'pending');
    let previous: { subscriberId: number; status: string }[];
    let changed = 0;
    if (item.kind === 'complaint') {
      previous = members
        .filter((s) => s.status !== 'complained')
        .map((s) => ({ subscriberId: s.id, status: s.status }));
      changed = inbox.complain(email, `spam complaint reported by ${api.label}`, now);
    } else if (item.kind === 'bounce') {
      previous = mailable.map((s) => ({ subscriberId: s.id, status: s.status }));
      changed = inbox.bounce(email, `bounce reported by ${api.label}: ${detail}`.slice(0, 500), now);
    } else {
      previous = mailable.map((s) => ({ subscriberId: s.id, status: s.status }));
      for (const s of mailable) if (inbox.unsubscribe(s.id, `unsubscribed at ${api.label}`, now)) changed++;
    }
    const reason =
      item.kind === 'bounce' ? 'bounced' : item.kind === 'complaint' ? 'complained' : 'unsubscribed';
    const suppressed = inbox.suppress(email, reason, `relay:${p.name}:${item.kind}`, detail, now);
    if (suppressed)
      added[item.kind].push({
        email,
        reason,
        detail,
        previous,
        extra: { relay: api.label, relayAt: item.at },
      });
    const applied = suppressed || changed > 0;
    repo.add(
      {
        providerId: p.id,
        feed: item.feed,
        itemKey: item.key,
        emailNorm: email,
        kind: item.kind,
        happenedAt: item.at,
        detail,
      },
      applied,
      now,
    );
    if (!applied) {
      result.unchanged++;
      continue;
    }
    result.added[item.kind]++;
    for (const s of members) if (queueForEsp(engine, s, item.kind, detail, now)) result.queuedForEsp++;
  }
  for (const kind of ['bounce', 'complaint', 'unsubscribe'] as const)
    recordSuppressionsAdded(engine, added[kind], {
      source: `relay:${p.name}:${kind}`,
      how: `reported by ${api.label} ("${p.name}") as ${HOW[kind]}`,
      providerId: p.id,
    });
}

/** A failure as the person reads it: what happened at the relay, that nothing changed, what to do. */
function explain(e: unknown, p: ProviderRow, api: RelayApi): Error {
  const safe =
    'Nothing of this pull was written; the suppression list and every subscriber are as they were.';
  if (!isEspError(e)) {
    if (isUnderstudyError(e)) return e;
    return e instanceof Error ? e : new Error(String(e));
  }
  switch (e.espCodeName) {
    case 'esp_auth':
      return userError(`${api.label} refused the API key of "${p.name}" (HTTP ${e.status}).`, {
        code: 'relay_auth',
        safe,
        next: `Check the key at ${api.label} (it needs ${api.keyWords.replace(/^an? /, '')}), then set it again with \`understudy providers set-api-key ${p.name}\`.`,
        appNext: `Check the key at ${api.label}, then edit “${p.name}” on the Providers screen and enter it again.`,
      });
    case 'esp_bad_response':
      return userError(e.message, {
        code: 'relay_bad_reply',
        safe,
        next: 'It is tried again at the next pull; if it keeps happening, report it with this message.',
      });
    case 'esp_cancelled':
      return userError(`Pulling from ${api.label} ("${p.name}") was cancelled.`, {
        code: 'relay_cancelled',
        safe,
      });
    default:
      return userError(`${api.label} did not answer as expected for "${p.name}": ${e.message}`, {
        code: 'relay_unavailable',
        safe,
        next: `It is tried again by itself while "${p.name}" is in use; or later with \`understudy providers pull-suppressions ${p.name}\`.`,
        appNext: 'It is tried again by itself while the account is in use.',
      });
  }
}
