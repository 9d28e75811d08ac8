/** Provider health as the monitor sees it: the providers to probe and their health column. */
import type { Db } from '../connection';
import type { HealthState, ProviderKind } from '../../api/common';

export type { HealthState };

export interface ProbeTarget {
  id: number;
  name: string;
  kind: ProviderKind;
  type: string;
  config: Record<string, unknown>;
  secretRef: string | null;
  priority: number;
  enabled: boolean;
  health: HealthState;
  healthChangedAt: string | null;
}

interface Raw {
  id: number;
  name: string;
  kind: ProviderKind;
  type: string;
  config: string;
  secret_ref: string | null;
  priority: number;
  enabled: number;
  health: HealthState;
  health_changed_at: string | null;
}

const to = (r: Raw): ProbeTarget => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  type: r.type,
  config: JSON.parse(r.config) as Record<string, unknown>,
  secretRef: r.secret_ref,
  priority: r.priority,
  enabled: r.enabled === 1,
  health: r.health,
  healthChangedAt: r.health_changed_at,
});

export class HealthRepo {
  constructor(private readonly db: Db) {}

  targets(): ProbeTarget[] {
    return (
      this.db.prepare('SELECT * FROM providers WHERE enabled = 1 ORDER BY kind, priority, id').all() as Raw[]
    ).map(to);
  }

  byId(id: number): ProbeTarget | undefined {
    const r = this.db.prepare('SELECT * FROM providers WHERE id = ?').get(id) as Raw | undefined;
    return r && to(r);
  }

  byName(name: string): ProbeTarget | undefined {
    const r = this.db.prepare('SELECT * FROM providers WHERE lower(name) = lower(?)').get(name.trim()) as
      Raw | undefined;
    return r && to(r);
  }

  setHealth(id: number, health: HealthState, now: string): void {
    this.db
      .prepare('UPDATE providers SET health = ?, health_changed_at = ?, updated_at = ? WHERE id = ?')
      .run(health, now, now, id);
  }
}
