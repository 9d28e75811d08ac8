/**
 * The backup sending mailbox over IMAP (imapflow): where unsubscribe requests (List-Unsubscribe
 * mailto) and bounce reports of mail sent through the backups arrive, and where drill messages to the
 * seed address are looked for. The password lives in the secret store; settings hold only its ref.
 */
// imapflow is loaded when a mailbox is first opened: it costs ~0.1 s at every CLI start otherwise.
import type { ImapFlow } from 'imapflow';
import { z } from 'zod';
import type { Engine } from '../engine';
import { userError } from '../errors';
import { newSecretRef, registerSmtpAuth, redact } from '../secrets';

export const MailboxSettingsSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(993),
  /** Implicit TLS (993). false = plain connection upgraded with STARTTLS when offered. */
  secure: z.boolean().default(true),
  user: z.string().min(1),
  secretRef: z.string().optional(),
  /** Folder that receives unsubscribe requests and bounces. */
  mailbox: z.string().min(1).default('INBOX'),
  /** Address drills send to; its mail is read from `seedMailbox` of this account. */
  seedAddress: z.string().email().optional(),
  seedMailbox: z.string().min(1).default('INBOX'),
  pollMinutes: z.number().min(1).default(10),
  allowInvalidCertificate: z.boolean().default(false),
});
export type MailboxSettings = z.infer<typeof MailboxSettingsSchema>;
export const MAILBOX_KEY = 'continuity.mailbox';

export function mailboxSettings(engine: Engine): MailboxSettings | null {
  const raw = engine.repos.settings.get(MAILBOX_KEY);
  if (raw === undefined) return null;
  const parsed = MailboxSettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function requireMailbox(engine: Engine): MailboxSettings {
  const m = mailboxSettings(engine);
  if (!m) {
    throw userError('No backup mailbox is set up.', {
      code: 'mailbox_missing',
      safe: 'Nothing was read or changed.',
      next: 'Set it with `understudy inbox setup --host HOST --user USER --password-env VAR`.',
      appNext: 'Set it up under Settings → Backup mailbox.',
    });
  }
  return m;
}

/** Saves the mailbox settings; the password goes to the secret store, never to SQLite. */
export async function configureMailbox(
  engine: Engine,
  input: z.input<typeof MailboxSettingsSchema> & { password?: string },
): Promise<MailboxSettings> {
  const { password, ...rest } = input;
  const parsed = MailboxSettingsSchema.safeParse({ ...(mailboxSettings(engine) ?? {}), ...rest });
  if (!parsed.success) {
    throw userError(
      `The mailbox settings are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
      {
        safe: 'Nothing was saved.',
      },
    );
  }
  const s = parsed.data;
  if (password !== undefined) {
    const ref = s.secretRef ?? newSecretRef('imap');
    await engine.services.secrets.store().set(ref, password);
    s.secretRef = ref;
  }
  engine.repos.settings.set(MAILBOX_KEY, s, engine.now());
  engine.record({
    type: 'mailbox.configured',
    message: `Backup mailbox set to ${s.user} at ${s.host}:${s.port}.`,
  });
  return s;
}

/** Opens an authenticated IMAP session; the caller logs out. Errors are scrubbed of the password. */
export async function openImap(
  engine: Engine,
  s: MailboxSettings = requireMailbox(engine),
): Promise<ImapFlow> {
  const pass = s.secretRef ? await engine.services.secrets.store().get(s.secretRef) : undefined;
  if (pass === undefined) {
    throw userError(`The password of the mailbox ${s.user} is not in the secret store.`, {
      code: 'secret_missing',
      safe: 'Nothing was read.',
      next: 'Set it again with `understudy inbox setup ... --password-env VAR`.',
      appNext: 'Enter the password again under Settings → Backup mailbox.',
    });
  }
  // IMAP LOGIN sends it as a quoted string, AUTHENTICATE PLAIN as base64: a server that echoes either
  // must not put it in an error.
  registerSmtpAuth(s.user, pass);
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.secure,
    auth: { user: s.user, pass },
    logger: false,
    tls: { rejectUnauthorized: !s.allowInvalidCertificate },
    // Time limits: a stalled server must not hang the engine's loop.
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  // imapflow emits 'error' on socket problems after connect; without a listener Node would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    const err = e as { message?: string; authenticationFailed?: boolean };
    throw userError(
      `Could not open the mailbox ${s.user} at ${s.host}:${s.port}: ${redact(err.message ?? String(e), [pass])}${err.authenticationFailed ? ' (login refused)' : ''}.`,
      {
        code: 'imap_failed',
        safe: 'Nothing was read or changed.',
        next: 'Check the host, port, user and password of the mailbox.',
      },
    );
  }
  return client;
}
