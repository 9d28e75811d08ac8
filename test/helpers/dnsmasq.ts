/**
 * A real DNS server on loopback: Debian's dnsmasq, answering only from the records a test gives it
 * (`--local=/#/`: every other name is NXDOMAIN, nothing is forwarded, no test touches the internet).
 * Started per test file on a free port and stopped after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promises as dnsp } from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './smtp';
import { waitUntil } from './wait';

export interface Zone {
  txt?: [name: string, text: string][];
  cname?: [name: string, target: string][];
  a?: [name: string, ip: string][];
}

export interface Dnsmasq {
  server: string;
  port: number;
  stop(): Promise<void>;
}

/** A TXT line of dnsmasq's config file: strings of at most 255 bytes, each quoted, comma-separated
 * (quotes are parsed in the config file, not on the command line). */
function txtLine(name: string, text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 250) parts.push(text.slice(i, i + 250));
  if (parts.length === 0) parts.push('');
  return `txt-record=${name},${parts.map((p) => `"${p.replace(/(["\\])/g, '\\$1')}"`).join(',')}`;
}

export async function startDnsmasq(zone: Zone): Promise<Dnsmasq> {
  const port = await freePort();
  // Its own folder, removed by stop(): no test-runner hook, so Playwright specs can start one too.
  const dir = mkdtempSync(join(tmpdir(), 'understudy-dnsmasq-'));
  const conf = join(dir, 'zone.conf');
  writeFileSync(
    conf,
    [
      ...(zone.txt ?? []).map(([n, t]) => txtLine(n, t)),
      ...(zone.cname ?? []).map(([n, t]) => `cname=${n},${t}`),
      ...(zone.a ?? []).map(([n, ip]) => `host-record=${n},${ip}`),
      '',
    ].join('\n'),
  );
  const args = [
    '--no-daemon',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--no-negcache',
    '--local=/#/',
    `--conf-file=${conf}`,
    '-u',
    'root',
  ];
  const child: ChildProcess = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let exited: string | undefined;
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  child.once('exit', (code) => (exited = `dnsmasq exited (${code}): ${log.slice(-500)}`));
  const server = `127.0.0.1:${port}`;
  const r = new dnsp.Resolver({ timeout: 500, tries: 1 });
  r.setServers([server]);
  await waitUntil(
    `dnsmasq on ${server}`,
    async () => {
      try {
        await r.resolveTxt('probe.invalid');
        return true;
      } catch (e) {
        return (e as { code?: string }).code === 'ENOTFOUND';
      }
    },
    { timeoutMs: 10_000, abortIf: () => exited },
  );
  return {
    server,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (exited) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

/** The p= value of a fresh RSA public key of `bits` bits (DER SubjectPublicKeyInfo, base64). */
export function dkimKey(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}
