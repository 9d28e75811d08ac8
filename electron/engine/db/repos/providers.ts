/**
 * Providers: SMTP accounts (and ESP connections, which the mirror owns) with their place in the chain
 * (priority, weight), their caps and their health. The password or token is never here: `secret_ref`
 * names an entry in the secret store. `ProviderRow` is the one shape of a row of this table: the ESP
 * mirror (espSync.ts) and the health monitor (health.ts) read it with `toProvider` too.
 */
import type { Db } from '../connection';
import type { HealthState, ProviderKind } from '../../api/common';

export type { ProviderKind };
export type ProviderHealth = HealthState;

export interface ProviderCaps {
  perSecond: number | null;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
}

export interface ProviderRow {
  id: number;
  name: string;
  kind: ProviderKind;
  type: string;
  config: Record<string, unknown>;
  secretRef: string | null;
  preset: string | null;
  priority: number;
  weight: number;
  caps: ProviderCaps;
  maxConnections: number;
  health: ProviderHealth;
  healthChangedAt: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ProviderInput {
  name: string;
  kind: ProviderKind;
  type: string;
  config: Record<string, unknown>;
  secretRef: string | null;
  preset: string | null;
  priority: number;
  weight: number;
  caps: ProviderCaps;
  maxConnections: number;
  enabled?: boolean;
}

/** A row as SQLite returns it (`SELECT *`). */
export interface RawProvider {
  id: number;
  name: string;
  kind: ProviderKind;
  type: string;
  config: string;
  secret_ref: string | null;
  preset: string | null;
  priority: number;
  weight: number;
  cap_per_second: number | null;
  cap_per_minute: number | null;
  cap_per_hour: number | null;
  cap_per_day: number | null;
  max_connections: number;
  health: ProviderHealth;
  health_changed_at: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export const toProvider = (r: RawProvider): ProviderRow => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  type: r.type,
  config: JSON.parse(r.config) as Record<string, unknown>,
  secretRef: r.secret_ref,
  preset: r.preset,
  priority: r.priority,
  weight: r.weight,
  caps: {
    perSecond: r.cap_per_second,
    perMinute: r.cap_per_minute,
    perHour: r.cap_per_hour,
    perDay: r.cap_per_day,
  },
  maxConnections: r.max_connections,
  health: r.health,
  healthChangedAt: r.health_changed_at,
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The columns of a provider as named parameters. */
function providerBinds(p: ProviderInput) {
  return {
    name: p.name.trim(),
    kind: p.kind,
    type: p.type,
    config: JSON.stringify(p.config),
    secretRef: p.secretRef,
    preset: p.preset,
    priority: p.priority,
    weight: p.weight,
    capPerSecond: p.caps.perSecond,
    capPerMinute: p.caps.perMinute,
    capPerHour: p.caps.perHour,
    capPerDay: p.caps.perDay,
    maxConnections: p.maxConnections,
    enabled: p.enabled === false ? 0 : 1,
  };
}

export class ProvidersRepo {
  constructor(private readonly db: Db) {}

  all(kind?: ProviderKind): ProviderRow[] {
    const rows = kind
      ? this.db.prepare('SELECT * FROM providers WHERE kind = ? ORDER BY priority, id').all(kind)
      : this.db.prepare('SELECT * FROM providers ORDER BY priority, id').all();
    return (rows as RawProvider[]).map(toProvider);
  }

  byId(id: number): ProviderRow | undefined {
    const r = this.db.prepare('SELECT * FROM providers WHERE id = ?').get(id) as RawProvider | undefined;
    return r && toProvider(r);
  }

  byName(name: string): ProviderRow | undefined {
    const r = this.db.prepare('SELECT * FROM providers WHERE lower(name) = lower(?)').get(name.trim()) as
      RawProvider | undefined;
    return r && toProvider(r);
  }

  create(p: ProviderInput, now: string): ProviderRow {
    const info = this.db
      .prepare(
        `INSERT INTO providers (name, kind, type, config, secret_ref, preset, priority, weight,
           cap_per_second, cap_per_minute, cap_per_hour, cap_per_day, max_connections, enabled, created_at, updated_at)
         VALUES (@name, @kind, @type, @config, @secretRef, @preset, @priority, @weight,
           @capPerSecond, @capPerMinute, @capPerHour, @capPerDay, @maxConnections, @enabled, @now, @now)`,
      )
      .run({ ...providerBinds(p), now });
    return this.byId(Number(info.lastInsertRowid))!;
  }

  update(id: number, p: ProviderInput, now: string): ProviderRow {
    this.db
      .prepare(
        `UPDATE providers SET name = @name, kind = @kind, type = @type, config = @config, secret_ref = @secretRef,
           preset = @preset, priority = @priority, weight = @weight, cap_per_second = @capPerSecond,
           cap_per_minute = @capPerMinute, cap_per_hour = @capPerHour, cap_per_day = @capPerDay,
           max_connections = @maxConnections, enabled = @enabled, updated_at = @now
         WHERE id = @id`,
      )
      .run({ ...providerBinds(p), now, id });
    return this.byId(id)!;
  }

  /** Switches a provider off (or on) without touching the rest of its settings. */
  setEnabled(id: number, enabled: boolean, now: string): void {
    this.db
      .prepare('UPDATE providers SET enabled = ?, updated_at = ? WHERE id = ?')
      .run(enabled ? 1 : 0, now, id);
  }

  /** Returns true when the health actually changed (so the caller records one event per change). */
  setHealth(id: number, health: ProviderHealth, now: string): boolean {
    const info = this.db
      .prepare('UPDATE providers SET health = ?, health_changed_at = ? WHERE id = ? AND health <> ?')
      .run(health, now, id, health);
    return info.changes > 0;
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM providers WHERE id = ?').run(id);
  }
}
