/** Lists (audiences) and their counts by status. */
import type { Db } from '../connection';
import type { SubscriberStatus } from '../../model/status';
import { SUBSCRIBER_STATUSES } from '../../model/status';
import { prepareAll, type HotStatements } from './hot';

export interface ListRow {
  id: number;
  name: string;
  providerId: number | null;
  espListId: string | null;
  mergeFields: MergeFieldDef[];
  createdAt: string;
  updatedAt: string;
}

export interface MergeFieldDef {
  tag: string;
  name: string;
  type: string;
}

export interface ListSummary extends ListRow {
  total: number;
  byStatus: Record<SubscriberStatus, number>;
}

interface RawList {
  id: number;
  name: string;
  provider_id: number | null;
  esp_list_id: string | null;
  merge_fields: string;
  created_at: string;
  updated_at: string;
}

const toList = (r: RawList): ListRow => ({
  id: r.id,
  name: r.name,
  providerId: r.provider_id,
  espListId: r.esp_list_id,
  mergeFields: JSON.parse(r.merge_fields) as MergeFieldDef[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function emptyStatusCounts(): Record<SubscriberStatus, number> {
  return Object.fromEntries(SUBSCRIBER_STATUSES.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
}

/** Every list summary counts by status: from the (list_id, status) index, never a scan. */
const HOT = {
  countsByStatus: 'SELECT status, count(*) AS n FROM subscribers WHERE list_id = ? GROUP BY status',
};

export class ListsRepo {
  constructor(private readonly db: Db) {}

  statements(): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, HOT);
  }

  all(): ListRow[] {
    return (this.db.prepare('SELECT * FROM lists ORDER BY lower(name)').all() as RawList[]).map(toList);
  }

  byName(name: string): ListRow | undefined {
    const r = this.db.prepare('SELECT * FROM lists WHERE lower(name) = lower(?)').get(name.trim()) as
      RawList | undefined;
    return r && toList(r);
  }

  byId(id: number): ListRow | undefined {
    const r = this.db.prepare('SELECT * FROM lists WHERE id = ?').get(id) as RawList | undefined;
    return r && toList(r);
  }

  byEspId(providerId: number, espListId: string): ListRow | undefined {
    const r = this.db
      .prepare('SELECT * FROM lists WHERE provider_id = ? AND esp_list_id = ?')
      .get(providerId, espListId) as RawList | undefined;
    return r && toList(r);
  }

  create(input: {
    name: string;
    providerId?: number | null;
    espListId?: string | null;
    now: string;
  }): ListRow {
    const info = this.db
      .prepare(
        `INSERT INTO lists (name, provider_id, esp_list_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(input.name.trim(), input.providerId ?? null, input.espListId ?? null, input.now, input.now);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  /** Adds merge field definitions not yet known to the list (by tag, case-insensitive). */
  mergeFieldDefs(listId: number, defs: MergeFieldDef[], now: string): void {
    const list = this.byId(listId);
    if (!list) return;
    const known = new Set(list.mergeFields.map((d) => d.tag.toUpperCase()));
    const added = defs.filter((d) => !known.has(d.tag.toUpperCase()));
    if (added.length === 0) return;
    this.db
      .prepare('UPDATE lists SET merge_fields = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify([...list.mergeFields, ...added]), now, listId);
  }

  touch(listId: number, now: string): void {
    this.db.prepare('UPDATE lists SET updated_at = ? WHERE id = ?').run(now, listId);
  }

  /** Counts by status come from the (list_id, status) index: no table scan, even at 1,000,000 rows. */
  countsByStatus(listId: number): Record<SubscriberStatus, number> {
    const counts = emptyStatusCounts();
    const rows = this.db.prepare(HOT.countsByStatus).all(listId) as { status: SubscriberStatus; n: number }[];
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  summaries(): ListSummary[] {
    return this.all().map((l) => {
      const byStatus = this.countsByStatus(l.id);
      return { ...l, byStatus, total: Object.values(byStatus).reduce((a, b) => a + b, 0) };
    });
  }

  remove(listId: number): void {
    this.db.prepare('DELETE FROM lists WHERE id = ?').run(listId);
  }
}
