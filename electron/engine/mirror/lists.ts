/** List-level operations the CLI, IPC and HTTP share: summaries, lookups, paging subscribers. */
import { quoteList, shown } from '../display';
import type { Engine } from '../engine';
import { userError } from '../errors';
import type { ListRow } from '../db/repos/lists';
import type { ListSummary, Subscriber } from '../api/lists';
import type { SubscriberRow, SubscriberSort } from '../db/repos/subscribers';
import type { SubscriberStatus } from '../model/status';
import { mirrorAge } from './esp/freshness';

export function listSummaries(engine: Engine): ListSummary[] {
  return engine.repos.lists.summaries().map(({ mergeFields: _m, ...l }) => {
    const age = l.providerId !== null ? mirrorAge(engine, l.providerId) : null;
    return age ? { ...l, mirrorAsOf: age.asOf, mirrorStale: age.stale } : l;
  });
}

export function requireList(engine: Engine, name: string): ListRow {
  const list = engine.repos.lists.byName(name);
  if (!list) {
    const known = engine.repos.lists.all().map((l) => l.name);
    throw userError(`There is no list named "${shown(name, 80)}".`, {
      code: 'list_not_found',
      next: known.length
        ? `Known lists: ${quoteList(known)}.`
        : 'Import one first with `understudy import FILE --list NAME`.',
      appNext: known.length ? `Known lists: ${quoteList(known)}.` : 'Import one first on the Lists screen.',
    });
  }
  return list;
}

export function toApiSubscriber(s: SubscriberRow): Subscriber {
  return {
    id: s.id,
    listId: s.listId,
    email: s.email,
    firstName: s.firstName,
    lastName: s.lastName,
    status: s.status,
    statusChangedAt: s.statusChangedAt,
    mergeFields: s.mergeFields,
    tags: s.tags,
    optinTime: s.optinTime,
    confirmTime: s.confirmTime,
    source: s.source,
    updatedAt: s.updatedAt,
  };
}

export function querySubscribers(
  engine: Engine,
  q: {
    list: string;
    status?: SubscriberStatus | undefined;
    search?: string | undefined;
    sort?: SubscriberSort | undefined;
    desc?: boolean | undefined;
    limit?: number;
    offset?: number;
    after?: string;
    /** Count the matches too (default); paging past the first page need not count again. */
    count?: boolean;
    /** Return the rows (default); false counts only. */
    rows?: boolean;
  },
): { total: number | null; rows: Subscriber[] } {
  const list = requireList(engine, q.list);
  const query = {
    listId: list.id,
    status: q.status,
    search: q.search,
    sort: q.sort,
    desc: q.desc,
    limit: q.limit,
    offset: q.offset,
    after: q.after,
  };
  return {
    total: q.count === false ? null : engine.repos.subscribers.count(query),
    rows: q.rows === false ? [] : engine.repos.subscribers.query(query).map(toApiSubscriber),
  };
}

/**
 * Every matching subscriber from `offset` on, at most `limit` of them (none: all), fetched a page at a
 * time by address (keyset paging): a list of a million is written out without holding it in memory.
 */
export function* streamSubscribers(
  engine: Engine,
  q: {
    list: string;
    status?: SubscriberStatus | undefined;
    search?: string | undefined;
    limit?: number | undefined;
    offset?: number;
    pageSize?: number;
  },
): Generator<Subscriber> {
  const list = requireList(engine, q.list);
  const pageSize = q.pageSize ?? 1000;
  let left = q.limit ?? Infinity;
  let after: string | undefined;
  let offset = q.offset ?? 0;
  while (left > 0) {
    const rows = engine.repos.subscribers.query({
      listId: list.id,
      status: q.status,
      search: q.search,
      limit: Math.min(pageSize, left),
      offset,
      ...(after !== undefined ? { after } : {}),
    });
    for (const r of rows) yield toApiSubscriber(r);
    if (rows.length < Math.min(pageSize, left)) return;
    left -= rows.length;
    after = rows.at(-1)!.emailNorm;
    offset = 0;
  }
}
