/**
 * The mail transactions of one SMTP connection, once nodemailer's `SMTPConnection` has opened it
 * (connect, greeting, EHLO, STARTTLS, AUTH — the parts where servers differ most and nodemailer's
 * handling is proven).
 *
 * Why our own transaction loop: per message, `SMTPConnection.send` pipes the message through a
 * byte-by-byte dot-stuffing Transform stream into the socket — three socket writes, a stream per
 * message and a JavaScript loop over every byte. Measured on a campaign of 5 KiB messages to
 * smtp-sink, that was a third of the engine's CPU. Here a message is two writes:
 *   1. `MAIL FROM`, every `RCPT TO` and `DATA` in one write when the server offers PIPELINING
 *      (RFC 2920; one command at a time when it does not);
 *   2. after the 354, the message with its dots stuffed (found with `indexOf`, copied only when there
 *      are any) and the terminating `.` in one write.
 *
 * Failures keep nodemailer's shape (`code`, `responseCode`, `response`, `command`), so classify.ts
 * reads them the same way, with one more fact it can use: `sentNothing` is true when the connection
 * failed before the message's terminating dot was written, so the message cannot have been delivered
 * (RFC 1047's uncertainty starts only after the dot).
 */
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

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
  private readonly replies: string[] = [];
  private waiter: ((reply: string) => void) | null = null;
  private failWaiter: ((e: SessionError) => void) | null = null;
  /** Where the current transaction is, for the error a dropped connection gives. */
  private stage = 'MAIL FROM';
  private dataSent = false;
  private failure: SessionError | null = null;
  private readonly closedHandlers: (() => void)[] = [];
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
    s.on('timeout', () =>
      this.fail(sessionError('Timeout', 'ETIMEDOUT', this.stage, undefined, { sentNothing: !this.dataSent })),
    );
    s.on('error', (err: Error & { code?: string }) =>
      this.fail(
        sessionError(err.message, 'ESOCKET', this.stage, undefined, {
          sentNothing: !this.dataSent,
          ...(err.code ? { originalCode: err.code } : {}),
        } as Partial<SessionError>),
      ),
    );
    s.once('end', () =>
      this.fail(
        sessionError('Connection closed unexpectedly', 'ECONNECTION', this.stage, undefined, {
          sentNothing: !this.dataSent,
        }),
      ),
    );
    s.once('close', () =>
      this.fail(
        sessionError('Connection closed unexpectedly', 'ECONNECTION', this.stage, undefined, {
          sentNothing: !this.dataSent,
        }),
      ),
    );
  }

  /** Called once when the connection is gone (closed by either side, or failed). */
  onClosed(fn: () => void): void {
    if (this.dead) queueMicrotask(fn);
    else this.closedHandlers.push(fn);
  }

  /** One message to the envelope's recipients. Resolves on the server's 2xx to the data. */
  async send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<SessionSendInfo> {
    const from = envelope.from.trim();
    const to = envelope.to.map((t) => t.trim());
    if (to.length === 0) throw sessionError('No recipients defined', 'EENVELOPE', 'API');
    if (BAD_ADDRESS.test(from))
      throw sessionError(`Invalid sender ${JSON.stringify(from)}`, 'EENVELOPE', 'API');
    for (const t of to) {
      if (!t || BAD_ADDRESS.test(t))
        throw sessionError(`Invalid recipient ${JSON.stringify(t)}`, 'EENVELOPE', 'API');
    }
    if (this.failure) throw this.failure;
    if (this.dead)
      throw sessionError('Connection closed', 'ECONNECTION', 'MAIL FROM', undefined, { sentNothing: true });
    if (this.replies.length > 0) {
      // A reply nobody asked for (an idle-timeout notice, say): the session is out of step. Start over.
      const e = sessionError('Unexpected reply from the server', 'EPROTOCOL', 'MAIL FROM', this.replies[0], {
        sentNothing: true,
      });
      this.fail(e);
      throw e;
    }
    this.dataSent = false;
    const utf8 = this.smtpUtf8 && (NON_ASCII.test(from) || to.some((t) => NON_ASCII.test(t)));
    const mail = `MAIL FROM:<${from}>${utf8 ? ' SMTPUTF8' : ''}\r\n`;
    const rcpts = to.map((t) => `RCPT TO:<${t}>\r\n`);

    let mailReply: string;
    const rcptReplies: string[] = [];
    let dataReply: string;
    if (this.pipelining) {
      this.stage = 'MAIL FROM';
      this.socket.write(`${mail}${rcpts.join('')}DATA\r\n`);
      mailReply = await this.reply();
      try {
        this.stage = 'RCPT TO';
        for (let i = 0; i < to.length; i++) rcptReplies.push(await this.reply());
        this.stage = 'DATA';
        dataReply = await this.reply();
      } catch (e) {
        // A server that refuses and hangs up ("421 ... closing") answers nothing after the refusal:
        // the refusal is the news, not the closed connection.
        if (!mailReply.startsWith('2'))
          throw sessionError('Mail command failed', 'EENVELOPE', 'MAIL FROM', mailReply);
        const refused = rcptReplies.find((r) => !r.startsWith('2'));
        if (refused !== undefined && refused.startsWith('421')) {
          throw sessionError(
            "Can't send mail - all recipients were rejected",
            'EENVELOPE',
            'RCPT TO',
            refused,
          );
        }
        throw e;
      }
    } else {
      this.stage = 'MAIL FROM';
      mailReply = await this.command(mail);
      if (!mailReply.startsWith('2'))
        throw sessionError('Mail command failed', 'EENVELOPE', 'MAIL FROM', mailReply);
      this.stage = 'RCPT TO';
      for (const r of rcpts) rcptReplies.push(await this.command(r));
      if (!rcptReplies.some((r) => r.startsWith('2'))) {
        throw sessionError(
          "Can't send mail - all recipients were rejected",
          'EENVELOPE',
          'RCPT TO',
          rcptReplies[0],
          {
            rejected: to,
          },
        );
      }
      this.stage = 'DATA';
      dataReply = await this.command('DATA\r\n');
    }
    const accepted = to.filter((_, i) => rcptReplies[i]!.startsWith('2'));
    const rejected = to.filter((_, i) => !rcptReplies[i]!.startsWith('2'));

    if (!dataReply.startsWith('354')) {
      // The transaction never reached the data; report the first refusal, as the server gave it.
      if (!mailReply.startsWith('2'))
        throw sessionError('Mail command failed', 'EENVELOPE', 'MAIL FROM', mailReply);
      if (accepted.length === 0) {
        throw sessionError(
          "Can't send mail - all recipients were rejected",
          'EENVELOPE',
          'RCPT TO',
          rcptReplies[0],
          {
            rejected,
          },
        );
      }
      throw sessionError('Data command failed', 'EENVELOPE', 'DATA', dataReply);
    }
    if (!mailReply.startsWith('2') || accepted.length === 0) {
      // A server that said 354 although it refused the envelope: end the data empty, then fail.
      this.socket.write(DOT_CRLF);
      this.dataSent = true;
      await this.reply();
      if (!mailReply.startsWith('2'))
        throw sessionError('Mail command failed', 'EENVELOPE', 'MAIL FROM', mailReply);
      throw sessionError(
        "Can't send mail - all recipients were rejected",
        'EENVELOPE',
        'RCPT TO',
        rcptReplies[0],
        {
          rejected,
        },
      );
    }
    this.stage = 'DATA';
    const body = dataPhase(raw);
    this.dataSent = true;
    this.socket.write(body);
    const final = await this.reply();
    if (!final.startsWith('2')) throw sessionError('Message failed', 'EMESSAGE', 'DATA', final);
    return { response: final, accepted, rejected };
  }

  /** RSET after a refused transaction; resolves true when the session can be used again. */
  async reset(): Promise<boolean> {
    if (this.failure) return false;
    this.stage = 'RSET';
    this.dataSent = true; // nothing of a message is at stake
    try {
      return (await this.command('RSET\r\n')).startsWith('2');
    } catch {
      return false;
    }
  }

  /** QUIT, then the connection closes (destroyed if the server does not close it soon). */
  quit(): void {
    if (this.dead) return;
    this.markDead();
    this.socket.end('QUIT\r\n');
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  /** Closes at once (a message on the wire fails). */
  close(): void {
    if (this.dead) return;
    this.fail(
      sessionError('Connection closed', 'ECONNECTION', this.stage, undefined, {
        sentNothing: !this.dataSent,
      }),
    );
  }

  private command(line: string): Promise<string> {
    this.socket.write(line);
    return this.reply();
  }

  private reply(): Promise<string> {
    const r = this.replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
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
        this.deliver(reply);
        if (this.dead) return;
      }
    }
    this.partial = text.slice(start);
    if (this.partial.length > MAX_REPLY || this.lines.length > 1000) {
      this.fail(
        sessionError('Reply too large', 'EPROTOCOL', this.stage, undefined, { sentNothing: !this.dataSent }),
      );
    }
  }

  private deliver(reply: string): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      this.failWaiter = null;
      w(reply);
    } else this.replies.push(reply);
  }

  private fail(e: SessionError): void {
    if (this.failure) return;
    this.failure = e;
    const fw = this.failWaiter;
    this.waiter = null;
    this.failWaiter = null;
    this.markDead();
    this.socket.destroy();
    fw?.(e);
  }

  private markDead(): void {
    if (this.dead) return;
    this.dead = true;
    for (const fn of this.closedHandlers.splice(0)) fn();
  }
}
