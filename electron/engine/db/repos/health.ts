/** Provider health as the monitor sees it: the providers to probe and their health column. */
import type { Db } from '../connection';
import { toProvider, type ProviderHealth, type ProviderRow, type RawProvider } from './providers';

export type HealthState = ProviderHealth;

export class HealthRepo {
  constructor(private readonly db: Db) {}

  targets(): ProviderRow[] {
    return (
      this.db
        .prepare('SELECT * FROM providers WHERE enabled = 1 ORDER BY kind, priority, id')
        .all() as RawProvider[]
    ).map(toProvider);
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

  setHealth(id: number, health: HealthState, now: string): void {
    this.db
      .prepare('UPDATE providers SET health = ?, health_changed_at = ?, updated_at = ? WHERE id = ?')
      .run(health, now, now, id);
  }
}
