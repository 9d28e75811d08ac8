/**
 * What the ESP sync writes: checkpoints (sync_state), ESP connections (providers of kind 'esp'), lists
 * linked to an ESP list, and members. The decisions (which status wins, what counts as a change) live
 * in mirror/esp/sync.ts; this file only reads and writes rows. Callers wrap a page in `transaction()`
 * so a page and its checkpoint commit together.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../connection';
import { toProvider, type ProviderHealth, type ProviderRow, type RawProvider } from './providers';
import type { SubscriberStatus } from '../../model/status';
import { prepareAll, type HotStatements } from './hot';
import { internalError } from '../../errors';

/** The columns of a member the sync compares and writes. */
export interface MemberFields {
  email: string;
  emailNorm: string;
  firstName: string;
  lastName: string;
  nameNorm: string;
  status: SubscriberStatus;
  statusChangedAt: string | null;
  statusReason: string | null;
  mergeFields: string;
  tags: string;
  extra: string;
  optinTime: string | null;
  optinIp: string | null;
  confirmTime: string | null;
  confirmIp: string | null;
  espId: string;
  espChangedAt: string | null;
}

export interface ExistingMember extends MemberFields {
  id: number;
}

interface RawMember {
  id: number;
  email: string;
  email_norm: string;
  first_name: string;
  last_name: string;
  name_norm: string;
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
  esp_id: string | null;
  esp_changed_at: string | null;
}

const MEMBER_COLS =
  'id, email, email_norm, first_name, last_name, name_norm, status, status_changed_at, status_reason, merge_fields, tags, extra, optin_time, optin_ip, confirm_time, confirm_ip, esp_id, esp_changed_at';

const toMember = (r: RawMember): ExistingMember => ({
  id: r.id,
  email: r.email,
  emailNorm: r.email_norm,
  firstName: r.first_name,
  lastName: r.last_name,
  nameNorm: r.name_norm,
  status: r.status,
  statusChangedAt: r.status_changed_at,
  statusReason: r.status_reason,
  mergeFields: r.merge_fields,
  tags: r.tags,
  extra: r.extra,
  optinTime: r.optin_time,
  optinIp: r.optin_ip,
  confirmTime: r.confirm_time,
  confirmIp: r.confirm_ip,
  espId: r.esp_id ?? '',
  espChangedAt: r.esp_changed_at,
});

/** SQLite's default limit on bound parameters is 32,766; stay far below it. */
const IN_CHUNK = 500;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** Every page of a sync looks its members up by address and by ESP id: subscribers_email, subscribers_esp. */
const HOT = {
  membersByEmail: (n: number) =>
    `SELECT ${MEMBER_COLS} FROM subscribers WHERE list_id = ? AND email_norm IN (${marks(n)})`,
  membersByEspId: (n: number) =>
    `SELECT ${MEMBER_COLS} FROM subscribers WHERE list_id = ? AND esp_id IN (${marks(n)})`,
};

export class EspSyncRepo {
  constructor(private readonly db: Db) {}

  /** `n`: how many addresses (or ESP ids) the IN list holds. */
  statements(n = 2): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, {
      membersByEmail: HOT.membersByEmail(n),
      membersByEspId: HOT.membersByEspId(n),
    });
  }

  private readonly cache = new Map<string, Statement<unknown[]>>();

  /** Prepared once per SQL text (preparing is most of the cost of a small statement). */
  private stmt(sql: string): Statement<unknown[]> {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- ESP connections -------------------------------------------------------------------------

  providers(): ProviderRow[] {
    return (
      this.stmt(`SELECT * FROM providers WHERE kind = 'esp' ORDER BY lower(name)`).all() as RawProvider[]
    ).map(toProvider);
  }

  providerByName(name: string): ProviderRow | undefined {
    const r = this.stmt(`SELECT * FROM providers WHERE kind = 'esp' AND lower(name) = lower(?)`).get(
      name.trim(),
    ) as RawProvider | undefined;
    return r && toProvider(r);
  }

  providerById(id: number): ProviderRow | undefined {
    const r = this.stmt(`SELECT * FROM providers WHERE kind = 'esp' AND id = ?`).get(id) as
      RawProvider | undefined;
    return r && toProvider(r);
  }

  /** Any provider (SMTP or ESP) already using this name? Names are unique across kinds. */
  nameTaken(name: string): boolean {
    return this.stmt('SELECT 1 FROM providers WHERE lower(name) = lower(?)').get(name.trim()) !== undefined;
  }

  createProvider(input: {
    name: string;
    type: string;
    config: Record<string, unknown>;
    secretRef: string;
    maxConnections: number;
    now: string;
  }): ProviderRow {
    const info = this.stmt(
      `INSERT INTO providers (name, kind, type, config, secret_ref, max_connections, created_at, updated_at)
         VALUES (?, 'esp', ?, ?, ?, ?, ?, ?)`,
    ).run(
      input.name.trim(),
      input.type,
      JSON.stringify(input.config),
      input.secretRef,
      input.maxConnections,
      input.now,
      input.now,
    );
    return this.providerById(Number(info.lastInsertRowid))!;
  }

  updateProvider(
    id: number,
    input: { config: Record<string, unknown>; secretRef: string; maxConnections: number; now: string },
  ): void {
    this.stmt(
      'UPDATE providers SET config = ?, secret_ref = ?, max_connections = ?, updated_at = ? WHERE id = ?',
    ).run(JSON.stringify(input.config), input.secretRef, input.maxConnections, input.now, id);
  }

  /** Returns true when the health actually changed. */
  setHealth(id: number, health: ProviderHealth, now: string): boolean {
    return (
      this.stmt('UPDATE providers SET health = ?, health_changed_at = ? WHERE id = ? AND health <> ?').run(
        health,
        now,
        id,
        health,
      ).changes > 0
    );
  }

  // ---- checkpoints -----------------------------------------------------------------------------

  checkpoint<T>(providerId: number, scope: string): T | undefined {
    const r = this.stmt('SELECT checkpoint FROM sync_state WHERE provider_id = ? AND scope = ?').get(
      providerId,
      scope,
    ) as { checkpoint: string } | undefined;
    return r ? (JSON.parse(r.checkpoint) as T) : undefined;
  }

  setCheckpoint(providerId: number, scope: string, checkpoint: unknown, now: string): void {
    this.stmt(
      `INSERT INTO sync_state (provider_id, scope, checkpoint, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (provider_id, scope) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`,
    ).run(providerId, scope, JSON.stringify(checkpoint), now);
  }

  checkpoints(providerId: number): { scope: string; checkpoint: unknown; updatedAt: string }[] {
    return (
      this.stmt(
        'SELECT scope, checkpoint, updated_at FROM sync_state WHERE provider_id = ? ORDER BY scope',
      ).all(providerId) as { scope: string; checkpoint: string; updated_at: string }[]
    ).map((r) => ({
      scope: r.scope,
      checkpoint: JSON.parse(r.checkpoint) as unknown,
      updatedAt: r.updated_at,
    }));
  }

  // ---- lists -----------------------------------------------------------------------------------

  listByEspId(
    providerId: number,
    espListId: string,
  ): { id: number; name: string; mergeFields: string } | undefined {
    return this.stmt(
      'SELECT id, name, merge_fields AS mergeFields FROM lists WHERE provider_id = ? AND esp_list_id = ?',
    ).get(providerId, espListId) as { id: number; name: string; mergeFields: string } | undefined;
  }

  listByName(name: string): { id: number; providerId: number | null; espListId: string | null } | undefined {
    return this.stmt(
      'SELECT id, provider_id AS providerId, esp_list_id AS espListId FROM lists WHERE lower(name) = lower(?)',
    ).get(name.trim()) as { id: number; providerId: number | null; espListId: string | null } | undefined;
  }

  createList(input: {
    name: string;
    providerId: number;
    espListId: string;
    mergeFields: string;
    now: string;
  }): number {
    const info = this.stmt(
      `INSERT INTO lists (name, provider_id, esp_list_id, merge_fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(input.name, input.providerId, input.espListId, input.mergeFields, input.now, input.now);
    return Number(info.lastInsertRowid);
  }

  /** Links an existing local list (e.g. imported from this ESP's CSV export) to the ESP list. */
  linkList(listId: number, providerId: number, espListId: string, now: string): void {
    this.stmt('UPDATE lists SET provider_id = ?, esp_list_id = ?, updated_at = ? WHERE id = ?').run(
      providerId,
      espListId,
      now,
      listId,
    );
  }

  setListMergeFields(listId: number, mergeFields: string, now: string): void {
    this.stmt('UPDATE lists SET merge_fields = ?, updated_at = ? WHERE id = ? AND merge_fields <> ?').run(
      mergeFields,
      now,
      listId,
      mergeFields,
    );
  }

  listsOfProvider(providerId: number): { id: number; name: string; espListId: string }[] {
    return this.stmt(
      'SELECT id, name, esp_list_id AS espListId FROM lists WHERE provider_id = ? AND esp_list_id IS NOT NULL ORDER BY id',
    ).all(providerId) as { id: number; name: string; espListId: string }[];
  }

  // ---- members ---------------------------------------------------------------------------------

  /** The list's rows for these addresses, keyed by email_norm. */
  membersByEmail(listId: number, emailNorms: string[]): Map<string, ExistingMember> {
    const out = new Map<string, ExistingMember>();
    for (let i = 0; i < emailNorms.length; i += IN_CHUNK) {
      const chunk = emailNorms.slice(i, i + IN_CHUNK);
      const rows = this.stmt(HOT.membersByEmail(chunk.length)).all(listId, ...chunk) as RawMember[];
      for (const r of rows) out.set(r.email_norm, toMember(r));
    }
    return out;
  }

  /** Rows with these ESP ids (a person who changed their address at the ESP keeps the ESP id). */
  membersByEspId(listId: number, espIds: string[]): Map<string, ExistingMember> {
    const out = new Map<string, ExistingMember>();
    for (let i = 0; i < espIds.length; i += IN_CHUNK) {
      const chunk = espIds.slice(i, i + IN_CHUNK);
      const rows = this.stmt(HOT.membersByEspId(chunk.length)).all(listId, ...chunk) as RawMember[];
      for (const r of rows) out.set(r.esp_id!, toMember(r));
    }
    return out;
  }

  insertMember(listId: number, m: MemberFields, source: string, seenAt: string | null, now: string): number {
    const info = this.stmt(`${MEMBER_INSERT} ${MEMBER_VALUES}`).run(
      memberArgs(listId, m, source, seenAt, now),
    );
    return Number(info.lastInsertRowid);
  }

  /**
   * Inserts many new members as multi-row INSERTs of up to INSERT_BATCH rows: one statement per batch
   * instead of one per row, prepared once. The values every row shares (list, source, times) are bound
   * once per statement rather than once per row (17 values per row instead of 22: binding strings is
   * a large part of an insert's cost). A row whose address the list already has fails the whole
   * statement (unique index), so the caller's transaction rolls back as a whole.
   */
  insertMembers(
    listId: number,
    ms: MemberFields[],
    source: string,
    seenAt: string | null,
    now: string,
  ): void {
    const args = this.sharedArgs(listId, source, seenAt, now);
    let k = SHARED_ARGS;
    let rows = 0;
    for (const m of ms) {
      k = putMemberRow(args, k, m);
      if (++rows === INSERT_BATCH) {
        this.stmt(bulkInsertSql(INSERT_BATCH)).run(args);
        k = SHARED_ARGS;
        rows = 0;
      }
    }
    if (rows > 0) this.stmt(bulkInsertSql(rows)).run(args.slice(0, k));
  }

  /**
   * insertMembers for rows already laid out by `memberRows` (what a sync's writer thread receives:
   * one flat array crosses threads far cheaper than objects).
   */
  insertMemberRows(
    listId: number,
    flat: readonly unknown[],
    source: string,
    seenAt: string | null,
    now: string,
  ): void {
    if (flat.length % ROW_ARGS !== 0)
      throw internalError(`A group of member rows has ${flat.length} values, not a multiple of ${ROW_ARGS}.`);
    const args = this.sharedArgs(listId, source, seenAt, now);
    const per = INSERT_BATCH * ROW_ARGS;
    for (let i = 0; i < flat.length; i += per) {
      const n = Math.min(per, flat.length - i);
      for (let j = 0; j < n; j++) args[SHARED_ARGS + j] = flat[i + j];
      const rows = n / ROW_ARGS;
      this.stmt(bulkInsertSql(rows)).run(rows === INSERT_BATCH ? args : args.slice(0, SHARED_ARGS + n));
    }
  }

  private sharedArgs(listId: number, source: string, seenAt: string | null, now: string): unknown[] {
    const args = this.insertArgs;
    args[0] = listId;
    args[1] = source;
    args[2] = seenAt;
    args[3] = now;
    return args;
  }

  /** Reused for every batch (the insert is synchronous, so one buffer per repository is enough). */
  private readonly insertArgs: unknown[] = new Array(SHARED_ARGS + INSERT_BATCH * ROW_ARGS);

  /**
   * True when the list has no member and no pending push-back: a first full pass into it has nothing
   * local to compare against or protect, so it may insert without looking rows up.
   */
  listIsEmpty(listId: number): boolean {
    return (
      (
        this.stmt(
          `SELECT NOT EXISTS (SELECT 1 FROM subscribers WHERE list_id = ?)
            AND NOT EXISTS (SELECT 1 FROM esp_pushback WHERE list_id = ? AND state = 'pending') AS empty`,
        ).get(listId, listId) as { empty: number }
      ).empty === 1
    );
  }

  updateMember(id: number, m: MemberFields, now: string): void {
    this.stmt(
      `UPDATE subscribers SET email = @email, email_norm = @emailNorm, first_name = @firstName,
           last_name = @lastName, name_norm = @nameNorm, status = @status, status_changed_at = @statusChangedAt,
           status_reason = @statusReason, merge_fields = @mergeFields, tags = @tags, extra = @extra,
           optin_time = @optinTime, optin_ip = @optinIp, confirm_time = @confirmTime, confirm_ip = @confirmIp,
           esp_id = @espId, esp_changed_at = @espChangedAt, updated_at = @now
         WHERE id = @id`,
    ).run({ ...memberBinds(m), now, id });
  }

  markSeen(ids: number[], seenAt: string): void {
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      this.stmt(`UPDATE subscribers SET esp_seen_at = ? WHERE id IN (${chunk.map(() => '?').join(',')})`).run(
        seenAt,
        ...chunk,
      );
    }
  }

  /**
   * After a complete full pass that started at `passStart`: members the ESP no longer returned are
   * archived (they were deleted there). Only sendable/pending rows move; stricter statuses stay.
   * Rows never seen by any pass (added locally, e.g. from a CSV) are left alone.
   */
  archiveUnseen(listId: number, passStart: string, now: string): number {
    return this.stmt(
      `UPDATE subscribers SET status = 'archived', status_reason = 'no longer at the ESP',
           status_changed_at = ?, updated_at = ?
         WHERE list_id = ? AND esp_seen_at IS NOT NULL AND esp_seen_at < ? AND status IN ('subscribed', 'pending')`,
    ).run(now, now, listId, passStart).changes;
  }

  /** Adds a global suppression; an existing one is kept. True when added. */
  addSuppression(
    emailNorm: string,
    reason: 'bounced' | 'complained' | 'cleaned',
    source: string,
    now: string,
  ): boolean {
    return (
      this.stmt(
        'INSERT INTO suppressions (email_norm, reason, source, detail, created_at) VALUES (?, ?, ?, NULL, ?) ON CONFLICT (email_norm) DO NOTHING',
      ).run(emailNorm, reason, source, now).changes > 0
    );
  }
}

const MEMBER_INSERT = `INSERT INTO subscribers (list_id, email, email_norm, first_name, last_name, name_norm, status,
    status_changed_at, status_reason, merge_fields, tags, extra, optin_time, optin_ip, confirm_time,
    confirm_ip, esp_id, esp_changed_at, source, esp_seen_at, created_at, updated_at) VALUES`;
const MEMBER_VALUES = `(${Array.from({ length: 22 }, () => '?').join(', ')})`;

/** Rows per multi-row INSERT (4 + 100 × 17 = 1,704 bound values, far below SQLite's limit). */
const INSERT_BATCH = 100;
/** Values bound once per statement: list id, source, esp_seen_at, now (created_at and updated_at). */
const SHARED_ARGS = 4;
/** Values bound per row, in bulkInsertSql's VALUES order. */
const ROW_ARGS = 17;

const bulkSql = new Map<number, string>();

/**
 * INSERT … SELECT of `rows` rows: the shared values come from a one-row CTE, each row's own values
 * from a VALUES list (whose columns SQLite names column1, column2 …).
 */
function bulkInsertSql(rows: number): string {
  let sql = bulkSql.get(rows);
  if (!sql) {
    const row = `(${Array.from({ length: ROW_ARGS }, () => '?').join(', ')})`;
    const v = (i: number) => `v.column${i}`;
    sql = `WITH c (list_id, source, seen_at, now) AS (SELECT ?, ?, ?, ?)
      INSERT INTO subscribers (list_id, email, email_norm, first_name, last_name, name_norm, status,
          status_changed_at, status_reason, merge_fields, tags, extra, optin_time, optin_ip, confirm_time,
          confirm_ip, esp_id, esp_changed_at, source, esp_seen_at, created_at, updated_at)
        SELECT c.list_id, ${Array.from({ length: ROW_ARGS }, (_, i) => v(i + 1)).join(', ')},
            c.source, c.seen_at, c.now, c.now
          FROM (VALUES ${Array.from({ length: rows }, () => row).join(', ')}) AS v, c`;
    bulkSql.set(rows, sql);
  }
  return sql;
}

/** The bound values of one member row, in MEMBER_INSERT's column order. */
function memberArgs(
  listId: number,
  m: MemberFields,
  source: string,
  seenAt: string | null,
  now: string,
): unknown[] {
  const args: unknown[] = [listId];
  putMemberRow(args, 1, m);
  args.push(source, seenAt, now, now);
  return args;
}

/**
 * Writes a member's own ROW_ARGS values into `args` from `k` on, in the column order every member
 * statement shares (email … confirm_ip, esp_id, esp_changed_at); returns the next free index.
 */
/** Exactly the member's columns, by name (an ExistingMember carries its id too). */
function memberBinds(m: MemberFields): MemberFields {
  return {
    email: m.email,
    emailNorm: m.emailNorm,
    firstName: m.firstName,
    lastName: m.lastName,
    nameNorm: m.nameNorm,
    status: m.status,
    statusChangedAt: m.statusChangedAt,
    statusReason: m.statusReason,
    mergeFields: m.mergeFields,
    tags: m.tags,
    extra: m.extra,
    optinTime: m.optinTime,
    optinIp: m.optinIp,
    confirmTime: m.confirmTime,
    confirmIp: m.confirmIp,
    espId: m.espId,
    espChangedAt: m.espChangedAt,
  };
}

/** Members laid out for insertMemberRows: each one's values in bulkInsertSql's order, end to end. */
export function memberRows(ms: readonly MemberFields[]): unknown[] {
  const flat: unknown[] = new Array(ms.length * ROW_ARGS);
  let k = 0;
  for (const m of ms) k = putMemberRow(flat, k, m);
  return flat;
}

function putMemberRow(args: unknown[], k: number, m: MemberFields): number {
  args[k++] = m.email;
  args[k++] = m.emailNorm;
  args[k++] = m.firstName;
  args[k++] = m.lastName;
  args[k++] = m.nameNorm;
  args[k++] = m.status;
  args[k++] = m.statusChangedAt;
  args[k++] = m.statusReason;
  args[k++] = m.mergeFields;
  args[k++] = m.tags;
  args[k++] = m.extra;
  args[k++] = m.optinTime;
  args[k++] = m.optinIp;
  args[k++] = m.confirmTime;
  args[k++] = m.confirmIp;
  args[k++] = m.espId;
  args[k++] = m.espChangedAt;
  return k;
}
