/** List-level operations the CLI, IPC and HTTP share: summaries, lookups, paging subscribers. */
import type { Engine } from '../engine';
import { userError } from '../errors';
import type { ListRow } from '../db/repos/lists';
import type { ListSummary, Subscriber } from '../api/lists';
import type { SubscriberRow, SubscriberSort } from '../db/repos/subscribers';
import type { SubscriberStatus } from './status';

export function listSummaries(engine: Engine): ListSummary[] {
  return engine.repos.lists.summaries().map(({ mergeFields: _m, ...l }) => l);
}

export function requireList(engine: Engine, name: string): ListRow {
  const list = engine.repos.lists.byName(name);
  if (!list) {
    const known = engine.repos.lists.all().map((l) => `"${l.name}"`);
    throw userError(`There is no list named "${name}".`, {
      code: 'list_not_found',
      next: known.length
        ? `Known lists: ${known.join(', ')}.`
        : 'Import one first with `understudy import FILE --list NAME`.',
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
