/**
 * Managing the provider chain: add, edit, remove, list and test SMTP accounts. A preset fills in the
 * host, port, TLS mode and the provider's published limits; anything given explicitly wins. The
 * password goes straight into the secret store; SQLite keeps only its reference.
 */
import { isIP } from 'node:net';
import type { Engine } from '../engine';
import { parseInput, userError } from '../errors';
import { newSecretRef, redact, type SecretStore } from '../secrets';
import type { ProviderRow, ProviderInput as RepoInput } from '../db/repos/providers';
import {
  ProviderInputSchema,
  type Provider,
  type ProviderInput,
  type ProviderTestResult,
} from '../api/sending';
import { PRESETS, presetNames } from './presets';
import { createVerifyTransport, smtpConfigOf, type MailTransport, type SmtpConfig } from './transport';
import { forgetProvider, limiterFor, secretStoreOf } from './context';
import { notSupported, relayApiFor } from './feedback/registry';
import { setRelayApiKeyFor } from './feedback/apiKey';

export function toApiProvider(engine: Engine, p: ProviderRow): Provider {
  const c = smtpConfigOf(p);
  const b = engine.repos.providerState.breaker(p.id);
  const relay = relayApiFor(p.preset);
  const feedback = engine.repos.relayFeedback.state(p.id);
  return {
    id: p.id,
    name: p.name,
    preset: p.preset,
    host: c.host,
    port: c.port,
    tls: c.tls,
    user: c.user ?? null,
    auth: c.auth,
    hasSecret: p.secretRef !== null,
    relayApi: relay?.label ?? null,
    relayApiKeyWords: relay?.keyWords ?? null,
    hasApiKey: (feedback?.apiSecretRef ?? null) !== null,
    feedbackPulledAt: feedback?.lastPulledAt ?? null,
    feedbackError: feedback?.lastError ?? null,
    priority: p.priority,
    weight: p.weight,
    perSecond: p.caps.perSecond,
    perMinute: p.caps.perMinute,
    perHour: p.caps.perHour,
    perDay: p.caps.perDay,
    maxConnections: p.maxConnections,
    allowInvalidCertificate: c.allowInvalidCertificate === true,
    enabled: p.enabled,
    health: p.health,
    healthChangedAt: p.healthChangedAt,
    breaker: b?.state ?? 'closed',
    pausedUntil: b?.pausedUntil ?? null,
    retryAt: b?.retryAt ?? null,
    breakerReason: b?.reason ?? null,
    sentLastDay: limiterFor(engine, p).used(engine.clock.now(), 86_400),
  };
}

export function listProviders(engine: Engine): Provider[] {
  return engine.repos.providers.all('smtp').map((p) => toApiProvider(engine, p));
}

/** Nothing to send through: what to do about it. */
export function noProviderError(): Error {
  return userError('There is no SMTP provider to send through.', {
    code: 'no_provider',
    safe: 'Nothing was sent.',
    next: 'Add one with `understudy providers add smtp --name NAME --host HOST --port PORT`.',
    appNext: 'Add a backup account on the Providers screen.',
  });
}

export function requireProvider(engine: Engine, name: string): ProviderRow {
  const p = engine.repos.providers.byName(name);
  if (!p || p.kind !== 'smtp') {
    const known = engine.repos.providers.all('smtp').map((x) => `"${x.name}"`);
    throw userError(`There is no SMTP provider named "${name}".`, {
      code: 'provider_not_found',
      safe: 'Nothing was changed.',
      next: known.length
        ? `Known providers: ${known.join(', ')}.`
        : 'Add one with `understudy providers add smtp --name NAME --host HOST --port PORT`.',
      appNext: known.length
        ? `Known providers: ${known.join(', ')}.`
        : 'Add a backup account on the Providers screen.',
    });
  }
  return p;
}

/** 127.0.0.0/8, ::1, localhost: the password never leaves this computer. Names are not resolved. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^(0+:){7}0*1$/.test(h);
  return false;
}

/**
 * A password sent with `tls: 'none'` crosses the network readable by anyone on the path (AUTH PLAIN
 * and LOGIN are only base64). On loopback that is harmless; anywhere else the person must say so.
 * Checked here, so the CLI, the API and the UI are all covered.
 */
export function plaintextAuthRisk(c: SmtpConfig, hasPassword: boolean): boolean {
  return c.tls === 'none' && c.auth !== 'none' && hasPassword && !isLoopbackHost(c.host);
}

export function plaintextAuthWarning(name: string, c: SmtpConfig): string {
  return `Warning: the password of "${name}" is sent unencrypted to ${c.host}:${c.port} (no TLS); anyone on the network path can read it. Use --tls starttls or implicit if the server supports it.`;
}

function refusePlaintextAuth(name: string, c: SmtpConfig): Error {
  return userError(
    `Provider "${name}" would send its password unencrypted to ${c.host} (--tls none to a host that is not this computer).`,
    {
      code: 'plaintext_auth',
      safe: 'Nothing was changed and the password was not stored or sent.',
      next: 'Use --tls starttls (port 587) or --tls implicit (port 465); if this relay truly has no TLS and the network is yours, add --allow-plaintext-auth.',
      appNext:
        'Choose STARTTLS or TLS under Security; if this relay truly has no encryption and the network is yours, tick “Send the password without encryption”.',
    },
  );
}

function resolve(
  input: ProviderInput,
  base?: ProviderRow,
  hasPassword = false,
): { repo: Omit<RepoInput, 'secretRef'>; config: SmtpConfig } {
  const presetName = input.preset ?? base?.preset ?? undefined;
  if (presetName !== undefined && !PRESETS[presetName]) {
    throw userError(`There is no preset named "${presetName}".`, {
      code: 'unknown_preset',
      safe: 'Nothing was changed.',
      next: `Presets: ${presetNames().join(', ')}.`,
    });
  }
  const preset = presetName ? PRESETS[presetName] : undefined;
  const was = base ? smtpConfigOf(base) : undefined;
  // On add, a preset's values are defaults; on update, the stored values are.
  const host = input.host ?? was?.host ?? preset?.host ?? '';
  const port = input.port ?? was?.port ?? preset?.port;
  if (!host) throw userError('An SMTP provider needs a host (--host).', { safe: 'Nothing was changed.' });
  if (port === undefined)
    throw userError('An SMTP provider needs a port (--port, usually 587 or 465).', {
      safe: 'Nothing was changed.',
    });
  const user = input.user ?? was?.user;
  const tls = input.tls ?? was?.tls ?? preset?.tls ?? (port === 465 ? 'implicit' : 'starttls');
  const auth = input.auth ?? was?.auth ?? (user ? (preset?.auth ?? 'PLAIN') : 'none');
  if (auth !== 'none' && !user)
    throw userError(`AUTH ${auth} needs a user name (--user).`, { safe: 'Nothing was changed.' });
  if (input.password && !user)
    throw userError('A password was given but no user name to log in with.', {
      code: 'password_without_user',
      safe: 'Nothing was changed, and the password was not stored.',
      next: 'Add --user NAME (the login of this SMTP account), or leave the password out for a server without login.',
      appNext:
        'Enter the user name of this SMTP account, or leave the password empty for a server without login.',
    });
  const pick = (k: 'perSecond' | 'perMinute' | 'perHour' | 'perDay') =>
    input[k] !== undefined ? input[k] : base ? base.caps[k] : (preset?.caps[k] ?? null);
  const caps = {
    perSecond: pick('perSecond'),
    perMinute: pick('perMinute'),
    perHour: pick('perHour'),
    perDay: pick('perDay'),
  };
  for (const [k, v] of Object.entries(caps))
    if (v !== null && (k !== 'perSecond' ? !Number.isInteger(v) : false))
      throw userError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a whole number.`, {
        safe: 'Nothing was changed.',
      });
  const config: SmtpConfig = {
    host,
    port,
    tls,
    ...(user ? { user } : {}),
    auth,
    ...((input.allowInvalidCertificate ?? was?.allowInvalidCertificate)
      ? { allowInvalidCertificate: true }
      : {}),
    ...((input.ehloName ?? was?.ehloName) ? { ehloName: input.ehloName ?? was?.ehloName } : {}),
  };
  if (plaintextAuthRisk(config, hasPassword)) {
    // An earlier consent holds only for the host it was given for.
    const consent = input.allowPlaintextAuth ?? (was?.host === host && was.allowPlaintextAuth === true);
    if (!consent) throw refusePlaintextAuth(input.name ?? base?.name ?? '', config);
    config.allowPlaintextAuth = true;
  }
  return {
    config,
    repo: {
      name: input.name ?? base?.name ?? '',
      kind: 'smtp',
      type: 'smtp',
      config: config as unknown as Record<string, unknown>,
      preset: presetName ?? null,
      priority: input.priority ?? base?.priority ?? 100,
      weight: input.weight ?? base?.weight ?? 1,
      caps,
      maxConnections: input.maxConnections ?? base?.maxConnections ?? preset?.maxConnections ?? 2,
      enabled: input.enabled ?? base?.enabled ?? true,
    },
  };
}

/**
 * Checks an add (no `current`) or an update before anything is asked or stored: the CLI calls it
 * before it prompts for a passphrase and a password. Returns the warning to show when the person
 * accepted plaintext authentication, else null. Throws the same user errors add/update would.
 */
export function checkProviderInput(
  engine: Engine,
  input: Partial<ProviderInput>,
  willHavePassword: boolean,
  current?: string,
): string | null {
  const base = current === undefined ? undefined : requireProvider(engine, current);
  const name = input.name ?? base?.name ?? '';
  const { config } = resolve(
    { ...input, name } as ProviderInput,
    base,
    willHavePassword || (base?.secretRef ?? null) !== null,
  );
  return config.allowPlaintextAuth ? plaintextAuthWarning(name, config) : null;
}

export async function addProvider(
  engine: Engine,
  raw: ProviderInput,
  secrets?: SecretStore,
): Promise<Provider> {
  // The contract's rules (port 1–65535, a host without spaces, caps above zero) hold for the CLI too.
  const input = parseInput(ProviderInputSchema, raw);
  if (engine.repos.providers.byName(input.name)) {
    throw userError(`A provider named "${input.name}" already exists.`, {
      code: 'provider_exists',
      safe: 'Nothing was changed.',
      next: 'Pick another name, or change it with `understudy providers update`, or remove it first.',
      appNext: 'Pick another name, or edit the existing account on the Providers screen.',
    });
  }
  const { repo, config } = resolve(input, undefined, Boolean(input.password));
  if (config.auth !== 'none' && !input.password) {
    throw userError(`Provider "${input.name}" uses AUTH ${config.auth} but no password was given.`, {
      code: 'no_password',
      safe: 'Nothing was changed.',
      next: 'Pass --password-env VAR with the password in that environment variable, or pipe it on stdin.',
      appNext: 'Type the password of this account.',
    });
  }
  checkApiKeyInput(input, repo.preset, config, input.name);
  let secretRef: string | null = null;
  if (input.password) {
    secretRef = newSecretRef('smtp');
    await secretStoreOf(engine, secrets).set(secretRef, input.password);
  }
  try {
    const row = engine.repos.providers.create({ ...repo, secretRef }, engine.now());
    engine.record({
      type: 'provider.added',
      message: `SMTP provider "${row.name}" added (${config.host}:${config.port}, priority ${row.priority}).`,
      providerId: row.id,
      data: { preset: row.preset, caps: row.caps, maxConnections: row.maxConnections },
    });
    if (input.apiKey) await setRelayApiKeyFor(engine, row, input.apiKey, secrets ? { secrets } : {});
    return toApiProvider(engine, row);
  } catch (e) {
    if (secretRef) await secretStoreOf(engine, secrets).delete(secretRef);
    throw e;
  }
}

export async function updateProvider(
  engine: Engine,
  current: string,
  raw: Partial<ProviderInput>,
  secrets?: SecretStore,
): Promise<Provider> {
  const input = parseInput(ProviderInputSchema.partial(), raw);
  const base = requireProvider(engine, current);
  if (
    input.name &&
    input.name.toLowerCase() !== base.name.toLowerCase() &&
    engine.repos.providers.byName(input.name)
  )
    throw userError(`A provider named "${input.name}" already exists.`, { safe: 'Nothing was changed.' });
  const { repo, config } = resolve(
    { ...input, name: input.name ?? base.name } as ProviderInput,
    base,
    Boolean(input.password) || base.secretRef !== null,
  );
  checkApiKeyInput(input, repo.preset, config, repo.name);
  let secretRef = base.secretRef;
  if (input.password) {
    const store = secretStoreOf(engine, secrets);
    secretRef = secretRef ?? newSecretRef('smtp');
    await store.set(secretRef, input.password);
  }
  const row = engine.repos.providers.update(base.id, { ...repo, secretRef }, engine.now());
  forgetProvider(engine, row.id);
  engine.record({
    type: 'provider.updated',
    message: `SMTP provider "${row.name}" changed.`,
    providerId: row.id,
  });
  const opts = secrets ? { secrets } : {};
  if (input.apiKey) await setRelayApiKeyFor(engine, row, input.apiKey, opts);
  else if (input.removeApiKey && engine.repos.relayFeedback.state(row.id)?.apiSecretRef)
    await setRelayApiKeyFor(engine, row, null, opts);
  return toApiProvider(engine, row);
}

/** A relay API key given with an add or an update is checked before anything is stored. */
function checkApiKeyInput(
  input: Partial<ProviderInput>,
  preset: string | null,
  config: SmtpConfig,
  name: string,
): void {
  if (!input.apiKey) return;
  const api = relayApiFor(preset);
  if (!api) throw notSupported({ name, preset });
  api.checkKey?.(input.apiKey.trim(), config);
}

export async function removeProvider(engine: Engine, name: string, secrets?: SecretStore): Promise<boolean> {
  const p = requireProvider(engine, name);
  const running = engine.repos.campaignRuns.running();
  if (running.length > 0 && engine.repos.campaigns.byStatus('sending').length > 0) {
    // Removing a provider mid-send is allowed only when nothing is sending: it may be the one in use.
    throw userError(`"${p.name}" cannot be removed while a campaign is sending.`, {
      code: 'provider_in_use',
      safe: 'Nothing was changed.',
      next: 'Pause the campaign (`understudy pause ID`), remove the provider, then resume.',
      appNext: 'Pause the campaign, remove the account, then resume.',
    });
  }
  if (p.secretRef) await secretStoreOf(engine, secrets).delete(p.secretRef);
  const apiRef = engine.repos.relayFeedback.state(p.id)?.apiSecretRef;
  if (apiRef) await secretStoreOf(engine, secrets).delete(apiRef);
  engine.repos.providers.remove(p.id);
  forgetProvider(engine, p.id);
  engine.record({
    type: 'provider.removed',
    message: `SMTP provider "${p.name}" removed.`,
    data: { name: p.name },
  });
  return true;
}

export async function providerSecret(
  engine: Engine,
  p: ProviderRow,
  secrets?: SecretStore,
): Promise<string | undefined> {
  if (!p.secretRef) return undefined;
  const v = await secretStoreOf(engine, secrets).get(p.secretRef);
  if (v === undefined) {
    throw userError(`The password of provider "${p.name}" is missing from the secret store.`, {
      code: 'secret_missing',
      safe: 'Nothing was sent.',
      next: `Set it again: \`understudy providers update ${p.name} --password-env VAR\`.`,
      appNext: `Set it again: Edit “${p.name}” on the Providers screen and enter its password.`,
    });
  }
  return v;
}

/** Connect, EHLO, STARTTLS, AUTH, QUIT: proves the account works without sending a message. */
export async function testProvider(
  engine: Engine,
  name: string,
  opts: { secrets?: SecretStore; transportFor?: (p: ProviderRow, secret?: string) => MailTransport } = {},
): Promise<ProviderTestResult> {
  const p = requireProvider(engine, name);
  const secret = await providerSecret(engine, p, opts.secrets);
  const t = opts.transportFor ? opts.transportFor(p, secret) : createVerifyTransport(p, secret);
  const t0 = Date.now();
  try {
    await t.verify();
    const c = smtpConfigOf(p);
    const message = `Connected to ${c.host}:${c.port} (${c.tls === 'none' ? 'no TLS' : c.tls === 'implicit' ? 'TLS' : 'STARTTLS'})${c.auth !== 'none' ? `, logged in as ${c.user} with ${c.auth}` : ''}.`;
    if (engine.repos.providers.setHealth(p.id, 'operational', engine.now()))
      engine.record({
        type: 'provider.up',
        message: `"${p.name}" answered a test: ${message}`,
        providerId: p.id,
      });
    return { provider: p.name, ok: true, message, durationMs: Date.now() - t0 };
  } catch (e) {
    const err = e as { message?: string; code?: string };
    const message = redact(`${err.message ?? String(e)}`, [secret]);
    return {
      provider: p.name,
      ok: false,
      message: explainFailure(err.code, message),
      durationMs: Date.now() - t0,
    };
  } finally {
    t.close();
  }
}

function explainFailure(code: string | undefined, message: string): string {
  if (code === 'EAUTH')
    return `Login failed: ${message}. Check the user name and password (Gmail and Microsoft need an app password or OAuth).`;
  if (code === 'ETLS' || /certificate|self[- ]signed/i.test(message))
    return `TLS failed: ${message}. Check the port and TLS mode (465 = implicit TLS, 587 = STARTTLS).`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timeout/i.test(message))
    return `Could not reach the server: ${message}. Check the host and port, and that this network allows outgoing SMTP.`;
  return message;
}
