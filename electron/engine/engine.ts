/**
 * The continuity engine: one database connection, the repositories, the clock, the event bus and the
 * services built when it opens (services.ts: the secret store, sending state, alerts…). Plain
 * Node; it knows nothing about Electron, HTTP or the command line (listmonk's manager depends on a
 * Store and a Messenger the same way). The app, browser mode and the CLI each hold one Engine.
 */
import { openDatabase, createRepos, sealDatabase, type Db, type OpenOptions, type Repos } from './db';
import { systemClock, isoNow, type Clock } from './clock';
import { EngineBus } from './events';
import type { EventInput, EventRow } from './db/repos/events';
import { redact } from './secrets/redact';
import { EngineServices, type ServicesOptions } from './services';

/** Every string inside `v` with registered secrets (in every form they travel in) masked. */
function redactDeep<T>(v: T): T {
  if (typeof v === 'string') return redact(v) as T;
  if (Array.isArray(v)) return v.map(redactDeep) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactDeep(x);
    return out as T;
  }
  return v;
}

export interface EngineOptions extends OpenOptions, ServicesOptions {
  dbPath: string;
  clock?: Clock;
}

export class Engine {
  readonly db: Db;
  readonly repos: Repos;
  readonly clock: Clock;
  readonly bus = new EngineBus();
  readonly services: EngineServices;
  private closed = false;
  private readonly closers: (() => void | Promise<void>)[] = [];

  constructor(db: Db, clock: Clock = systemClock, services: ServicesOptions = {}) {
    this.db = db;
    this.clock = clock;
    this.repos = createRepos(db);
    this.services = new EngineServices(services);
  }

  static open(options: EngineOptions): Engine {
    const { dbPath, clock, secrets, connectorOverrides, ...open } = options;
    return new Engine(openDatabase(dbPath, open), clock, {
      ...(secrets ? { secrets } : {}),
      ...(connectorOverrides ? { connectorOverrides } : {}),
    });
  }

  get dbPath(): string {
    return this.db.name;
  }

  now(): string {
    return isoNow(this.clock);
  }

  /** Appends a durable event to the timeline and tells every listener. */
  record(e: EventInput): EventRow {
    // The last line of defence: whatever a caller quotes (an SMTP reply, an ESP's error body) is
    // scrubbed of every credential in use before it becomes durable.
    const safe: EventInput = {
      ...e,
      message: redact(e.message),
      ...(e.data ? { data: redactDeep(e.data) } : {}),
    };
    const row = this.repos.events.append(this.now(), safe);
    this.bus.emit('event', row);
    return row;
  }

  /** Registers work to finish before the database closes (running sends, schedulers, servers). */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closers.reverse()) await fn();
    if (this.db.open) {
      // Fold the WAL back into the main file so a clean close leaves no -wal behind.
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another connection may be reading; the WAL is folded in by whoever closes last.
      }
      const seal = !this.db.readonly && this.db.name !== ':memory:';
      this.db.close();
      // Fingerprint the file as this clean close left it: the next writer checks it cheaply (connection.ts).
      if (seal) sealDatabase(this.db.name);
    }
  }
}
