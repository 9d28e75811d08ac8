/**
 * Subscribers: paging and search for the UI and CLI (index-backed, never a scan of the list), and the
 * single-row upsert the ESP sync uses. The bulk import path lives in imports.ts.
 */
import type { Db } from '../connection';
import type { SubscriberStatus } from '../../model/status';
import { prepareAll, type HotStatements } from './hot';
import type { SubscriberSort } from '../../api/lists';
import { toEvent, type EventRow, type RawEvent } from './events';

export interface SubscriberRow {
  id: number;
  listId: number;
  email: string;
  emailNorm: string;
  firstName: string;
  lastName: string;
  status: SubscriberStatus;
  statusChangedAt: string | null;
  statusReason: string | null;
  mergeFields: Record<string, string>;
  tags: string[];
  extra: Record<string, string>;
  optinTime: string | null;
  optinIp: string | null;
  confirmTime: string | null;
  confirmIp: string | null;
  source: string;
  espId: string | null;
  espChangedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RawSubscriber {
  id: number;
  list_id: number;
  email: string;
  email_norm: string;
  first_name: string;
  last_name: string;
  status: SubscriberStatus;
  status_changed_at: string | null;
  status_reason: string | null;
  merge_fields: string;
  tags: string;
  extra: string;
  optin_time: string | null;
  optin_ip: string | null;
  confirm_time: string | null;
  confirm_ip: string | null;
  source: string;
  esp_id: string | null;
  esp_changed_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Rows read at once by `iterate`. Small: a chunk's rows live until the caller is through them, across
 * its waits, and larger chunks outlived the young generation (exporting 1,000,000 rows, same machine:
 * 2,000 a chunk 27.5 s and 31 s of CPU; 256 a chunk 18.5 s and 19 s, as reading row by row did).
 */
const ITERATE_CHUNK = 256;

export const toSubscriber = (r: RawSubscriber): SubscriberRow => ({
  id: r.id,
  listId: r.list_id,
  email: r.email,
  emailNorm: r.email_norm,
  firstName: r.first_name,
  lastName: r.last_name,
  status: r.status,
  statusChangedAt: r.status_changed_at,
  statusReason: r.status_reason,
  mergeFields: JSON.parse(r.merge_fields) as Record<string, string>,
  tags: JSON.parse(r.tags) as string[],
  extra: JSON.parse(r.extra) as Record<string, string>,
  optinTime: r.optin_time,
  optinIp: r.optin_ip,
  confirmTime: r.confirm_time,
  confirmIp: r.confirm_ip,
  source: r.source,
  espId: r.esp_id,
  espChangedAt: r.esp_changed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type { SubscriberSort };

/** The index each sortable column (declared in the contract) is read in, and its full order. */
const SORT_INDEX: Record<SubscriberSort, { index: string; order: string[] }> = {
  email: { index: 'subscribers_email', order: ['email_norm'] },
  name: { index: 'subscribers_name', order: ['name_norm', 'id'] },
  status: { index: 'subscribers_status', order: ['status', 'id'] },
  date: { index: 'subscribers_updated', order: ['updated_at', 'id'] },
};

export interface SubscriberQuery {
  listId: number;
  status?: SubscriberStatus | undefined;
  /**
   * What a person typed: words of the name or address (each matches the start of a word, in any
   * order: "smi" finds Smith, "garcia" finds García), an address prefix ("ann@ex"), or a domain
   * ("@example.com", "@exam"). Never an error, whatever it contains: see parseSearch.
   */
  search?: string | undefined;
  sort?: SubscriberSort | undefined;
  desc?: boolean | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  /** Keyset paging in address order: rows whose email_norm sorts after this one (address sort only). */
  after?: string | undefined;
}

/** Upper bound for a prefix range on a BINARY index: every string that starts with p sorts below it. */
export function prefixEnd(p: string): string {
  return `${p}\u{10FFFF}`;
}

/** A search, taken apart (see SubscriberQuery.search). */
export type ParsedSearch =
  | { kind: 'none' }
  /** `@domain`: the address has "@" + this text (addresses have one @, so: the domain starts with it). */
  | { kind: 'domain'; needle: string }
  /**
   * Words: an FTS5 expression over the words index (null when the text has no letter or digit, or has
   * an @), and an address prefix (null when the text has a space, which no address has).
   */
  | { kind: 'words'; match: string | null; listMatch: string | null; emailPrefix: string | null };

/** At most this many words of a search are used (a pasted paragraph must not build a huge query). */
const MAX_WORDS = 8;

/**
 * Takes a search apart. The FTS5 expression is built here, never from the text as typed: each word is
 * a run of letters, digits and marks, double-quoted (inside quotes FTS5 has no operators, and a run
 * has no quote), so quotes, `*`, `-`, `:`, `^`, parentheses, AND/OR/NOT/NEAR are plain text and can
 * neither fail a query nor change what it means.
 */
export function parseSearch(listId: number, text: string | undefined): ParsedSearch {
  const q = (text ?? '').trim().toLowerCase();
  if (!q) return { kind: 'none' };
  if (q.startsWith('@')) return { kind: 'domain', needle: q.replace(/\s+/gu, '') };
  const words = (q.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).slice(0, MAX_WORDS);
  const match =
    words.length && !q.includes('@') ? `words : (${words.map((w) => `"${w}" *`).join(' AND ')})` : null;
  // Restricted to the list inside the index, for counting without reading the table. Only counts use
  // it: intersecting with the list's own entry (every member) costs more than the table's list filter
  // does when rows are read anyway.
  const listMatch = match && `${match} AND list : "${listId}"`;
  // A text that is one word needs no address range: an address starting with it has a first word
  // starting with it, which the words index already finds.
  const oneWord = /^[\p{L}\p{N}\p{M}]+$/u.test(q);
  return { kind: 'words', match, listMatch, emailPrefix: oneWord || /\s/u.test(q) ? null : q };
}

/**
 * Above this many matches a page is read by walking the sort column's index and keeping the rows that
 * match (the first page of "Smith" in a million is found within a few thousand rows); at or below it,
 * the matches are read by id and sorted (a rare name is found without walking the list).
 */
const WALK_ABOVE = 2000;

/** One address in a list, by the unique (list_id, email_norm) index: imports, unsubscribes, the CLI. */
const HOT = { byEmail: 'SELECT * FROM subscribers WHERE list_id = ? AND email_norm = ?' };

export class SubscribersRepo {
  constructor(private readonly db: Db) {}

  statements(): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, HOT);
  }

  byId(id: number): SubscriberRow | undefined {
    const r = this.db.prepare('SELECT * FROM subscribers WHERE id = ?').get(id) as RawSubscriber | undefined;
    return r && toSubscriber(r);
  }

  byEmail(listId: number, emailNorm: string): SubscriberRow | undefined {
    const r = this.db.prepare(HOT.byEmail).get(listId, emailNorm) as RawSubscriber | undefined;
    return r && toSubscriber(r);
  }

  /** One page, in the chosen column's order (address by default). See test/unit/db/queryPlans.test.ts. */
  query(q: SubscriberQuery): SubscriberRow[] {
    const { sql, args } = this.pageSql(q);
    return (this.db.prepare(sql).all(...args) as RawSubscriber[]).map(toSubscriber);
  }

  /** How many rows match (without the page's limit, offset or keyset position). */
  count(q: SubscriberQuery): number {
    const { sql, args } = this.countSql(q);
    return (this.db.prepare(sql).get(...args) as { n: number }).n;
  }

  /** The filters every query shares: list, status, keyset position. */
  private base(q: SubscriberQuery, withAfter: boolean): { where: string[]; args: (string | number)[] } {
    const where = ['list_id = ?'];
    const args: (string | number)[] = [q.listId];
    if (q.status) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (withAfter && q.after !== undefined) {
      where.push('email_norm > ?');
      args.push(q.after);
    }
    return { where, args };
  }

  /** The ids of a word search's matches: the words index, and the address prefix. */
  private matchSet(
    listId: number,
    s: { match: string | null; emailPrefix: string | null },
  ): { sql: string; args: (string | number)[] } {
    const parts: string[] = [];
    const args: (string | number)[] = [];
    if (s.match) {
      parts.push('SELECT rowid FROM subscriber_search WHERE subscriber_search MATCH ?');
      args.push(s.match);
    }
    if (s.emailPrefix) {
      parts.push('SELECT id FROM subscribers WHERE list_id = ? AND email_norm >= ? AND email_norm < ?');
      args.push(listId, s.emailPrefix, prefixEnd(s.emailPrefix));
    }
    return { sql: parts.join(' UNION '), args };
  }

  /**
   * The ids a word search matches (every list, any status), or null when there are more than
   * WALK_ABOVE: that is all a plan is chosen by, so nothing past the threshold is read. The page of
   * few matches then reads these ids instead of asking the words index a second time: a word of the
   * address ("person" of "person.4242") can be in every row of the index, and is read whole each time
   * it is asked (~27 ms on 1,000,000 rows). The address range is read first: a few index pages, and
   * past the threshold the words are not read at all.
   */
  private fewMatches(
    listId: number,
    s: { match: string | null; emailPrefix: string | null },
  ): number[] | null {
    const ids = new Set<number>();
    const add = (rows: number[]) => {
      for (const id of rows) ids.add(id);
      return ids.size <= WALK_ABOVE;
    };
    if (
      s.emailPrefix &&
      !add(
        this.db
          .prepare(
            `SELECT id FROM subscribers WHERE list_id = ? AND email_norm >= ? AND email_norm < ? LIMIT ${WALK_ABOVE + 1}`,
          )
          .pluck()
          .all(listId, s.emailPrefix, prefixEnd(s.emailPrefix)) as number[],
      )
    )
      return null;
    if (
      s.match &&
      !add(
        this.db
          .prepare(
            `SELECT rowid FROM subscriber_search WHERE subscriber_search MATCH ? LIMIT ${WALK_ABOVE + 1}`,
          )
          .pluck()
          .all(s.match) as number[],
      )
    )
      return null;
    return [...ids];
  }

  /** The page query (exported for the query-plan tests). */
  pageSql(q: SubscriberQuery): { sql: string; args: (string | number)[] } {
    const sort = SORT_INDEX[q.sort ?? 'email'];
    const dir = q.desc ? ' DESC' : '';
    const orderBy = `ORDER BY ${sort.order.map((c) => c + dir).join(', ')} LIMIT ? OFFSET ?`;
    const paging = [q.limit ?? 100, q.offset ?? 0];
    const { where, args } = this.base(q, true);
    const s = parseSearch(q.listId, q.search);
    if (s.kind === 'none')
      return {
        sql: `SELECT * FROM subscribers WHERE ${where.join(' AND ')} ${orderBy}`,
        args: [...args, ...paging],
      };
    if (s.kind === 'domain')
      // Walk the sort column's index and keep addresses with "@domain…": in address order the index
      // holds the address, so no row is read until it matches.
      return {
        sql: `SELECT * FROM subscribers INDEXED BY ${sort.index} WHERE ${where.join(' AND ')} AND instr(email_norm, ?) > 0 ${orderBy}`,
        args: [...args, s.needle, ...paging],
      };
    if (!s.match && !s.emailPrefix)
      return { sql: `SELECT * FROM subscribers WHERE 0 ${orderBy}`, args: paging };
    const few = this.fewMatches(q.listId, s);
    if (!few) {
      const set = this.matchSet(q.listId, s);
      return {
        sql: `SELECT * FROM subscribers INDEXED BY ${sort.index} WHERE ${where.join(' AND ')} AND id IN (${set.sql}) ${orderBy}`,
        args: [...args, ...set.args, ...paging],
      };
    }
    // Few matches: read them by id (the unary + keeps SQLite from walking the list's index instead).
    return {
      sql: `SELECT * FROM subscribers WHERE id IN (SELECT value FROM json_each(?)) AND ${where.map((w) => `+${w}`).join(' AND ')} ${orderBy}`,
      args: [JSON.stringify(few), ...args, ...paging],
    };
  }

  /** The count query (exported for the query-plan tests). */
  countSql(q: SubscriberQuery): { sql: string; args: (string | number)[] } {
    const { where, args } = this.base(q, false);
    const s = parseSearch(q.listId, q.search);
    if (s.kind === 'none')
      return { sql: `SELECT count(*) AS n FROM subscribers WHERE ${where.join(' AND ')}`, args };
    if (s.kind === 'domain')
      return {
        sql: `SELECT count(*) AS n FROM subscribers INDEXED BY ${q.status ? 'subscribers_status' : 'subscribers_email'} WHERE ${where.join(' AND ')} AND instr(email_norm, ?) > 0`,
        args: [...args, s.needle],
      };
    if (!s.match && !s.emailPrefix) return { sql: 'SELECT 0 AS n', args: [] };
    // The words index knows the list: without a status filter it counts alone, without the table.
    if (!q.status && !s.emailPrefix)
      return {
        sql: 'SELECT count(*) AS n FROM subscriber_search WHERE subscriber_search MATCH ?',
        args: [s.listMatch!],
      };
    const set = this.matchSet(q.listId, { ...s, match: s.listMatch });
    if (!q.status) return { sql: `SELECT count(*) AS n FROM (${set.sql})`, args: set.args };
    return {
      sql: `SELECT count(*) AS n FROM subscribers WHERE id IN (${set.sql}) AND ${where.map((w) => `+${w}`).join(' AND ')}`,
      args: [...set.args, ...args],
    };
  }

  /**
   * Every row of a list in address order, without holding them all (export, backups). Read a chunk
   * at a time, each chunk whole: no statement stays open between two rows, so a caller may wait (for
   * the disk) between them while the engine goes on writing — better-sqlite3 refuses every write on
   * a connection with a read in progress ("This database connection is busy executing a query").
   * Each chunk sees the list as it is then: a row is met once at most, one added behind it not at all.
   */
  *iterate(listId: number): IterableIterator<SubscriberRow> {
    const first = this.db.prepare(
      `SELECT * FROM subscribers WHERE list_id = ? ORDER BY email_norm LIMIT ${ITERATE_CHUNK}`,
    );
    const next = this.db.prepare(
      `SELECT * FROM subscribers WHERE list_id = ? AND email_norm > ? ORDER BY email_norm LIMIT ${ITERATE_CHUNK}`,
    );
    let chunk = first.all(listId) as RawSubscriber[];
    while (chunk.length > 0) {
      const last = chunk[chunk.length - 1]!.email_norm;
      for (const r of chunk) yield toSubscriber(r);
      if (chunk.length < ITERATE_CHUNK) return;
      chunk = next.all(listId, last) as RawSubscriber[];
    }
  }

  /**
   * The merge field keys used by the next `limit` rows of the list after address `after` (null: from
   * the first), and the last address of those rows (null when there were none). A lossless export
   * needs every key any subscriber uses; read a chunk at a time, a million rows never hold the
   * engine's thread for the whole scan (1.5 s measured, in one piece).
   */
  mergeKeysAfter(
    listId: number,
    after: string | null,
    limit: number,
  ): { keys: string[]; last: string | null } {
    const r = this.db
      .prepare(
        `WITH chunk AS MATERIALIZED (
           SELECT email_norm, merge_fields FROM subscribers
            WHERE list_id = ? AND email_norm > ? ORDER BY email_norm LIMIT ?)
         SELECT (SELECT max(email_norm) FROM chunk) AS last,
                (SELECT json_group_array(DISTINCT j.key) FROM chunk, json_each(chunk.merge_fields) j) AS keys`,
      )
      .get(listId, after ?? '', limit) as { last: string | null; keys: string };
    return { keys: JSON.parse(r.keys) as string[], last: r.last };
  }

  /** Unsubscribes one membership. False when it was not subscribed or pending (nothing to do). */
  unsubscribe(id: number, reason: string, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE subscribers SET status = 'unsubscribed', status_reason = ?, status_changed_at = ?, updated_at = ?
           WHERE id = ? AND status IN ('subscribed', 'pending')`,
        )
        .run(reason, now, now, id).changes > 0
    );
  }

  setStatus(id: number, status: SubscriberStatus, reason: string | null, now: string): void {
    this.db
      .prepare(
        'UPDATE subscribers SET status = ?, status_reason = ?, status_changed_at = ?, updated_at = ? WHERE id = ?',
      )
      .run(status, reason, now, now, id);
  }

  /**
   * Events about one list membership, newest first: those naming its id (unsubscribes, a bounce's
   * "previous" statuses) and those naming its address (bounces, complaints, suppressions). The events
   * table is the timeline of actions, not of messages, so reading it through is bounded.
   */
  events(subscriberId: number, emailNorm: string, limit = 100): EventRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM events
           WHERE json_extract(data, '$.subscriberId') = ?
              OR lower(json_extract(data, '$.email')) = ?
              OR EXISTS (SELECT 1 FROM json_each(events.data, '$.emails') e WHERE lower(e.value) = ?)
              OR EXISTS (SELECT 1 FROM json_each(events.data, '$.previous') p
                         WHERE json_extract(p.value, '$.subscriberId') = ?)
           ORDER BY at DESC, id DESC LIMIT ?`,
        )
        .all(subscriberId, emailNorm, emailNorm, subscriberId, limit) as RawEvent[]
    ).map(toEvent);
  }

  /** What a subscriber was sent, newest first, with the campaign's and the provider's names. */
  deliveries(subscriberId: number, limit = 200): SubscriberDelivery[] {
    return this.db
      .prepare(
        `SELECT d.id, d.campaign_id AS campaignId, c.name AS campaignName, c.subject, d.state,
                p.name AS providerName, d.attempts, d.sent_at AS sentAt, d.updated_at AS updatedAt,
                d.smtp_code AS smtpCode, d.smtp_reply AS smtpReply, d.error_class AS errorClass
         FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
         LEFT JOIN providers p ON p.id = d.provider_id
         WHERE d.subscriber_id = ? ORDER BY coalesce(d.sent_at, d.updated_at) DESC, d.id DESC LIMIT ?`,
      )
      .all(subscriberId, limit) as SubscriberDelivery[];
  }
}

export interface SubscriberDelivery {
  id: number;
  campaignId: number;
  campaignName: string;
  subject: string;
  state: 'queued' | 'claimed' | 'sent' | 'failed_temp' | 'failed_perm' | 'skipped';
  providerName: string | null;
  attempts: number;
  sentAt: string | null;
  updatedAt: string;
  smtpCode: number | null;
  smtpReply: string | null;
  errorClass: string | null;
}
