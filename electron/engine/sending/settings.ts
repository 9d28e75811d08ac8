/**
 * The settings every marketing message depends on: the sender's postal address (CAN-SPAM, and most
 * ESPs' terms), the unsubscribe mailbox and optional one-click URL (RFC 8058), the domain of
 * Message-IDs, and the company name. Stored in the settings table; the unsubscribe-token key is a
 * secret and lives in the secret store, never in SQLite.
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine';
import { quoteInput, userError } from '../errors';
import { newSecretRef, type SecretStore } from '../secrets';
import { checkEmail } from '../mirror/email';

export const SENDING_SETTINGS = {
  postal_address: 'The postal address printed in every message (required by law for marketing mail).',
  company_name: 'The business name shown next to the postal address.',
  unsubscribe_mailto: 'The address that receives unsubscribe requests (List-Unsubscribe: mailto).',
  unsubscribe_url:
    'Optional https address where `understudy serve` is published, for one-click unsubscribe (RFC 8058); links are <url>/u/<token>.',
  message_id_domain: 'The domain after @ in Message-IDs (default: the From address domain).',
  unsubscribe_port:
    'Desktop app: also answer unsubscribe links on this port of this computer (127.0.0.1), for a reverse proxy or tunnel that publishes unsubscribe_url; unset: off.',
} as const;
export type SendingSettingKey = keyof typeof SENDING_SETTINGS;

const PREFIX = 'sending.';
const SECRET_KEY = 'sending.unsubscribe_secret_ref';

export function isSendingSettingKey(k: string): k is SendingSettingKey {
  return Object.hasOwn(SENDING_SETTINGS, k);
}

export function getSendingSettings(engine: Engine): Partial<Record<SendingSettingKey, string>> {
  const out: Partial<Record<SendingSettingKey, string>> = {};
  for (const k of Object.keys(SENDING_SETTINGS) as SendingSettingKey[]) {
    const v = engine.repos.settings.get<string>(PREFIX + k);
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

/** What stops working when a setting is removed; settings absent here are optional. */
export const REQUIRED_SENDING_SETTINGS: Partial<Record<SendingSettingKey, string>> = {
  postal_address: 'No campaign can be sent until a postal address is set again (the law requires it).',
  unsubscribe_mailto:
    'No campaign can be sent until an unsubscribe address is set again (every message must offer one).',
};

function requireKey(key: string): SendingSettingKey {
  if (!isSendingSettingKey(key)) {
    throw userError(`There is no setting named "${quoteInput(key)}".`, {
      code: 'unknown_setting',
      safe: 'Nothing was changed.',
      next: `Known settings: ${Object.keys(SENDING_SETTINGS).join(', ')}.`,
    });
  }
  return key;
}

export function setSendingSetting(engine: Engine, key: string, value: string): void {
  requireKey(key);
  const v = value.trim();
  // A blank is never a value: it used to remove the setting silently, and with it the postal address
  // every message must carry. Removing is its own, explicit act that says what stops working.
  if (v === '')
    throw userError(`The ${key} setting cannot be empty.`, {
      code: 'empty_setting',
      safe: 'Nothing was changed; the current value is kept.',
      next: `To remove it on purpose, run \`understudy settings unset ${key}\`.${REQUIRED_SENDING_SETTINGS[key as SendingSettingKey] ? ` Then: ${REQUIRED_SENDING_SETTINGS[key as SendingSettingKey]!.charAt(0).toLowerCase()}${REQUIRED_SENDING_SETTINGS[key as SendingSettingKey]!.slice(1)}` : ''}`,
      appNext: 'To remove it on purpose, clear it with its Remove button.',
    });
  if (/[\r\n]/.test(v) && key !== 'postal_address')
    throw userError(`The ${key} setting must be a single line.`, { safe: 'Nothing was changed.' });
  if (key === 'unsubscribe_mailto' && v !== '' && !checkEmail(v).ok)
    throw userError(`"${v}" is not an email address.`, {
      safe: 'Nothing was changed.',
      next: 'Give the mailbox that receives unsubscribe requests, e.g. unsubscribe@example.com.',
    });
  if (key === 'unsubscribe_url' && v !== '' && !/^https:\/\/[^\s]+$/.test(v))
    throw userError(`The unsubscribe URL must start with https:// ("${v}").`, {
      safe: 'Nothing was changed.',
    });
  if (key === 'unsubscribe_port' && !(/^\d{1,5}$/.test(v) && Number(v) >= 1024 && Number(v) <= 65535))
    throw userError(`"${v}" is not a port for the unsubscribe endpoint.`, {
      safe: 'Nothing was changed.',
      next: 'Give a number from 1024 to 65535 that nothing else on this computer uses, e.g. 8787.',
    });
  if (key === 'message_id_domain' && v !== '' && !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(v))
    throw userError(`"${v}" is not a domain name.`, { safe: 'Nothing was changed.' });
  if (engine.repos.settings.get<string>(PREFIX + key) === v) return;
  engine.repos.settings.set(PREFIX + key, v, engine.now());
  // What listens for settings (the desktop app's unsubscribe endpoint) follows at once.
  engine.record({ type: 'settings.changed', message: `Sending setting ${key} changed.`, data: { key } });
}

/** Removes a setting; for a required one, the warning says what stops working until it is set again. */
export function unsetSendingSetting(
  engine: Engine,
  key: string,
): { removed: boolean; warning: string | null } {
  const k = requireKey(key);
  const had = engine.repos.settings.delete(PREFIX + k);
  const warning = had ? (REQUIRED_SENDING_SETTINGS[k] ?? null) : null;
  if (had)
    engine.record({
      type: 'settings.changed',
      severity: warning ? 'warning' : 'info',
      message: `Sending setting ${k} removed.${warning ? ` ${warning}` : ''}`,
    });
  return { removed: had, warning };
}

/** Refuses to send without what the law and RFC 8058 require, saying exactly what to set. */
export function requireSendingSettings(
  engine: Engine,
  fromEmail: string,
): {
  postalAddress: string;
  unsubscribeMailto: string;
  unsubscribeUrl?: string;
  companyName?: string;
  messageIdDomain: string;
  /** This database's installation id, inside every Message-ID (db/migrations/0005_installation.ts). */
  messageIdScope: string;
} {
  const s = getSendingSettings(engine);
  if (!s.postal_address) {
    throw userError('This campaign cannot be sent: no postal address is set.', {
      code: 'no_postal_address',
      safe: 'Nothing was sent.',
      next: 'Marketing mail must carry your postal address: run `understudy settings set postal_address "1 Main St, Springfield"`.',
      appNext:
        'Marketing mail must carry your postal address: enter it under Settings → Sending, then send again.',
    });
  }
  if (!s.unsubscribe_mailto) {
    throw userError('This campaign cannot be sent: no unsubscribe address is set.', {
      code: 'no_unsubscribe',
      safe: 'Nothing was sent.',
      next: 'Run `understudy settings set unsubscribe_mailto unsubscribe@yourdomain` (and optionally unsubscribe_url).',
      appNext: 'Enter the unsubscribe address under Settings → Sending, then send again.',
    });
  }
  const domain = s.message_id_domain ?? fromEmail.slice(fromEmail.lastIndexOf('@') + 1).toLowerCase();
  return {
    postalAddress: s.postal_address,
    unsubscribeMailto: s.unsubscribe_mailto,
    ...(s.unsubscribe_url ? { unsubscribeUrl: s.unsubscribe_url } : {}),
    ...(s.company_name ? { companyName: s.company_name } : {}),
    messageIdDomain: domain,
    messageIdScope: engine.repos.meta.installationId(),
  };
}

/**
 * The key of unsubscribe tokens if one was ever made, without making one (the public unsubscribe
 * endpoint only reads): undefined when this database has never signed a token.
 */
export async function existingUnsubscribeSecret(
  engine: Engine,
  secrets: SecretStore,
): Promise<string | undefined> {
  const ref = engine.repos.settings.get<string>(SECRET_KEY);
  return ref ? ((await secrets.get(ref)) ?? undefined) : undefined;
}

/** The key of unsubscribe tokens: created once, kept in the secret store. */
export async function unsubscribeSecret(engine: Engine, secrets: SecretStore): Promise<string> {
  const ref = engine.repos.settings.get<string>(SECRET_KEY);
  if (ref) {
    const v = await secrets.get(ref);
    if (v) return v;
  }
  const value = randomBytes(32).toString('base64url');
  const newRef = newSecretRef('unsubscribe');
  await secrets.set(newRef, value);
  engine.repos.settings.set(SECRET_KEY, newRef, engine.now());
  return value;
}
