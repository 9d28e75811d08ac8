/**
 * The desktop app answers unsubscribe links too, if the person chooses (issue 14 §1): with the sending
 * setting `unsubscribe_port` set, the engine host listens on 127.0.0.1:<port> with the same public
 * endpoint as `serve --unsubscribe-only` (unsubscribeServer.ts), for a reverse proxy or tunnel on this
 * computer that publishes `unsubscribe_url`. Only loopback: the internet reaches it through what the
 * person set up, never directly. Follows the setting: started, moved or stopped when it changes.
 */
import type { Engine } from '../engine';
import type { EventRow } from '../db/repos/events';
import { getSendingSettings } from '../sending/settings';
import { startUnsubscribeServer, type RunningUnsubscribeServer } from './unsubscribeServer';

export interface EndpointState {
  /** The port it answers on, or null when off. */
  port: number | null;
  /** Why it is not answering although a port is set (the port is taken, …), in words. */
  problem: string | null;
}

export class UnsubscribeEndpoint {
  private running: RunningUnsubscribeServer | null = null;
  private problem: string | null = null;
  private wanted: number | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly off: () => void;

  constructor(private readonly engine: Engine) {
    // A change of the setting is applied at once (settings are written through the engine).
    const onEvent = (row: unknown) => {
      if ((row as EventRow).type === 'settings.changed') void this.refresh();
    };
    engine.bus.on('event', onEvent);
    this.off = () => engine.bus.off('event', onEvent);
  }

  /** Starts, moves or stops the endpoint to match the setting; resolves when it has. */
  refresh(): Promise<void> {
    this.chain = this.chain.then(() => this.apply());
    return this.chain;
  }

  state(): EndpointState {
    return { port: this.running?.port ?? null, problem: this.problem };
  }

  async stop(): Promise<void> {
    this.off();
    await this.chain;
    await this.running?.close();
    this.running = null;
  }

  private async apply(): Promise<void> {
    const raw = getSendingSettings(this.engine).unsubscribe_port;
    const port = raw ? Number(raw) : null;
    if (port === this.wanted && (this.running || this.problem)) return;
    this.wanted = port;
    await this.running?.close();
    this.running = null;
    this.problem = null;
    if (port === null) return;
    try {
      this.running = await startUnsubscribeServer({ engine: this.engine, port, host: '127.0.0.1' });
      this.engine.record({
        type: 'unsubscribe.endpoint_started',
        message: `Understudy answers unsubscribe links on port ${port} of this computer.`,
        data: { port },
      });
    } catch (e) {
      const code = (e as { code?: string }).code;
      this.problem =
        code === 'EADDRINUSE'
          ? `Port ${port} is already used by another program, so unsubscribe links are not answered here.`
          : `Unsubscribe links cannot be answered on port ${port}: ${(e as Error).message}`;
      this.engine.record({
        type: 'unsubscribe.endpoint_failed',
        severity: 'warning',
        message: `${this.problem} Choose another port in Settings → Sending.`,
        data: { port, code: code ?? null },
      });
    }
  }
}

/** Starts the endpoint for the desktop app's engine host (a no-op until the setting is set). */
export function startUnsubscribeEndpoint(engine: Engine): UnsubscribeEndpoint {
  const endpoint = new UnsubscribeEndpoint(engine);
  void endpoint.refresh();
  return endpoint;
}
