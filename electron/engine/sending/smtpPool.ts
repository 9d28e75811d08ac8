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
 * - a message goes to a free connection, else to a new one while fewer than `maxConnections` exist,
 *   else (PIPELINING) behind a message whose data is already sent: at most two per connection;
 *   a failure to connect or log in fails that message, and the waiting ones when no connection is
 *   left (the breaker decides about the provider);
 * - a refused envelope or message (EENVELOPE/EMESSAGE, not 421) keeps the connection (the session
 *   resets a refused envelope with RSET); any other failure closes it;
 * - a connection is closed after `maxMessages` messages (a fresh TLS session and login now and then);
 * - an idle connection the server closes is dropped quietly.
 */
import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import { SmtpSession, type SessionJob } from './smtpSession';

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
  dotSafe: boolean;
  resolve: (info: PoolSendInfo) => void;
  reject: (err: Error) => void;
}

interface Conn {
  c: SMTPConnection;
  /** The mail transactions, once nodemailer has connected and logged in. */
  s: SmtpSession | null;
  /** The message this connection is being opened for. */
  job: Job | null;
  /** Messages started on this connection. */
  started: number;
  dead: boolean;
}

type LoginAuth = Parameters<SMTPConnection['login']>[0];

export class SmtpPool {
  private readonly conns = new Set<Conn>();
  private readonly queue: Job[] = [];
  private closed = false;
  private readonly auth: LoginAuth | undefined;

  constructor(private readonly opts: SmtpPoolOptions) {
    this.auth = loginAuthOf(opts.auth);
  }

  /** Sends `raw` once; `dotSafe`: see SessionJob.dotSafe. */
  send(envelope: { from: string; to: string[] }, raw: Buffer, dotSafe = false): Promise<PoolSendInfo> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('Connection pool was closed'));
      this.queue.push({ envelope, raw, dotSafe, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('Connection pool was closed'));
    for (const conn of [...this.conns]) {
      if (conn.s) {
        if (conn.s.inFlight > 0) conn.s.close();
        else conn.s.quit();
      } else conn.c.close();
      this.drop(conn);
    }
  }

  /**
   * Hands waiting messages out: to a free connection first, then to a new one (up to
   * maxConnections), then pipelined behind a message whose data is already sent.
   */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let free: Conn | null = null;
      let behind: Conn | null = null;
      for (const conn of this.conns) {
        const s = conn.s;
        if (!s || conn.dead || !s.canStart || conn.started >= this.opts.maxMessages) continue;
        if (s.inFlight === 0) {
          free = conn;
          break;
        }
        behind ??= conn;
      }
      if (free) this.start(free, this.queue.shift()!);
      else if (this.conns.size < this.opts.maxConnections) this.open(this.queue.shift()!);
      else if (behind) this.start(behind, this.queue.shift()!);
      else return;
    }
  }

  /** A new connection for `job`: connect, EHLO, STARTTLS, AUTH, then the message. */
  private open(job: Job): void {
    const conn: Conn = {
      c: new SMTPConnection({ ...this.opts.connection }),
      s: null,
      job,
      started: 0,
      dead: false,
    };
    this.conns.add(conn);
    let ready = false;
    const failConnect = (err: Error) => {
      if (ready || conn.dead) return;
      const j = conn.job;
      conn.job = null;
      // Dropped first: close() may emit 'end' at once, which must not report a second failure.
      this.drop(conn);
      conn.c.close();
      markSentNothing(err);
      j?.reject(err);
      // With no working connection left, the messages waiting here would each try to connect on their
      // own: to a server that just refused, or that may come back a moment later and take messages the
      // circuit breaker has already moved to the next provider. They go back to the engine instead,
      // with the same error (nothing of theirs was sent), and the breaker decides where they go.
      if (!this.hasSession()) for (const w of this.queue.splice(0)) w.reject(err);
      this.pump();
    };
    // Until the session takes the socket over, nodemailer reports what goes wrong here; the connect
    // or login callback may not come at all.
    conn.c.on('error', (err: Error) => failConnect(err));
    conn.c.once('end', () => failConnect(closedError()));
    conn.c.connect((err) => {
      if (err) return failConnect(err);
      if (conn.dead) return;
      const go = () => {
        let s: SmtpSession;
        try {
          s = new SmtpSession(conn.c, this.opts.connection.socketTimeout ?? 10 * 60_000);
        } catch (e) {
          return failConnect(e as Error);
        }
        ready = true;
        conn.s = s;
        s.takeNext = () => {
          if (this.closed || conn.started >= this.opts.maxMessages) return null;
          const next = this.queue.shift();
          if (!next) return null;
          conn.started++;
          return this.sessionJob(conn, next);
        };
        // Messages on the connection get its failure; the connection itself leaves the pool.
        s.onClosed(() => {
          this.drop(conn);
          this.pump();
        });
        const j = conn.job!;
        conn.job = null;
        this.start(conn, j);
      };
      if (this.auth && conn.c.allowsAuth) {
        conn.c.login(this.auth, (e) => (e ? failConnect(e) : go()));
      } else go();
    });
  }

  private start(conn: Conn, job: Job): void {
    conn.started++;
    conn.s!.start(this.sessionJob(conn, job));
  }

  /**
   * One message on a connection. A refused envelope or message (not 421) leaves the session usable
   * (it resets itself); any other failure has closed it. Either way the message is tried once.
   */
  private sessionJob(conn: Conn, job: Job): SessionJob {
    return {
      envelope: job.envelope,
      raw: job.raw,
      dotSafe: job.dotSafe,
      done: (err, info) => {
        if (err) job.reject(err);
        else job.resolve(info!);
        const s = conn.s!;
        if (!s.dead && s.inFlight === 0 && (this.closed || conn.started >= this.opts.maxMessages)) {
          // A fresh TLS session and login now and then.
          s.quit();
          this.drop(conn);
        }
        this.pump();
      },
    };
  }

  private hasSession(): boolean {
    for (const conn of this.conns) if (conn.s && !conn.dead && !conn.s.dead) return true;
    return false;
  }

  private drop(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    this.conns.delete(conn);
  }
}

/**
 * A failure before the connection was ready (connect, greeting, EHLO, STARTTLS, AUTH): no mail
 * transaction had begun, so nothing of the message can have been delivered (classify.ts requeues it
 * at once instead of treating a dropped connection as RFC 1047's "maybe delivered").
 */
function markSentNothing(err: Error): void {
  (err as Error & { sentNothing?: boolean }).sentNothing = true;
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
