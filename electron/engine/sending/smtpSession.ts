/**
 * The mail transactions of one SMTP connection, once nodemailer's `SMTPConnection` has opened it
 * (connect, greeting, EHLO, STARTTLS, AUTH — the parts where servers differ most and nodemailer's
 * handling is proven).
 *
 * Why our own transaction loop: per message, `SMTPConnection.send` pipes the message through a
 * byte-by-byte dot-stuffing Transform stream into the socket — three socket writes, a stream per
 * message and a JavaScript loop over every byte. Measured on a campaign of 5 KiB messages to
 * smtp-sink, that was a third of the engine's CPU, and on loopback every socket write costs about as
 * much as rendering the message. Here, when the server offers PIPELINING (RFC 2920):
 *   - `MAIL FROM`, every `RCPT TO` and `DATA` go out in one write;
 *   - after the 354, the message with its dots stuffed (found with `indexOf`, copied only when there
 *     are any), the terminating `.`, and the envelope of the next message if one is waiting
 *     (`takeNext`), go out in one write. RFC 2920 section 3.1 allows the next transaction's commands
 *     right after the data. So a busy connection costs one write per message, and at most two
 *     messages are on it at once: one whose data is sent and one whose envelope is.
 * Without PIPELINING, one command at a time, as RFC 5321 requires.
 *
 * Failures keep nodemailer's shape (`code`, `responseCode`, `response`, `command`), so classify.ts
 * reads them the same way, with one more fact it can use: `sentNothing` is true when the connection
 * failed before the message's terminating dot was written, so the message cannot have been delivered
 * (RFC 1047's uncertainty starts only after the dot).
 */
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/** A message for the session; `done` is called exactly once. */
export interface SessionJob {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  /**
   * `raw` is already safe as SMTP data: CRLF line ends only and no line that starts with "." (the
   * fast MIME writer's output, see mime.ts). It is written as it is, with the terminating dot after it.
   */
  dotSafe?: boolean;
  done: (err: SessionError | null, info?: SessionSendInfo) => void;
}

export interface SessionSendInfo {
  response: string;
  accepted: string[];
  rejected: string[];
}

export type SessionError = Error & {
  code: string;
  response?: string;
  responseCode?: number;
  command: string;
  /** The connection failed before the message's final dot was written: nothing was delivered. */
  sentNothing?: boolean;
  rejected?: string[];
};

/** The nodemailer internals a session takes over: the socket and the listeners it had on it. */
interface NodemailerConnection {
  _socket?: Socket;
  _supportedExtensions?: string[];
  _onSocketData?: (...a: unknown[]) => void;
  _onSocketError?: (...a: unknown[]) => void;
  _onSocketClose?: (...a: unknown[]) => void;
  _onSocketEnd?: (...a: unknown[]) => void;
  _onSocketTimeout?: (...a: unknown[]) => void;
}

const MAX_REPLY = 64 * 1024;
const NON_ASCII = /[^\x20-\x7e]/;
const BAD_ADDRESS = /[\r\n<>]/;
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const DOT_CRLF = Buffer.from('.\r\n');
const DOT = Buffer.from('.');
const CRLF_DOT = Buffer.from('\r\n.');

function sessionError(
  message: string,
  code: string,
  command: string,
  response?: string,
  extra: Partial<SessionError> = {},
): SessionError {
  const e = new Error(response ? `${message}: ${response}` : message) as SessionError;
  e.code = code;
  e.command = command;
  if (response !== undefined) {
    e.response = response;
    const n = Number(response.slice(0, 3));
    if (Number.isInteger(n) && n >= 200 && n < 600) e.responseCode = n;
  }
  Object.assign(e, extra);
  return e;
}

/**
 * `raw` as SMTP DATA: every line that starts with "." gets one more (RFC 5321 section 4.5.2), bare CR
 * and bare LF become CRLF (a receiver must never see a lone line end it could take for the end of
 * the data — SMTP smuggling), and the terminating CRLF.CRLF follows. One Buffer, one write.
 */
export function dataPhase(raw: Buffer): Buffer {
  if (raw.length === 0) return DOT_CRLF;
  if (!hasLoneLineEnd(raw)) {
    const endsWithCrlf = raw.length >= 2 && raw[raw.length - 2] === 13 && raw[raw.length - 1] === 10;
    const end = endsWithCrlf ? DOT_CRLF : END_OF_DATA;
    // Lines that start with a dot: the bytes up to each get copied once, then the extra dot.
    const parts: Buffer[] = [];
    let from = 0;
    if (raw[0] === 46) {
      parts.push(DOT);
    }
    for (let i = raw.indexOf(CRLF_DOT); i !== -1; i = raw.indexOf(CRLF_DOT, i + 2)) {
      parts.push(raw.subarray(from, i + 2), DOT);
      from = i + 2;
    }
    if (parts.length === 0) return Buffer.concat([raw, end]);
    parts.push(raw.subarray(from), end);
    return Buffer.concat(parts);
  }
  // Rare (lone CR or LF in a composed message): the general loop.
  const out: number[] = [];
  let prev = -1;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (prev === 13 && b !== 10) out.push(10);
    if (b === 10 && prev !== 13) out.push(13);
    const lineStart = prev === -1 || out[out.length - 1] === 10;
    if (b === 46 && lineStart) out.push(46);
    out.push(b);
    prev = b;
  }
  if (prev === 13) out.push(10);
  else if (prev !== 10) out.push(13, 10);
  out.push(46, 13, 10);
  return Buffer.from(out);
}

/** True when some CR or LF is not part of a CRLF pair. */
function hasLoneLineEnd(raw: Buffer): boolean {
  for (let i = raw.indexOf(10); i !== -1; i = raw.indexOf(10, i + 1)) {
    if (i === 0 || raw[i - 1] !== 13) return true;
  }
  for (let i = raw.indexOf(13); i !== -1; i = raw.indexOf(13, i + 1)) {
    if (raw[i + 1] !== 10) return true;
  }
  return false;
}

export class SmtpSession {
  private readonly socket: Socket;
  private readonly pipelining: boolean;
  private readonly smtpUtf8: boolean;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private lines: string[] = [];
  /** What to do with each reply still expected, in the order the server will send them. */
  private readonly handlers: ((reply: string) => void)[] = [];
  /** Messages on this connection, oldest first (at most two). */
  private readonly txs: Tx[] = [];
  private failure: SessionError | null = null;
  private readonly closedHandlers: (() => void)[] = [];
  /** The pool's next message for this connection, taken when a message's data goes out. */
  takeNext: (() => SessionJob | null) | null = null;
  dead = false;

  /**
   * Takes the open, authenticated connection over from nodemailer: its listeners come off the socket
   * (as nodemailer does itself when it upgrades to TLS) and from now on this session reads the replies.
   */
  constructor(nm: unknown, socketTimeoutMs: number) {
    const c = nm as NodemailerConnection;
    if (!c._socket || !Array.isArray(c._supportedExtensions)) {
      throw new Error('nodemailer SMTPConnection internals changed: no socket to take over');
    }
    const s = c._socket;
    for (const [ev, fn] of [
      ['data', c._onSocketData],
      ['error', c._onSocketError],
      ['close', c._onSocketClose],
      ['end', c._onSocketEnd],
      ['timeout', c._onSocketTimeout],
    ] as const) {
      if (fn) s.removeListener(ev, fn);
    }
    this.socket = s;
    this.pipelining = c._supportedExtensions.includes('PIPELINING');
    this.smtpUtf8 = c._supportedExtensions.includes('SMTPUTF8');
    s.setTimeout(socketTimeoutMs);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('timeout', () => this.fail('Timeout', 'ETIMEDOUT'));
    s.on('error', (err: Error & { code?: string }) => this.fail(err.message, 'ESOCKET', err.code));
    s.once('end', () => this.fail('Connection closed unexpectedly', 'ECONNECTION'));
    s.once('close', () => this.fail('Connection closed unexpectedly', 'ECONNECTION'));
  }

  /** Messages on the connection now. */
  get inFlight(): number {
    return this.txs.length;
  }

  /**
   * Whether another message can start now: the connection is free, or (with PIPELINING) its only
   * message has had its data sent and waits for the server's verdict.
   */
  get canStart(): boolean {
    if (this.dead) return false;
    if (this.txs.length === 0) return true;
    return this.pipelining && this.txs.length === 1 && this.txs[0]!.bodySent;
  }

  /** Called once when the connection is gone (closed by either side, or failed). */
  onClosed(fn: () => void): void {
    if (this.dead) queueMicrotask(fn);
    else this.closedHandlers.push(fn);
  }

  /** Starts a message. Its `done` is called with the server's 2xx to the data, or the failure. */
  start(job: SessionJob): void {
    const bad = invalidEnvelope(job.envelope);
    if (bad) return job.done(bad);
    if (this.failure || !this.canStart) {
      return job.done(
        sessionError('Connection closed', 'ECONNECTION', 'MAIL FROM', undefined, { sentNothing: true }),
      );
    }
    this.socket.write(this.envelope(job));
  }

  /** QUIT, then the connection closes (destroyed if the server does not close it soon). */
  quit(): void {
    if (this.dead) return;
    this.markDead();
    this.socket.end('QUIT\r\n');
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  /** Closes at once (messages on the wire fail). */
  close(): void {
    this.fail('Connection closed', 'ECONNECTION');
  }

  /**
   * Registers the message and returns the commands that start it: all of the envelope with
   * PIPELINING, else MAIL FROM alone (each reply then sends the next command).
   */
  private envelope(job: SessionJob): string {
    const from = job.envelope.from.trim();
    const to = job.envelope.to.map((t) => t.trim());
    const tx: Tx = { job, to, mail: null, rcpt: [], bodySent: false, settled: false };
    this.txs.push(tx);
    const utf8 = this.smtpUtf8 && (NON_ASCII.test(from) || to.some((t) => NON_ASCII.test(t)));
    const mail = `MAIL FROM:<${from}>${utf8 ? ' SMTPUTF8' : ''}\r\n`;
    if (this.pipelining) {
      this.handlers.push((r) => this.onMail(tx, r));
      for (let i = 0; i < to.length; i++) this.handlers.push((r) => this.onRcpt(tx, r));
      this.handlers.push((r) => this.onDataReply(tx, r));
      return `${mail}${to.map((t) => `RCPT TO:<${t}>\r\n`).join('')}DATA\r\n`;
    }
    this.handlers.push((r) => {
      this.onMail(tx, r);
      if (tx.settled || this.dead) return;
      if (!r.startsWith('2')) return this.refuse(tx, r);
      this.nextRcpt(tx);
    });
    return mail;
  }

  /** Without PIPELINING: the next RCPT TO, or DATA once every recipient has answered. */
  private nextRcpt(tx: Tx): void {
    const i = tx.rcpt.length;
    if (i < tx.to.length) {
      this.handlers.push((r) => {
        this.onRcpt(tx, r);
        if (!tx.settled && !this.dead) this.nextRcpt(tx);
      });
      this.socket.write(`RCPT TO:<${tx.to[i]}>\r\n`);
      return;
    }
    if (!tx.rcpt.some((r) => r.startsWith('2'))) return this.refuse(tx, null);
    this.handlers.push((r) => this.onDataReply(tx, r));
    this.socket.write('DATA\r\n');
  }

  private onMail(tx: Tx, r: string): void {
    tx.mail = r;
    if (r.startsWith('421')) this.refuse(tx, r);
  }

  private onRcpt(tx: Tx, r: string): void {
    tx.rcpt.push(r);
    if (r.startsWith('421')) this.refuse(tx, r);
  }

  /** The reply to DATA: send the message (and the next envelope), or end the refused transaction. */
  private onDataReply(tx: Tx, r: string): void {
    const envelopeOk = tx.mail !== null && tx.mail.startsWith('2') && tx.rcpt.some((x) => x.startsWith('2'));
    if (!r.startsWith('354')) return this.refuse(tx, r);
    if (!envelopeOk) {
      // A server that said 354 although it refused the envelope: end the data empty, then fail.
      this.handlers.push(() => this.refuse(tx, null));
      tx.bodySent = true;
      this.socket.write(DOT_CRLF);
      return;
    }
    this.handlers.push((final) => this.onFinal(tx, final));
    tx.bodySent = true;
    let next = this.pipelining ? this.takeNext?.() : null;
    const bad = next ? invalidEnvelope(next.envelope) : null;
    if (bad) {
      next!.done(bad);
      next = null;
    }
    // One write (writev) for the data, its final dot and the next envelope.
    this.socket.cork();
    this.writeData(tx.job);
    if (next) this.socket.write(this.envelope(next));
    this.socket.uncork();
  }

  /** The message as SMTP data with its terminating dot (the socket is corked by the caller). */
  private writeData(job: SessionJob): void {
    const raw = job.raw;
    const n = raw.length;
    if (job.dotSafe && n >= 2 && raw[n - 2] === 13 && raw[n - 1] === 10) {
      this.socket.write(raw);
      this.socket.write(DOT_CRLF);
    } else this.socket.write(dataPhase(raw));
  }

  private onFinal(tx: Tx, r: string): void {
    if (!r.startsWith('2')) return this.settle(tx, sessionError('Message failed', 'EMESSAGE', 'DATA', r), r);
    const accepted = tx.to.filter((_, i) => tx.rcpt[i]!.startsWith('2'));
    const rejected = tx.to.filter((_, i) => !tx.rcpt[i]!.startsWith('2'));
    this.settle(tx, null, r, { response: r, accepted, rejected });
  }

  /**
   * The envelope was refused (MAIL, every RCPT, or DATA): the message fails with the first refusal,
   * as the server gave it, and the transaction is reset (RSET) so the connection can go on — unless
   * the server said 421, closing the channel.
   */
  private refuse(tx: Tx, r: string | null): void {
    if (tx.settled) return;
    let e: SessionError;
    if (tx.mail !== null && !tx.mail.startsWith('2')) {
      e = sessionError('Mail command failed', 'EENVELOPE', 'MAIL FROM', tx.mail);
    } else if (r !== null && r.startsWith('421')) {
      const command = tx.rcpt.length < tx.to.length ? 'RCPT TO' : 'DATA';
      e = sessionError('Server closing the connection', 'EENVELOPE', command, r);
    } else if (!tx.rcpt.some((x) => x.startsWith('2'))) {
      const rejected = tx.to.filter((_, i) => tx.rcpt[i] !== undefined && !tx.rcpt[i]!.startsWith('2'));
      e = sessionError(
        "Can't send mail - all recipients were rejected",
        'EENVELOPE',
        'RCPT TO',
        tx.rcpt[0] ?? '',
        {
          rejected,
        },
      );
    } else {
      e = sessionError('Data command failed', 'EENVELOPE', 'DATA', r ?? '');
    }
    // No other message is on the connection while an envelope is answered: reset first (the next
    // message may start as soon as this one is settled), then settle.
    if (!(r ?? '').startsWith('421') && !(tx.mail ?? '').startsWith('421')) this.reset();
    this.settle(tx, e, r ?? tx.mail ?? '');
  }

  private reset(): void {
    this.handlers.push((r) => {
      if (!r.startsWith('2')) this.fail(`RSET refused: ${r}`, 'EPROTOCOL');
    });
    this.socket.write('RSET\r\n');
  }

  private settle(tx: Tx, err: SessionError | null, reply: string, info?: SessionSendInfo): void {
    if (tx.settled) return;
    tx.settled = true;
    const i = this.txs.indexOf(tx);
    if (i >= 0) this.txs.splice(i, 1);
    // 421: the server is closing the channel; whatever else is on it fails as the connection ends,
    // and nothing new starts on it.
    if (reply.startsWith('421')) this.fail('Connection closed by the server (421)', 'ECONNECTION');
    tx.job.done(err, info);
  }

  private onData(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
      this.lines.push(line);
      // "250-..." continues a multi-line reply; "250 ..." (or a bare code) ends it.
      if (line.length < 4 || line[3] !== '-') {
        const reply = this.lines.join('\n');
        this.lines = [];
        const h = this.handlers.shift();
        if (!h) {
          // A reply nobody asked for (an idle-timeout notice, say): the session is out of step.
          this.fail(`Unexpected reply from the server: ${reply}`, 'EPROTOCOL');
          return;
        }
        h(reply);
        if (this.dead) return;
      }
    }
    this.partial = text.slice(start);
    if (this.partial.length > MAX_REPLY || this.lines.length > 1000)
      this.fail('Reply too large', 'EPROTOCOL');
  }

  /** The connection is lost or unusable: every message on it fails, each with what it risked. */
  private fail(message: string, code: string, originalCode?: string): void {
    if (this.failure) return;
    this.failure = sessionError(message, code, 'CONN');
    this.handlers.length = 0;
    this.markDead();
    this.socket.destroy();
    for (const tx of this.txs.splice(0)) {
      if (tx.settled) continue;
      tx.settled = true;
      tx.job.done(
        sessionError(
          message,
          code,
          tx.bodySent ? 'DATA' : tx.mail === null ? 'MAIL FROM' : 'RCPT TO',
          undefined,
          {
            sentNothing: !tx.bodySent,
            ...(originalCode ? { originalCode } : {}),
          } as Partial<SessionError>,
        ),
      );
    }
  }

  private markDead(): void {
    if (this.dead) return;
    this.dead = true;
    for (const fn of this.closedHandlers.splice(0)) fn();
  }
}

interface Tx {
  job: SessionJob;
  to: string[];
  mail: string | null;
  rcpt: string[];
  /** The message's data (or the empty data of a refused envelope) and its final dot were written. */
  bodySent: boolean;
  settled: boolean;
}

function invalidEnvelope(envelope: { from: string; to: string[] }): SessionError | null {
  const from = envelope.from.trim();
  const to = envelope.to.map((t) => t.trim());
  if (to.length === 0) return sessionError('No recipients defined', 'EENVELOPE', 'API');
  if (BAD_ADDRESS.test(from))
    return sessionError(`Invalid sender ${JSON.stringify(from)}`, 'EENVELOPE', 'API');
  for (const t of to) {
    if (!t || BAD_ADDRESS.test(t))
      return sessionError(`Invalid recipient ${JSON.stringify(t)}`, 'EENVELOPE', 'API');
  }
  return null;
}
