/**
 * Real SMTP servers on loopback for tests and benchmarks, started and stopped by the caller.
 *
 * - `startSmtpSink(flags)`: Postfix's smtp-sink (Debian `postfix`), with its fault injection flags
 *   (`-r CMD` soft reject, `-f CMD` hard reject, `-q CMD` disconnect, `-Q CMD` 421 and disconnect,
 *   `-b`/`-B` custom soft/hard replies, `-W CMD:delay`, ...; see `man smtp-sink`). With `dump: true` every
 *   transaction is appended to a file (`-D`) that `received()` parses: what the server really got.
 *   Runs as root only with `-u nobody`, so the dump folder is made writable for nobody.
 * - `startSmtpServer(opts)`: nodemailer's smtp-server, capturing each message's envelope and raw
 *   source, with optional TLS (a self-signed certificate made for the test) and AUTH.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { waitUntil } from './wait';

/** A free TCP port on 127.0.0.1 (bound and released; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something on host:port answers with an SMTP greeting line (bounded wait). */
export async function waitForSmtp(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  await waitUntil(
    `an SMTP server on ${host}:${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        const sock = connect(port, host);
        sock.setTimeout(1000);
        sock.once('data', (d) => {
          sock.destroy();
          resolve(/^(220|421|554)/.test(d.toString()));
        });
        sock.once('error', () => resolve(false));
        sock.once('timeout', () => {
          sock.destroy();
          resolve(false);
        });
      }),
    { timeoutMs },
  );
}

export interface ReceivedMessage {
  rcpt: string[];
  from: string;
  messageId: string | null;
  headers: string;
  raw: string;
}

/** Parses an smtp-sink `-D` dump file into messages. */
export function parseSinkDump(text: string): ReceivedMessage[] {
  const out: ReceivedMessage[] = [];
  const parts = text.split(/^(?=X-Client-Addr: )/m).filter((p) => p.startsWith('X-Client-Addr: '));
  for (const raw of parts) {
    const headEnd = raw.search(/\r?\n\r?\n/);
    const headers = headEnd >= 0 ? raw.slice(0, headEnd) : raw;
    const rcpt = [...headers.matchAll(/^X-Rcpt-Args: <([^>]*)>/gm)].map((m) => m[1]!.toLowerCase());
    const from = /^X-Mail-Args: <([^>]*)>/m.exec(headers)?.[1] ?? '';
    const messageId = /^Message-ID: (<[^>]+>)/im.exec(headers)?.[1] ?? null;
    out.push({ rcpt, from, messageId, headers, raw });
  }
  return out;
}

export interface SmtpSink {
  host: string;
  port: number;
  pid: number;
  /** Messages the sink received so far (needs `dump: true`). */
  received(): ReceivedMessage[];
  /** SIGKILL: the server dies mid-whatever, like a crashed relay. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpSink(
  opts: { flags?: string[]; dump?: boolean; port?: number; backlog?: number } = {},
): Promise<SmtpSink> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'understudy-sink-'));
  chmodSync(dir, 0o777);
  const dumpPath = join(dir, 'dump');
  const args = [
    ...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []),
    ...(opts.dump ? ['-D', dumpPath] : []),
    ...(opts.flags ?? []),
    `127.0.0.1:${port}`,
    String(opts.backlog ?? 256),
  ];
  const child: ChildProcess = spawn('/usr/sbin/smtp-sink', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForSmtp(port);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`smtp-sink did not start: ${stderr || (e as Error).message}`, { cause: e });
  }
  const end = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    received: () => (existsSync(dumpPath) ? parseSinkDump(readFileSync(dumpPath, 'utf8')) : []),
    kill: () => end('SIGKILL'),
    stop: async () => {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CapturedMessage {
  from: string;
  rcpt: string[];
  raw: string;
  user: string | null;
  secure: boolean;
}

export interface SmtpCapture {
  host: string;
  port: number;
  messages: CapturedMessage[];
  /** Certificate (PEM) of a TLS server, for a test that trusts it explicitly. */
  cert: string | null;
  stop(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1/localhost, made with openssl for this test only. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startSmtpServer(
  opts: {
    /** 'implicit' = TLS from the first byte; 'starttls' = offers STARTTLS; 'none' = plain. */
    tls?: 'implicit' | 'starttls' | 'none';
    auth?: { user: string; pass: string; methods?: string[] };
    /** Reply to RCPT TO for this address with this error (e.g. a 550 5.1.1). */
    rejectRcpt?: Record<string, { code: number; message: string }>;
    extra?: Partial<SMTPServerOptions>;
  } = {},
): Promise<SmtpCapture> {
  const port = await freePort();
  const tls = opts.tls ?? 'none';
  const pem = tls === 'none' ? null : selfSignedCert();
  const messages: CapturedMessage[] = [];
  const server = new SMTPServer({
    secure: tls === 'implicit',
    ...(pem ? { key: pem.key, cert: pem.cert } : {}),
    disabledCommands: [...(opts.auth ? [] : ['AUTH']), ...(tls === 'none' ? ['STARTTLS'] : [])],
    authMethods: opts.auth?.methods ?? ['PLAIN', 'LOGIN', 'XOAUTH2'],
    authOptional: !opts.auth,
    allowInsecureAuth: tls === 'none',
    logger: false,
    onAuth(auth, _session, cb) {
      const ok =
        opts.auth &&
        auth.username === opts.auth.user &&
        (auth.method === 'XOAUTH2' ? auth.accessToken === opts.auth.pass : auth.password === opts.auth.pass);
      if (!ok) return cb(new Error('535 5.7.8 Authentication credentials invalid'));
      cb(null, { user: auth.username });
    },
    onRcptTo(address, _session, cb) {
      const r = opts.rejectRcpt?.[address.address.toLowerCase()];
      if (r) {
        const err = new Error(r.message) as Error & { responseCode: number };
        err.responseCode = r.code;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
        });
        cb();
      });
    },
    ...opts.extra,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  return {
    host: '127.0.0.1',
    port,
    messages,
    cert: pem?.cert ?? null,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Writes a file and returns its path (small convenience for CLI tests). */
export function writeTemp(dir: string, name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
