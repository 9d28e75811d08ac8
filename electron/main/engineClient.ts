/**
 * The main process's handle on the engine host utility process: forks it, talks to it over a
 * MessageChannelMain port, matches replies to requests, relays events, and restarts the host (with
 * backoff) if it dies, answering anything in flight with an envelope that says what happened.
 */
import { MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import type { Envelope } from '../engine/api/common';
import type { HostMessage, HostRequest } from './channels';
import type { SecretStore } from '../engine/secrets';

export interface EngineClientOptions {
  hostScript: string;
  dbPath: string;
  nativeBinding?: string;
  secrets: SecretStore;
  onEvent(channel: string, payload: unknown): void;
  onFatal(message: string): void;
}

type Pending = (env: Envelope<unknown>) => void;
type Outgoing =
  | { kind: 'call'; name: string; input: unknown }
  | { kind: 'preview'; head: Uint8Array; format?: string; map?: Record<string, string> };

const stopped: Envelope<never> = {
  ok: false,
  error: {
    kind: 'internal',
    code: 'engine_stopped',
    message: 'The engine stopped while working on this.',
    safe: 'Every change is made in one transaction, so nothing was half-written.',
    next: 'It restarts by itself; try again in a moment.',
  },
};

export class EngineClient {
  private child: UtilityProcess | undefined;
  private port: MessagePortMain | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private ready: Promise<void> | undefined;
  private closing = false;
  private restarts = 0;

  constructor(private readonly opts: EngineClientOptions) {}

  start(): Promise<void> {
    const secretInfo = this.opts.secrets.describe();
    const args = [
      '--db',
      this.opts.dbPath,
      '--secret-backend',
      secretInfo.backend,
      '--secret-secure',
      String(secretInfo.secure),
    ];
    if (this.opts.nativeBinding) args.push('--native-binding', this.opts.nativeBinding);
    const child = utilityProcess.fork(this.opts.hostScript, args, {
      serviceName: 'Understudy engine',
      stdio: 'inherit',
    });
    const { port1, port2 } = new MessageChannelMain();
    this.child = child;
    this.port = port1;
    this.ready = new Promise<void>((resolve, reject) => {
      port1.on('message', (e) => {
        const m = e.data as HostMessage;
        switch (m.kind) {
          case 'ready':
            this.restarts = 0;
            resolve();
            break;
          case 'fatal':
            reject(new Error(m.error.message));
            this.opts.onFatal([m.error.message, m.error.safe, m.error.next].filter(Boolean).join(' '));
            break;
          case 'reply': {
            const p = this.pending.get(m.id);
            this.pending.delete(m.id);
            p?.(m.envelope as Envelope<unknown>);
            break;
          }
          case 'event':
            this.opts.onEvent(m.channel, m.payload);
            break;
          case 'secret':
            void this.answerSecret(m);
            break;
          case 'closed':
            break;
        }
      });
    });
    port1.start();
    child.once('spawn', () => child.postMessage({ kind: 'init' }, [port2]));
    child.once('exit', (code) => {
      for (const p of this.pending.values()) p(stopped);
      this.pending.clear();
      if (this.closing) return;
      // Restart with backoff; a host that keeps dying is reported once instead of looping hot.
      this.restarts++;
      if (this.restarts > 5) {
        this.opts.onFatal(
          `The Understudy engine keeps stopping (exit code ${code}). Your data is safe on disk; restart the app.`,
        );
        return;
      }
      setTimeout(() => void this.start().catch(() => undefined), 500 * 2 ** this.restarts);
    });
    return this.ready;
  }

  private async answerSecret(m: Extract<HostMessage, { kind: 'secret' }>): Promise<void> {
    const reply = (r: Omit<Extract<HostRequest, { kind: 'secretReply' }>, 'id' | 'kind'>) =>
      this.port?.postMessage({ kind: 'secretReply', id: m.id, ...r } satisfies HostRequest);
    try {
      const s = this.opts.secrets;
      if (m.op === 'get')
        reply({ ok: true, ...(await s.get(m.ref).then((v) => (v === undefined ? {} : { value: v }))) });
      else if (m.op === 'set') reply({ ok: (await s.set(m.ref, m.value ?? ''), true) });
      else reply({ ok: (await s.delete(m.ref), true) });
    } catch (e) {
      reply({ ok: false, error: (e as Error).message });
    }
  }

  private async request(msg: Outgoing): Promise<Envelope<unknown>> {
    try {
      await this.ready;
    } catch {
      return stopped;
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.port!.postMessage({ ...msg, id } as HostRequest);
    });
  }

  call(name: string, input: unknown): Promise<Envelope<unknown>> {
    return this.request({ kind: 'call', name, input });
  }

  preview(head: Uint8Array, format?: string, map?: Record<string, string>): Promise<Envelope<unknown>> {
    return this.request({ kind: 'preview', head, ...(format ? { format } : {}), ...(map ? { map } : {}) });
  }

  /** Asks the host to close the database cleanly (WAL folded in), then lets it exit. */
  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child || !this.port) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    this.port.postMessage({ kind: 'close', id: 0 } satisfies HostRequest);
    const timeout = new Promise<void>((r) => setTimeout(r, 10_000));
    await Promise.race([exited, timeout]);
    if (child.pid !== undefined) child.kill();
  }
}
