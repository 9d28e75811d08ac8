/**
 * A small pool of SMTP connections for sending ready-made messages. nodemailer's `SMTPConnection`
 * opens each one (connect, greeting, EHLO, STARTTLS, AUTH including XOAUTH2); an `SmtpSession`
 * (smtpSession.ts) then runs its mail transactions: envelope pipelined per RFC 2920, the message in
 * one write.
 *
 * Why not nodemailer's pooled transport: every `sendMail` there runs the Mailer's plugin chain and
 * builds a MimeNode tree around the raw message and pipes it through streams — measured, most of the
 * CPU a campaign message costs once the MIME is prebuilt. And `SMTPConnection.send` itself pipes each
 * message through a byte-by-byte Transform stream: a third of what was left.
 *
 * Same semantics as the pooled transport with `maxRequeues: 0` (the engine owns every retry):
 * - a message is tried once, on one connection; any failure comes back to the caller with
 *   an error of nodemailer's shape (code, responseCode, response, command) for classify.ts;
 * - a connection is opened for a message when none is free and fewer than `maxConnections` exist;
 *   a failure to connect or log in fails that message (the breaker decides about the provider);
 * - a refused envelope or message (EENVELOPE/EMESSAGE, not 421) resets the session (RSET) and keeps
 *   the connection; any other failure closes it;
 * - a connection is closed after `maxMessages` messages (a fresh TLS session and login now and then);
 * - an idle connection the server closes is dropped quietly.
 */
import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import { SmtpSession } from './smtpSession';

export interface PoolAuth {
  type: 'login' | 'OAuth2';
  user: string;
  pass?: string;
  method?: string;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  accessUrl?: string;
}

export interface SmtpPoolOptions {
  connection: SMTPConnectionOptions;
  auth?: PoolAuth | undefined;
  maxConnections: number;
  maxMessages: number;
}

export interface PoolSendInfo {
  response: string;
  accepted: string[];
  rejected: string[];
}

interface Job {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  resolve: (info: PoolSendInfo) => void;
  reject: (err: Error) => void;
}

interface Conn {
  c: SMTPConnection;
  /** The mail transactions, once nodemailer has connected and logged in. */
  s: SmtpSession | null;
  /** The message this connection is connecting for or sending. */
  job: Job | null;
  messages: number;
  dead: boolean;
}

type LoginAuth = Parameters<SMTPConnection['login']>[0];

export class SmtpPool {
  private readonly conns = new Set<Conn>();
  private readonly idle: Conn[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private readonly auth: LoginAuth | undefined;

  constructor(private readonly opts: SmtpPoolOptions) {
    this.auth = loginAuthOf(opts.auth);
  }

  send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<PoolSendInfo> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('Connection pool was closed'));
      this.queue.push({ envelope, raw, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('Connection pool was closed'));
    for (const conn of [...this.conns]) {
      if (conn.s) {
        if (conn.job) conn.s.close();
        else conn.s.quit();
      } else conn.c.close();
      this.drop(conn);
    }
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const conn = this.idle.pop();
      if (conn) {
        this.run(conn, this.queue.shift()!);
        continue;
      }
      if (this.conns.size >= this.opts.maxConnections) return;
      this.open(this.queue.shift()!);
    }
  }

  /** A new connection for `job`: connect, EHLO, STARTTLS, AUTH, then the message. */
  private open(job: Job): void {
    const conn: Conn = {
      c: new SMTPConnection({ ...this.opts.connection }),
      s: null,
      job,
      messages: 0,
      dead: false,
    };
    this.conns.add(conn);
    let ready = false;
    const failConnect = (err: Error) => {
      if (ready || conn.dead) return;
      const j = conn.job;
      conn.job = null;
      conn.c.close();
      this.drop(conn);
      j?.reject(err);
      this.pump();
    };
    conn.c.on('error', (err: Error) => {
      // While a message is on the wire its send callback gets this same error; while connecting,
      // the connect or login callback may not come at all.
      if (!ready) failConnect(err);
      else if (!conn.job) this.drop(conn);
    });
    conn.c.once('end', () => {
      if (!ready) failConnect(closedError());
      else if (!conn.job) this.drop(conn);
    });
    conn.c.connect((err) => {
      if (err) return failConnect(err);
      if (conn.dead) return;
      const go = () => {
        try {
          conn.s = new SmtpSession(conn.c, this.opts.connection.socketTimeout ?? 10 * 60_000);
        } catch (e) {
          return failConnect(e as Error);
        }
        ready = true;
        // An idle connection the server closes is dropped; one with a message fails that message.
        conn.s.onClosed(() => {
          if (!conn.job) this.drop(conn);
        });
        const j = conn.job!;
        conn.job = null;
        this.run(conn, j);
      };
      if (this.auth && conn.c.allowsAuth) {
        conn.c.login(this.auth, (e) => (e ? failConnect(e) : go()));
      } else go();
    });
  }

  private run(conn: Conn, job: Job): void {
    conn.job = job;
    const s = conn.s!;
    s.send(job.envelope, job.raw).then(
      (info) => {
        conn.job = null;
        conn.messages++;
        job.resolve(info);
        this.release(conn);
      },
      (err: unknown) => {
        conn.job = null;
        conn.messages++;
        const e = err as Error & { code?: string; responseCode?: number };
        if ((e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421 && !s.dead) {
          // The server refused this message; the session is fine. RSET, then reuse it.
          job.reject(e);
          void s.reset().then((ok) => {
            if (ok) return this.release(conn);
            s.close();
            this.drop(conn);
            this.pump();
          });
          return;
        }
        s.close();
        this.drop(conn);
        job.reject(e);
        this.pump();
      },
    );
  }

  private release(conn: Conn): void {
    if (conn.dead) return this.pump();
    if (this.closed || conn.messages >= this.opts.maxMessages) {
      conn.s?.quit();
      this.drop(conn);
    } else this.idle.push(conn);
    this.pump();
  }

  private drop(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    this.conns.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    // Messages waiting for a connection get a new one (pump), unless the pool is closing.
    if (!this.closed) queueMicrotask(() => this.pump());
  }
}

function closedError(): Error {
  const e = new Error('Connection closed unexpectedly') as Error & { code: string; command: string };
  e.code = 'ECONNECTION';
  e.command = 'CONN';
  return e;
}

/** The auth object `SMTPConnection.login` takes, as nodemailer's pool builds it. */
function loginAuthOf(a: PoolAuth | undefined): LoginAuth | undefined {
  if (!a) return undefined;
  if (a.type === 'OAuth2') {
    const { type: _t, ...o } = a;
    return { type: 'OAUTH2', user: a.user, oauth2: new XOAuth2(o), method: 'XOAUTH2' };
  }
  if (!a.user && !a.pass) return undefined;
  return {
    type: 'LOGIN',
    user: a.user,
    credentials: { user: a.user || '', pass: a.pass },
    method: a.method ? a.method.trim().toUpperCase() : false,
  };
}
