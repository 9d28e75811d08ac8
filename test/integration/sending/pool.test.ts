/**
 * The SMTP connection pool the campaign transport sends through (smtpPool.ts), against nodemailer's
 * smtp-server: connections are capped and reused, renewed after maxMessages, a refused recipient
 * fails only its message and keeps the session (RSET), a refused connection fails the message with
 * nodemailer's error, and no message is ever retried by the pool itself.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpPool } from '../../../electron/engine/sending/smtpPool';
import { createSmtpTransport } from '../../../electron/engine/sending/transport';
import { encodeMessage } from '../../../electron/engine/sending/mime';
import type { ProviderRow } from '../../../electron/engine/db/repos/providers';
import { freePort, startSmtpServer, type SmtpCapture } from '../../helpers/smtp';

const raw = (i: number) =>
  Buffer.from(`From: a@shop.test\r\nTo: u${i}@example.test\r\nSubject: ${i}\r\n\r\n.line ${i}\r\n`);

let server: SmtpCapture | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('SMTP connection pool', () => {
  it('sends over at most maxConnections connections, renews them after maxMessages, dot-stuffs the data', async () => {
    let connections = 0;
    let open = 0;
    let maxOpen = 0;
    server = await startSmtpServer({
      extra: {
        onConnect(_s, cb) {
          connections++;
          maxOpen = Math.max(maxOpen, ++open);
          cb();
        },
        onClose() {
          open--;
        },
      },
    });
    const pool = new SmtpPool({
      connection: { host: server.host, port: server.port, ignoreTLS: true },
      maxConnections: 3,
      maxMessages: 10,
    });
    const infos = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)),
      ),
    );
    pool.close();
    expect(infos.every((x) => /^250/.test(x.response))).toBe(true);
    expect(server.messages).toHaveLength(60);
    expect(maxOpen).toBeLessThanOrEqual(3);
    // 60 messages, 10 per connection at most.
    expect(connections).toBeGreaterThanOrEqual(6);
    const m7 = server.messages.find((m) => m.rcpt[0] === 'u7@example.test')!;
    expect(m7.raw).toContain('\r\n\r\n.line 7\r\n');
  });

  it('dot-safe bytes (the fast MIME writer) go out as they are and arrive intact, mixed with others', async () => {
    server = await startSmtpServer();
    const pool = new SmtpPool({
      connection: { host: server.host, port: server.port, ignoreTLS: true },
      maxConnections: 2,
      maxMessages: 100,
    });
    const safe = (i: number) =>
      encodeMessage({
        from: 'a@shop.test',
        to: `u${i}@example.test`,
        subject: `n${i}`,
        text: `.first line starts with a dot\n${'x'.repeat(100)}\n..two\n`,
        messageId: `<m${i}@shop.test>`,
        headers: {},
      });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, safe(i), true)
          : pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)),
      ),
    );
    pool.close();
    expect(server.messages).toHaveLength(20);
    for (const m of server.messages) {
      const i = Number(m.rcpt[0]!.slice(1, -'@example.test'.length));
      if (i % 2 === 0) {
        // What the server stored is exactly what the writer made (its dots are encoded, none stuffed).
        expect(m.raw).toBe(
          safe(i)
            .toString('utf8')
            .replace(/^Date: .*\r\n/m, m.raw.match(/^Date: .*\r\n/m)![0]),
        );
        expect((await simpleParser(m.raw)).text).toBe(
          `.first line starts with a dot\n${'x'.repeat(100)}\n..two\n`,
        );
      } else expect(m.raw).toContain(`\r\n\r\n.line ${i}\r\n`);
    }
  });

  it('a refused recipient fails only its message; the session is reset and reused', async () => {
    let connections = 0;
    server = await startSmtpServer({
      rejectRcpt: { 'gone@example.test': { code: 550, message: '5.1.1 User unknown' } },
      extra: {
        onConnect(_s, cb) {
          connections++;
          cb();
        },
      },
    });
    const pool = new SmtpPool({
      connection: { host: server.host, port: server.port, ignoreTLS: true },
      maxConnections: 1,
      maxMessages: 100,
    });
    const a = await pool.send({ from: 'a@shop.test', to: ['u1@example.test'] }, raw(1));
    const err = await pool.send({ from: 'a@shop.test', to: ['gone@example.test'] }, raw(2)).then(
      () => null,
      (e: unknown) => e as { code?: string; responseCode?: number; command?: string },
    );
    const b = await pool.send({ from: 'a@shop.test', to: ['u3@example.test'] }, raw(3));
    pool.close();
    expect(a.accepted).toEqual(['u1@example.test']);
    expect(err).toMatchObject({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    expect(b.accepted).toEqual(['u3@example.test']);
    expect(server.messages.map((m) => m.rcpt[0])).toEqual(['u1@example.test', 'u3@example.test']);
    expect(connections).toBe(1);
  });

  it('a refused connection fails the message with nodemailer’s error, once, and the pool stays usable', async () => {
    const port = await freePort();
    const pool = new SmtpPool({
      connection: { host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 2000 },
      maxConnections: 2,
      maxMessages: 100,
    });
    const errs = await Promise.all(
      [1, 2, 3].map((i) =>
        pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)).then(
          () => null,
          (e: unknown) => e as { code?: string; originalCode?: string; command?: string },
        ),
      ),
    );
    for (const e of errs)
      expect(e).toMatchObject({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' });
    pool.close();
    await expect(pool.send({ from: 'a@shop.test', to: ['x@example.test'] }, raw(9))).rejects.toThrow(
      /closed/,
    );
  });

  it('a server that hangs up before its greeting: the waiting messages come back untried, marked as never sent', async () => {
    let connections = 0;
    const srv: Server = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const pool = new SmtpPool({
      connection: { host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 2000 },
      maxConnections: 2,
      maxMessages: 100,
    });
    const errs = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) =>
        pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)).then(
          () => null,
          (e: unknown) => e as { sentNothing?: boolean },
        ),
      ),
    );
    pool.close();
    await new Promise<void>((r) => srv.close(() => r()));
    // Two connections were tried (maxConnections); the four waiting messages did not each try one.
    expect(connections).toBe(2);
    for (const e of errs) expect(e).toMatchObject({ sentNothing: true });
  });

  it('a message the fast writer leaves to nodemailer (DKIM) is composed and signed by nodemailer, sent through the pool', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    server = await startSmtpServer();
    const t = createSmtpTransport(
      {
        config: { host: server.host, port: server.port, tls: 'none' },
        maxConnections: 1,
      } as unknown as ProviderRow,
      undefined,
    );
    const r = await t.send({
      from: '"Bäckerei" <news@rose.example>',
      to: 'jörg@example.test',
      subject: 'Grüße',
      text: 'Hallo Jörg\n',
      html: '<p>Hallo Jörg</p>',
      messageId: '<understudy.c1.s2@rose.example>',
      headers: { 'List-Id': '<news.rose.example>' },
      dkim: {
        domainName: 'rose.example',
        keySelector: 'sel',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    t.close();
    expect(r.response).toMatch(/^250/);
    expect(server.messages).toHaveLength(1);
    const raw = server.messages[0]!.raw;
    const resolver = async (name: string, rr: string) => {
      if (rr === 'TXT' && name === 'sel._domainkey.rose.example') return [[`v=DKIM1; k=rsa; p=${pub}`]];
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    const v = await dkimVerify(Buffer.from(raw), { resolver: resolver as never });
    expect(v.results[0]!.status.result).toBe('pass');
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe('<understudy.c1.s2@rose.example>');
    expect(mail.text).toBe('Hallo Jörg\n');
  });

  it('a server without PIPELINING gets one command at a time, and a refused recipient still keeps the session', async () => {
    server = await startSmtpServer({
      rejectRcpt: { 'gone@example.test': { code: 550, message: '5.1.1 No such user' } },
      extra: { hidePIPELINING: true },
    });
    const pool = new SmtpPool({
      connection: { host: server.host, port: server.port, ignoreTLS: true },
      maxConnections: 1,
      maxMessages: 100,
    });
    const sends = ['u1@example.test', 'gone@example.test', 'u2@example.test'].map((to) =>
      pool.send({ from: 'a@shop.test', to: [to] }, raw(1)).then(
        (x) => x.response,
        (e: Error & { code?: string; responseCode?: number; command?: string }) =>
          `${e.code} ${e.responseCode} ${e.command}`,
      ),
    );
    const results = await Promise.all(sends);
    pool.close();
    expect(results[0]).toMatch(/^250/);
    expect(results[1]).toBe('EENVELOPE 550 RCPT TO');
    expect(results[2]).toMatch(/^250/);
    expect(server.messages.map((m) => m.rcpt[0])).toEqual(['u1@example.test', 'u2@example.test']);
  });
});

/**
 * A scripted SMTP peer for the protocol's corners nodemailer's smtp-server never produces: multi-line
 * replies to MAIL, a reply nobody asked for, a hang-up at a chosen point of the transaction.
 */
async function scriptedPeer(
  onLine: (line: string, sock: Socket, state: { inData: boolean }) => void,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const srv: Server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const state = { inData: false };
    let buf = '';
    sock.write('220 peer ESMTP\r\n');
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i !== -1; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (state.inData) {
          if (line === '.') {
            state.inData = false;
            onLine('<end of data>', sock, state);
          }
          continue;
        }
        if (/^EHLO/i.test(line)) sock.write('250-peer\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
        else if (/^QUIT/i.test(line)) sock.end('221 bye\r\n');
        else onLine(line, sock, state);
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

type PoolError = Error & { code?: string; responseCode?: number; command?: string; sentNothing?: boolean };

describe('SMTP session corners (scripted peer)', () => {
  const peers: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.close();
  });
  const poolTo = (port: number) =>
    new SmtpPool({
      connection: { host: '127.0.0.1', port, ignoreTLS: true },
      maxConnections: 1,
      maxMessages: 100,
    });
  const attempt = (pool: SmtpPool, i: number) =>
    pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)).then(
      (x) => x.response,
      (e: PoolError) => e,
    );

  it('reads multi-line replies to every command of a pipelined transaction', async () => {
    const peer = await scriptedPeer((line, sock, st) => {
      if (line.startsWith('MAIL')) sock.write('250-2.1.0 sender\r\n250 2.1.0 ok\r\n');
      else if (line.startsWith('RCPT')) sock.write('250-2.1.5 recipient\r\n250-more\r\n250 2.1.5 ok\r\n');
      else if (line === 'DATA') {
        st.inData = true;
        sock.write('354 go ahead\r\n');
      } else if (line === '<end of data>') sock.write('250-2.0.0 queued\r\n250 2.0.0 as X1\r\n');
      else if (line === 'RSET') sock.write('250 ok\r\n');
    });
    peers.push(peer);
    const pool = poolTo(peer.port);
    const out = [await attempt(pool, 1), await attempt(pool, 2)];
    pool.close();
    expect(out).toEqual(['250-2.0.0 queued\n250 2.0.0 as X1', '250-2.0.0 queued\n250 2.0.0 as X1']);
  });

  it('a hang-up before the data fails the message as never sent; after the final dot, as maybe delivered', async () => {
    let n = 0;
    const peer = await scriptedPeer((line, sock, st) => {
      if (line.startsWith('MAIL')) {
        n++;
        // First transaction: gone right after MAIL FROM.
        if (n === 1) return void sock.destroy();
        sock.write('250 ok\r\n');
      } else if (line.startsWith('RCPT')) sock.write('250 ok\r\n');
      else if (line === 'DATA') {
        st.inData = true;
        sock.write('354 go ahead\r\n');
      } else if (line === '<end of data>') sock.destroy(); // second transaction: gone after the dot
    });
    peers.push(peer);
    const pool = poolTo(peer.port);
    const first = (await attempt(pool, 1)) as PoolError;
    const second = (await attempt(pool, 2)) as PoolError;
    pool.close();
    expect(first).toBeInstanceOf(Error);
    expect(first.sentNothing).toBe(true);
    expect(second).toBeInstanceOf(Error);
    expect(second.sentNothing).toBe(false);
    expect(second.command).toBe('DATA');
  });

  it('a reply nobody asked for puts the session out of step: that connection is dropped at once, the next message goes on a new one', async () => {
    const peer = await scriptedPeer((line, sock, st) => {
      if (line.startsWith('MAIL')) sock.write('250 ok\r\n');
      else if (line.startsWith('RCPT')) sock.write('250 ok\r\n');
      else if (line === 'DATA') {
        st.inData = true;
        sock.write('354 go ahead\r\n');
      } else if (line === '<end of data>') {
        // The 250, then a stray line as if for a command never sent.
        sock.write('250 ok\r\n421 4.4.2 idle too long\r\n');
      }
    });
    peers.push(peer);
    const pool = poolTo(peer.port);
    const r1 = await attempt(pool, 1);
    const r2 = await attempt(pool, 2);
    pool.close();
    expect(r1).toBe('250 ok');
    expect(r2).toBe('250 ok');
    expect(peer.connections()).toBe(2);
  });

  it('with PIPELINING, the next message starts before the server has answered the data of the one before', async () => {
    // The peer holds its verdict on message 1 until message 2's envelope has arrived: a client that
    // waited for the verdict before starting message 2 would never finish (and the test would time out).
    let held: Socket | null = null;
    const order: string[] = [];
    const peer = await scriptedPeer((line, sock, st) => {
      order.push(line.replace(/:.*/, ''));
      if (line.startsWith('MAIL')) {
        // Replies go in command order: the verdict on message 1, then message 2's MAIL FROM.
        if (held) {
          held.write('250 first queued\r\n');
          held = null;
        }
        sock.write('250 ok\r\n');
      } else if (line.startsWith('RCPT')) sock.write('250 ok\r\n');
      else if (line === 'DATA') {
        st.inData = true;
        sock.write('354 go ahead\r\n');
      } else if (line === '<end of data>') {
        if (order.filter((x) => x === '<end of data>').length === 1) held = sock;
        else sock.write('250 second queued\r\n');
      }
    });
    peers.push(peer);
    const pool = poolTo(peer.port);
    const [a, b] = await Promise.all([attempt(pool, 1), attempt(pool, 2)]);
    pool.close();
    expect([a, b]).toEqual(['250 first queued', '250 second queued']);
    expect(peer.connections()).toBe(1);
    expect(order).toEqual([
      'MAIL FROM',
      'RCPT TO',
      'DATA',
      '<end of data>',
      'MAIL FROM',
      'RCPT TO',
      'DATA',
      '<end of data>',
    ]);
  });
});
