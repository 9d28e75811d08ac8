/**
 * SMTP transports: one pool of nodemailer SMTP connections per provider and run (smtpPool.ts), where
 * the engine — not the pool — owns every retry (a message is tried once; otherwise a pool silently
 * resends a message whose connection closed after the data, which is how duplicates happen).
 * Messages go to the pool as bytes: the fast MIME writer's (mime.ts), or — for what it does not
 * write (DKIM, SMTPUTF8 addresses) — nodemailer's own composer and DKIM signer through its stream
 * transport. Certificate checks are on unless the person explicitly turned them off for that provider.
 * Secrets are only handed to nodemailer; errors coming back are scrubbed of them before anything
 * stores or prints them.
 */
import nodemailer from 'nodemailer';
import { isIP } from 'node:net';
import type { ProviderRow } from '../db/repos/providers';
import type { RenderedMessage } from './render';
import type { AuthMethod, TlsMode } from './presets';
import { redact, registerSecret, registerSmtpAuth, registerXoauth2 } from '../secrets';
import { canWriteFast, encodeMessage } from './mime';
import { SmtpPool, type PoolAuth } from './smtpPool';

/** What the provider's `config` JSON holds for an SMTP account. */
export interface SmtpConfig {
  host: string;
  port: number;
  tls: TlsMode;
  user?: string;
  auth: AuthMethod;
  /** Off only when the person asked for it (a self-signed internal relay). */
  allowInvalidCertificate?: boolean;
  /** The person accepted sending the password unencrypted (tls none) to a host that is not loopback. */
  allowPlaintextAuth?: boolean;
  /** Name announced in EHLO (default: the machine's host name). */
  ehloName?: string;
  /** Seconds; defaults below. */
  timeoutSeconds?: number;
}

export interface SendResult {
  response: string;
  accepted: string[];
  rejected: string[];
}

/** The engine's view of a transport: send one message, verify the account, close. */
export interface MailTransport {
  /**
   * Messages the send loop keeps in flight per connection (it keeps maxConnections × this). For SMTP
   * 3: two on the wire (with PIPELINING the next message's envelope goes out behind the data of the
   * one before, and never more than one is past its final dot) and one waiting in the pool, so the
   * connection has its next message at hand the moment the data goes out (measured: 8.8k → 9.4k msg/s
   * to smtp-sink over 10 connections).
   */
  readonly depth?: number;
  send(message: RenderedMessage): Promise<SendResult>;
  verify(): Promise<void>;
  close(): void;
}

export function smtpConfigOf(p: ProviderRow): SmtpConfig {
  const c = p.config as Partial<SmtpConfig>;
  return {
    host: String(c.host ?? ''),
    port: Number(c.port ?? 587),
    tls: (c.tls ?? 'starttls') as TlsMode,
    ...(c.user ? { user: String(c.user) } : {}),
    auth: (c.auth ?? (c.user ? 'PLAIN' : 'none')) as AuthMethod,
    ...(c.allowInvalidCertificate ? { allowInvalidCertificate: true } : {}),
    ...(c.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
    ...(c.ehloName ? { ehloName: String(c.ehloName) } : {}),
    ...(c.timeoutSeconds ? { timeoutSeconds: Number(c.timeoutSeconds) } : {}),
  };
}

/**
 * nodemailer's auth options. This is where the secret goes on the wire, so every form it takes there
 * (AUTH PLAIN/LOGIN payloads, the XOAUTH2 string) is registered with the redactor first: a server
 * whose reply echoes the payload must not put the password into an error, an event or `--json`.
 */
function authOf(c: SmtpConfig, secret: string | undefined): Record<string, unknown> | undefined {
  if (c.auth === 'none' || !c.user) return undefined;
  if (c.auth === 'XOAUTH2') {
    // Either a ready access token, or {"clientId","clientSecret","refreshToken","accessUrl"} for
    // nodemailer to refresh one (https://nodemailer.com/smtp/oauth2/).
    if (secret && secret.trim().startsWith('{')) {
      const o = JSON.parse(secret) as Record<string, string>;
      for (const k of ['clientSecret', 'refreshToken', 'privateKey']) registerSecret(o[k]);
      registerXoauth2(c.user, o.accessToken);
      return { type: 'OAuth2', user: c.user, ...o };
    }
    registerXoauth2(c.user, secret);
    return { type: 'OAuth2', user: c.user, accessToken: secret ?? '' };
  }
  registerSmtpAuth(c.user, secret);
  return { type: 'login', user: c.user, pass: secret ?? '', method: c.auth };
}

function baseOptions(p: ProviderRow, secret: string | undefined): Record<string, unknown> {
  const c = smtpConfigOf(p);
  const timeout = (c.timeoutSeconds ?? 30) * 1000;
  const auth = authOf(c, secret);
  return {
    host: c.host,
    port: c.port,
    secure: c.tls === 'implicit',
    requireTLS: c.tls === 'starttls',
    ignoreTLS: c.tls === 'none',
    tls: {
      rejectUnauthorized: c.allowInvalidCertificate !== true,
      ...(isIP(c.host) ? {} : { servername: c.host }),
    },
    ...(auth ? { auth, ...(c.auth === 'PLAIN' || c.auth === 'LOGIN' ? { authMethod: c.auth } : {}) } : {}),
    ...(c.ehloName ? { name: c.ehloName } : {}),
    connectionTimeout: Math.min(timeout, 15_000),
    greetingTimeout: Math.min(timeout, 15_000),
    socketTimeout: timeout,
    // Never let a DNS or TLS library print secrets; nodemailer logs nothing unless asked.
    logger: false,
    debug: false,
  };
}

/** A pooled transport for sending a campaign through one provider. */
export function createSmtpTransport(p: ProviderRow, secret: string | undefined): MailTransport {
  const { auth, authMethod, ...connection } = baseOptions(p, secret) as Record<string, unknown> & {
    auth?: PoolAuth;
    authMethod?: string;
  };
  const pool = new SmtpPool({
    connection,
    auth:
      auth && auth.type === 'login' && !auth.method && authMethod ? { ...auth, method: authMethod } : auth,
    maxConnections: p.maxConnections,
    // Reconnecting costs a TLS handshake and an AUTH: keep connections for many messages.
    maxMessages: 1000,
  });
  // Composes what the fast writer does not handle, exactly as nodemailer's Mailer would (DKIM too).
  let composer: ReturnType<typeof nodemailer.createTransport> | null = null;
  const compose = async (m: RenderedMessage): Promise<Buffer> => {
    composer ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const info = (await composer.sendMail({
      ...m,
      envelope: envelopeOf(m),
      disableFileAccess: true,
      disableUrlAccess: true,
    })) as { message: Buffer };
    return info.message;
  };
  let verifier: MailTransport | null = null;
  return {
    depth: 3,
    async send(m) {
      // The fast writer's bytes are SMTP-ready (CRLF only, leading dots encoded): no dot-stuffing pass.
      const fast = canWriteFast(m);
      const raw = fast ? encodeMessage(m) : await compose(m);
      return pool.send(envelopeOf(m), raw, fast).catch((e: unknown) => scrub(e, secret));
    },
    async verify() {
      verifier ??= createVerifyTransport(p, secret);
      await verifier.verify();
    },
    close() {
      pool.close();
      verifier?.close();
      composer?.close();
    },
  };
}

/** A one-off connection for `providers test`: connect, EHLO, STARTTLS, AUTH, QUIT — nothing sent. */
export function createVerifyTransport(p: ProviderRow, secret: string | undefined): MailTransport {
  const transporter = nodemailer.createTransport(
    baseOptions(p, secret) as Parameters<typeof nodemailer.createTransport>[0],
  );
  return wrap(transporter, secret);
}

function wrap(
  transporter: { sendMail(m: object): Promise<unknown>; verify(): Promise<unknown>; close(): void },
  secret: string | undefined,
): MailTransport {
  return {
    async send(m) {
      const info = (await transporter
        .sendMail({ ...m, envelope: envelopeOf(m), disableFileAccess: true, disableUrlAccess: true })
        .catch((e: unknown) => scrub(e, secret))) as {
        response?: string;
        accepted?: unknown[];
        rejected?: unknown[];
      };
      return {
        response: String(info.response ?? ''),
        accepted: (info.accepted ?? []).map(String),
        rejected: (info.rejected ?? []).map(String),
      };
    },
    async verify() {
      await transporter.verify().catch((e: unknown) => scrub(e, secret));
    },
    close() {
      transporter.close();
    },
  };
}

/** An error from nodemailer with the secret taken out of its message and the server's reply. */
function scrub(e: unknown, secret: string | undefined): never {
  if (e instanceof Error) {
    e.message = redact(e.message, [secret]);
    const r = (e as { response?: unknown }).response;
    if (typeof r === 'string') (e as { response?: string }).response = redact(r, [secret]);
  }
  throw e;
}

function envelopeOf(m: RenderedMessage): { from: string; to: string[] } {
  return { from: envelopeFrom(m.from), to: [envelopeFrom(m.to)] };
}

function envelopeFrom(from: string): string {
  const m = /<([^>]+)>\s*$/.exec(from);
  return m ? m[1]! : from;
}

/**
 * A transport that accepts everything and sends nothing: used by the 1,000,000-recipient memory
 * benchmark to measure the engine (outbox, limiter, rendering) without a server in the loop.
 */
export function createNullTransport(): MailTransport {
  return {
    send: (m) => Promise.resolve({ response: '250 2.0.0 Ok: discarded', accepted: [m.to], rejected: [] }),
    verify: () => Promise.resolve(),
    close: () => undefined,
  };
}
