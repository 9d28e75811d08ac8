/**
 * A real Dovecot IMAP server for a test: its own config dir, passwd-file users, Maildir storage in a
 * temp folder, on a free loopback port. Started by the test, stopped after it (Debian dovecot-imapd).
 * Messages are delivered by appending over IMAP (imapflow), as a mail server's delivery would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  readFileSync,
  existsSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { waitUntil } from './wait';

export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  users: Record<string, string>;
  /** Appends a raw RFC 5322 message to a user's mailbox (INBOX by default). */
  deliver(user: string, raw: string | Buffer, mailbox?: string): Promise<void>;
  /** Message-IDs currently in a user's mailbox. */
  messageIds(user: string, mailbox?: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, logPath: string): Promise<void> {
  await waitUntil(
    `dovecot to listen on ${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        const sock = connect(port, '127.0.0.1');
        sock.once('data', () => (sock.destroy(), resolve(true)));
        sock.once('error', () => resolve(false));
      }),
    {
      timeoutMs: 20_000,
      everyMs: 50,
      abortIf: () =>
        child.exitCode === null
          ? undefined
          : `dovecot exited (${child.exitCode}): ${existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''}`,
    },
  );
}

const NOBODY = 65534;

export async function startDovecot(users: Record<string, string>): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-dovecot-'));
  chmodSync(dir, 0o755);
  for (const d of ['mail', 'home']) {
    mkdirSync(join(dir, d));
    chownSync(join(dir, d), NOBODY, NOBODY);
  }
  const port = await freePort();
  const logPath = join(dir, 'dovecot.log');
  writeFileSync(
    join(dir, 'passwd'),
    Object.entries(users)
      .map(([u, p]) => `${u}:{PLAIN}${p}::::::`)
      .join('\n') + '\n',
  );
  const conf = `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logPath}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%n
first_valid_uid = 1
default_internal_user = nobody
default_internal_group = nogroup
default_login_user = nobody
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dir}/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/home/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`;
  const confPath = join(dir, 'dovecot.conf');
  writeFileSync(confPath, conf);
  const child = spawn('/usr/sbin/dovecot', ['-F', '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, child, logPath);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${stderr}`, { cause: e });
  }

  const client = async (user: string) => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: users[user]! },
      logger: false,
    });
    await c.connect();
    return c;
  };

  return {
    host: '127.0.0.1',
    port,
    dir,
    users,
    async deliver(user, raw, mailbox = 'INBOX') {
      const c = await client(user);
      try {
        if (mailbox !== 'INBOX') await c.mailboxCreate(mailbox).catch(() => undefined);
        await c.append(mailbox, raw);
      } finally {
        await c.logout();
      }
    },
    async messageIds(user, mailbox = 'INBOX') {
      const c = await client(user);
      try {
        const lock = await c.getMailboxLock(mailbox);
        const ids: string[] = [];
        try {
          for await (const m of c.fetch('1:*', { envelope: true }))
            if (m.envelope?.messageId) ids.push(m.envelope.messageId);
        } catch {
          // An empty mailbox has no 1:*.
        } finally {
          lock.release();
        }
        return ids;
      } finally {
        await c.logout();
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A relay on loopback that delivers every message it accepts into a Dovecot mailbox, like an MTA:
 * `options` are its SMTP settings (AUTH, disabled commands), `head` the header lines a receiving MTA
 * adds (Return-Path, Received), per session.
 */
export async function deliveringRelay(
  dovecot: Dovecot,
  port: number,
  options: SMTPServerOptions = {},
  head?: (session: SMTPServerSession) => string,
  mailbox = 'seed',
): Promise<SMTPServer> {
  const server = new SMTPServer({
    ...options,
    onData(stream, session, cb) {
      const chunks: Buffer[] = head ? [Buffer.from(head(session))] : [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        dovecot.deliver(mailbox, Buffer.concat(chunks)).then(() => cb(), cb);
      });
    },
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}
