/**
 * The send lease against real processes. A sender killed with `kill -9` whose parent never reaps it
 * (a zombie, as under a container's PID 1) is dead, and its campaign is taken over at once; a pid now
 * held by another process (reused) is dead; a live sender keeps its campaign: `send` exits 1, or
 * waits with `--wait` and then continues without sending anything twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { PassThrough } from 'node:stream';
import { cli } from '../../helpers/cli';
import { main } from '../../../electron/cli/main';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { waitUntil } from '../../helpers/wait';
import { campaign, PASSPHRASE, smtpProvider, world, type World } from '../sending/fixture';
import { Engine } from '../../../electron/engine/engine';

const ROOT = join(__dirname, '..', '..', '..');
const N = 6;
const env = { UNDERSTUDY_PASSPHRASE: PASSPHRASE };

let bundled: Promise<string> | undefined;
/** sendChild.ts (opens the engine and secrets like `understudy send`, runs the campaign) as plain JS. */
function senderScript(): Promise<string> {
  bundled ??= (async () => {
    const out = join(ROOT, 'node_modules', '.cache', 'understudy-test', `leaseSender-${process.pid}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'test', 'integration', 'sending', 'sendChild.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    return out;
  })();
  return bundled;
}

const children: ChildProcess[] = [];
const servers: SmtpCapture[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.stop();
});

/** An SMTP server that holds every DATA until `release()`; `held` counts messages waiting. */
async function holdingServer() {
  let hold = true;
  const waiting: (() => void)[] = [];
  const srv = await startSmtpServer({
    extra: {
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const accept = () => {
            srv.messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcpt: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              raw: Buffer.concat(chunks).toString('utf8'),
              user: null,
              secure: session.secure,
            });
            cb();
          };
          if (hold) waiting.push(accept);
          else accept();
        });
      },
    },
  });
  servers.push(srv);
  return {
    srv,
    held: () => waiting.length,
    release() {
      hold = false;
      for (const a of waiting.splice(0)) a();
    },
  };
}

function runningRow(db: string): { pid: number } | undefined {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(`SELECT pid FROM campaign_runs WHERE state = 'running'`).get() as
      { pid: number } | undefined;
  } finally {
    d.close();
  }
}

function events(db: string, type: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(`SELECT count(*) FROM events WHERE type = ?`).pluck().get(type) as number;
  } finally {
    d.close();
  }
}

async function sendingWorld(): Promise<{
  w: World;
  id: number;
  hold: Awaited<ReturnType<typeof holdingServer>>;
}> {
  const w = await world(N);
  const hold = await holdingServer();
  await smtpProvider(w, 'relay', hold.srv.port, { maxConnections: 1 });
  const id = campaign(w);
  await w.engine.close();
  return { w, id, hold };
}

const stateOf = (pid: number) => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return 'gone';
  }
};

describe.skipIf(process.platform !== 'linux')('send lease', () => {
  it('a sender killed with kill -9 and never reaped (zombie) is dead: the next send takes over at once', async () => {
    const { w, id, hold } = await sendingWorld();
    const script = await senderScript();
    // sh starts the sender in the background, prints its pid, then becomes `sleep`: the sender's
    // parent never calls wait(), so once killed it stays a zombie, as under a container's PID 1.
    const parent = spawn(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${script}" "${w.dbPath}" ${id} >/dev/null 2>&1 & echo $!; exec sleep 600`,
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    children.push(parent);
    let out = '';
    parent.stdout!.on('data', (d) => (out += d));
    const pid = await waitUntil('the sender pid', () =>
      /^\d+\n/.test(out) ? Number(out.trim()) : undefined,
    );
    await waitUntil(
      'the sender to hold the lease with a message on the wire',
      () => runningRow(w.dbPath)?.pid === pid && hold.held() > 0,
    );
    process.kill(pid, 'SIGKILL');
    await waitUntil('the killed sender to be a zombie', () => stateOf(pid) === 'Z');

    hold.release();
    const r = await cli(['send', String(id), '--json', '--db', w.dbPath], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'finished', sent: N, failed: 0 });
    expect(events(w.dbPath, 'send.resumed')).toBe(1);
    // Everyone got it; a copy at most of what was in flight at the kill (maxConnections 1).
    const to = hold.srv.messages.flatMap((m) => m.rcpt);
    expect(new Set(to).size).toBe(N);
    expect(to.length - N).toBeLessThanOrEqual(3);
  });

  it('a pid now held by an unrelated live process (reused) is dead: the next send takes over at once', async () => {
    const { w, id, hold } = await sendingWorld();
    hold.release();
    const other = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(other);
    await waitUntil('sleep to run', () => stateOf(other.pid!) !== 'gone');
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const engine = Engine.open({ dbPath: w.dbPath });
    // A run recorded by a process that had this pid once (another start time): a fresh heartbeat.
    engine.repos.campaignRuns.start(
      {
        campaignId: id,
        via: null,
        dryRun: false,
        pid: other.pid!,
        host: hostname(),
        now: engine.now(),
        identity: `${boot}:1`,
      },
      () => false,
    );
    await engine.close();
    const r = await cli(['send', String(id), '--json', '--db', w.dbPath], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'finished', sent: N });
  });

  it('a live sender keeps its campaign: send exits 1 naming it, send --wait waits and then continues, nobody mailed twice', async () => {
    const { w, id, hold } = await sendingWorld();
    const script = await senderScript();
    const sender = spawn(process.execPath, [script, w.dbPath, String(id)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(sender);
    const exited = new Promise<number | null>((r) => sender.once('exit', (c) => r(c)));
    await waitUntil(
      'the sender to hold the lease with a message on the wire',
      () => runningRow(w.dbPath)?.pid === sender.pid && hold.held() > 0,
    );
    const refused = await cli(['send', String(id), '--db', w.dbPath], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`already being sent by another process \\(pid ${sender.pid}`));
    expect(refused.stderr).toMatch(/--wait/);

    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d) => (stdout += d));
    err.on('data', (d) => (stderr += d));
    const waiting = main(['send', String(id), '--wait', '--json', '--db', w.dbPath], {
      stdout: out,
      stderr: err,
      env: { ...process.env, ...env },
      stdin: new PassThrough(),
    });
    // The waiting send has seen the live holder (it says so) before the holder is let go.
    await waitUntil('the second send to wait', () => /Waiting for it to finish/.test(stderr));
    hold.release();
    expect(await exited).toBe(0);
    expect(await waiting, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ state: 'finished', sent: N, failed: 0 });
    const to = hold.srv.messages.flatMap((m) => m.rcpt);
    expect(to.length).toBe(N);
    expect(new Set(to).size).toBe(N);
  });
});
