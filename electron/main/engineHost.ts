/**
 * The engine host: runs in an Electron utility process (utilityProcess.fork), off the UI thread, so
 * a million-row import or a long sync never freezes the window. It opens the Engine and the same
 * dispatcher browser mode uses, answers calls from the main process over a MessagePort, and forwards
 * every engine event channel of the contract. Secrets are asked of the main process (safeStorage).
 */
import type { MessagePortMain } from 'electron';
import { Engine } from '../engine/engine';
import { useNativeBinding } from '../engine/db';
import { applyPendingRestore } from '../engine/continuity/backups';
import { createDispatcher } from '../engine/handlers';
import { EVENT_CHANNELS } from '../engine/api/events';
import { explainError } from '../engine/errors';
import { previewImport } from '../engine/mirror/csv/preview';
import { startPeriodicWork } from '../engine/continuity/periodic';
import { startUnsubscribeEndpoint } from '../engine/continuity/unsubscribeEndpoint';
import type { SecretStore } from '../engine/secrets';
import type { HostMessage, HostRequest } from './channels';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortMain[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort: ParentPort }).parentPort;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

parentPort.on('message', (e) => {
  const port = e.ports[0];
  if (!port) return;
  void start(port);
});

/** The SecretStore the engine sees: every operation is done by the main process with safeStorage. */
class MainProcessSecretStore implements SecretStore {
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: string | undefined) => void; reject: (e: Error) => void }
  >();
  constructor(
    private readonly port: MessagePortMain,
    private readonly info: { backend: string; secure: boolean; warning?: string },
  ) {}
  private ask(op: 'get' | 'set' | 'delete', ref: string, value?: string): Promise<string | undefined> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: HostMessage = { kind: 'secret', id, op, ref, ...(value !== undefined ? { value } : {}) };
      this.port.postMessage(msg);
    });
  }
  settle(id: number, ok: boolean, value?: string, error?: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(new Error(error ?? 'The secret store refused.'));
  }
  get(ref: string) {
    return this.ask('get', ref);
  }
  async set(ref: string, value: string) {
    await this.ask('set', ref, value);
  }
  async delete(ref: string) {
    await this.ask('delete', ref);
  }
  describe() {
    return this.info;
  }
}

async function start(port: MessagePortMain): Promise<void> {
  const send = (m: HostMessage) => port.postMessage(m);
  // The engine's one secret store: every operation is done by the main process with safeStorage.
  const secrets = new MainProcessSecretStore(port, {
    backend: argValue('--secret-backend') ?? 'safeStorage',
    secure: argValue('--secret-secure') === 'true',
  });
  let engine: Engine;
  try {
    // In a checkout, SQLite built for Electron's ABI: every connection of this process (backups,
    // checks and restores too) loads it. A packaged app's default build is Electron's already.
    useNativeBinding(argValue('--native-binding'));
    // A restore the person asked for is applied before the database opens.
    await applyPendingRestore(argValue('--db')!);
    engine = Engine.open({ dbPath: argValue('--db')!, secrets });
  } catch (e) {
    // A read-only or full disk, a folder where the database should be: said in plain words.
    const err = explainError(e).toJSON();
    send({ kind: 'fatal', error: err });
    return;
  }
  const dispatcher = createDispatcher(engine);
  // The same periodic work as `understudy run` and `understudy serve` (continuity/periodic.ts).
  startPeriodicWork(engine);
  // Unsubscribe links answered by the app itself, when the person set a port for it (Settings → Sending).
  const unsubscribe = startUnsubscribeEndpoint(engine);

  for (const channel of EVENT_CHANNELS) {
    engine.bus.on(channel, (payload: unknown) => send({ kind: 'event', channel, payload }));
  }

  port.on('message', (e) => {
    const msg = e.data as HostRequest;
    switch (msg.kind) {
      case 'call':
        void dispatcher
          .dispatch(msg.name, msg.input)
          .then((envelope) => send({ kind: 'reply', id: msg.id, envelope }));
        break;
      case 'preview':
        send({
          kind: 'reply',
          id: msg.id,
          envelope: previewImport(msg.head, { format: msg.format, map: msg.map }),
        });
        break;
      case 'secretReply':
        secrets.settle(msg.id, msg.ok, msg.value, msg.error);
        break;
      case 'close':
        void unsubscribe
          .stop()
          .then(() => engine.close())
          .then(() => {
            send({ kind: 'closed' });
            process.exit(0);
          });
        break;
    }
  });
  port.start();
  send({ kind: 'ready', dbPath: engine.dbPath });
}
