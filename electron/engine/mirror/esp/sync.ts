/**
 * The ESP sync: lists → local lists, members page by page, scheduled campaigns → campaigns.
 *
 * - Each member page is applied in ONE transaction together with its checkpoint (sync_state, scope
 *   `members:<esp list id>`), so a sync interrupted at page 400 of 1,000 resumes at 400 and never
 *   leaves half a page applied.
 * - Offset-paged APIs (capabilities.parallelPages) have up to `maxConnections` pages in flight while
 *   pages are still applied strictly in order (the checkpoint only ever moves over applied pages).
 * - After a first full pass, passes are incremental (changed since the ESP's clock at the start of the
 *   previous pass, minus an overlap), and each pass is followed by one changed-since pass so a member
 *   changed while we paged is not left stale. Where the API has no such filter, a full pass that writes
 *   only differences.
 * - The ESP is the source of truth for its members, EXCEPT that a local unsubscribe, bounce or
 *   complaint not yet pushed back (or newer than the ESP's own change) is never overwritten by an older
 *   "subscribed": a lost unsubscribe is one of the three things that must never happen.
 * - After a complete full pass, members the ESP no longer returns are archived (deleted there).
 */
import type { Engine } from '../../engine';
import { CancelledError } from '../../errors';
import { checkEmail } from '../email';
import {
  STATUS_RANK,
  SUBSCRIBER_STATUSES,
  suppressesGlobally,
  type SubscriberStatus,
} from '../../model/status';
import { emptyStatusCounts } from '../../db/repos/lists';
import type { ExistingMember, MemberFields } from '../../db/repos/espSync';
import type { ProviderRow } from '../../db/repos/providers';
import type { PushBackKindRow } from '../../db/repos/espPushback';
import { connectionsFor, openConnector } from './connections';
import { eitherSignal } from './http';
import { pushBack } from './pushback';
import { recordDiscrepancy, runObligations } from './custody';
import { recordSuppressionsAdded, type AddedSuppression } from '../suppressions';
import { memberRows } from '../../db/repos/espSync';
import { MemberWriter, WriterError, type SuppressReason, type WriteGroup, type WriteResult } from './writer';
import { AUDIENCE_EVENTS, type SyncAudiences } from '../../api/audience';
import type { SyncProgress, SyncSummary } from '../../api/esp';
import type {
  EspAudience,
  EspCampaign,
  EspConnector,
  EspList,
  EspMergeFieldDef,
  EspMember,
  MemberCursor,
  MemberPage,
} from './types';
import { plural } from '../../api/words';

/** Re-read this much before the previous pass's start (clock granularity, ESP replication lag). */
const SINCE_OVERLAP_MS = 60_000;

/**
 * Pages that have already arrived are applied together, in one transaction with the checkpoint of the
 * last of them: one commit (one fsync at synchronous=FULL) per group instead of per page. Bounded so a
 * transaction never holds the write lock for long.
 */
const MAX_PAGES_PER_COMMIT = 10;
const MAX_MEMBERS_PER_COMMIT = 10_000;

/** Progress and result of a sync: the `sync.progress` channel's payload and the call's output. */
export type { SyncProgress, SyncSummary };
export type MemberCounts = SyncSummary['members'];

export interface SyncOptions {
  /** One connection by name; default every enabled ESP connection. */
  esp?: string | undefined;
  /** Ignore incremental checkpoints: a full pass (that still resumes an interrupted one). */
  full?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: SyncProgress) => void) | undefined;
  /**
   * A first full pass into an empty list of at least this many members (as the ESP counts them) is
   * written on a thread of its own (writer.ts). Default WRITER_FROM_MEMBERS; tests lower it.
   */
  writerFrom?: number | undefined;
}

/**
 * From this size a first pass is written by the writer thread. Measured (bench:sync, same runs): on
 * 1,000,000 members it is 1.12–1.26× faster at 250 ms pages and keeps the engine thread free for
 * minutes; on 100,000 its gain is inside the machine's noise at 250 ms (0.97–1.24×) and at 1 s pages
 * it is slower (0.92×: the last groups are written after the last page arrives, and the thread's own
 * start and its cold page cache are paid), so smaller lists keep the engine thread writing.
 */
export const WRITER_FROM_MEMBERS = 200_000;
/** Groups handed to the writer and not yet written: enough to keep it busy, few enough to hold. */
const WRITES_AHEAD = 2;

/** The checkpoint of one list's member stream. */
interface MemberCheckpoint {
  /** The pass in progress (null when none). */
  pass: {
    mode: 'full' | 'incremental';
    since: string | null;
    cursor: MemberCursor | null;
    /** Our clock when the pass started (esp_seen_at marks of a full pass are compared to it). */
    startedAt: string;
    /** The ESP's clock at the start of the pass: the next pass's changed-since. */
    espStart: string;
    pages: number;
    followUp: boolean;
  } | null;
  /** changed-since for the next pass: the ESP's clock at the start of the last complete pass. */
  nextSince: string | null;
  lastCompleteAt: string | null;
  lastFullAt: string | null;
}

function emptyCounts(): MemberCounts {
  return {
    added: 0,
    updated: 0,
    unchanged: 0,
    keptLocal: 0,
    archived: 0,
    invalid: 0,
    byStatus: emptyStatusCounts(),
  };
}

/** What one group of pages did (added to the sync's counts once its transaction committed). */
interface PageCounts {
  added: number;
  updated: number;
  unchanged: number;
  keptLocal: number;
  archived: number;
}

function emptyPageCounts(): PageCounts {
  return { added: 0, updated: 0, unchanged: 0, keptLocal: 0, archived: 0 };
}

/** A member with a valid address, and the columns it maps to. */
interface ValidMember {
  m: EspMember;
  fields: MemberFields;
}

/** A group handed to the writer thread, kept until it is written (to write it here if it is not). */
interface PendingWrite {
  listId: number;
  list: EspList;
  scope: string;
  pages: MemberPage[];
  /** The checkpoint as it was before this group. */
  before: MemberCheckpoint;
  done: Promise<void>;
}

/**
 * A first full pass into a list that was empty when it started (in this process): the addresses and
 * ESP ids it has written so far, so a member met for the first time is inserted without a lookup.
 */
interface FreshPass {
  listId: number;
  norms: Set<string>;
  espIds: Set<string>;
}

const PUSH_KIND: Partial<Record<SubscriberStatus, PushBackKindRow>> = {
  unsubscribed: 'unsubscribe',
  bounced: 'bounce',
  cleaned: 'bounce',
  complained: 'complaint',
};

/** Statuses a local action may have set and the ESP must learn about. */
const LOCAL_STRICT: ReadonlySet<SubscriberStatus> = new Set([
  'unsubscribed',
  'bounced',
  'cleaned',
  'complained',
]);

function fieldsOf(m: EspMember, emailNorm: string, email: string): MemberFields {
  const first = m.firstName ?? '';
  const last = m.lastName ?? '';
  return {
    email,
    emailNorm,
    firstName: first,
    lastName: last,
    nameNorm: `${first} ${last}`.trim().toLowerCase(),
    status: m.status,
    statusChangedAt: m.statusChangedAt ?? m.changedAt ?? null,
    statusReason: m.statusReason ?? null,
    mergeFields: sortedJson(m.mergeFields),
    tags: JSON.stringify(m.tags),
    extra: m.extra ? sortedJson(m.extra) : '{}',
    optinTime: m.optinTime ?? null,
    optinIp: m.optinIp ?? null,
    confirmTime: m.confirmTime ?? null,
    confirmIp: m.confirmIp ?? null,
    espId: m.espId,
    espChangedAt: m.changedAt,
  };
}

/** The members of some pages with a valid address, mapped to their row; the invalid ones counted. */
function validMembers(pages: readonly MemberPage[]): { valid: ValidMember[]; invalid: number } {
  const valid: ValidMember[] = [];
  let invalid = 0;
  for (const page of pages)
    for (const m of page.members) {
      const c = checkEmail(m.email);
      if (c.ok) valid.push({ m, fields: fieldsOf(m, c.norm, c.email) });
      else invalid++;
    }
  return { valid, invalid };
}

/** Moves a pass's checkpoint past these pages (and closes the pass after its last page). */
function advance(cp: MemberCheckpoint, pages: readonly MemberPage[], now: string): void {
  const pass = cp.pass!;
  const last = pages[pages.length - 1]!;
  pass.pages += pages.length;
  pass.cursor = last.next;
  if (last.next === null) {
    cp.nextSince = pass.espStart;
    cp.lastCompleteAt = now;
    if (pass.mode === 'full') cp.lastFullAt = now;
    cp.pass = null;
  }
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** JSON with sorted keys (so equal maps compare equal as text); most maps arrive sorted already. */
function sortedJson(o: Record<string, string>): string {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return JSON.stringify(sortKeys(o));
  return JSON.stringify(o);
}

const COMPARED: (keyof MemberFields)[] = [
  'email',
  'emailNorm',
  'firstName',
  'lastName',
  'status',
  'statusReason',
  'mergeFields',
  'tags',
  'extra',
  'optinTime',
  'optinIp',
  'confirmTime',
  'confirmIp',
  'espId',
  'espChangedAt',
];

export interface MemberDecision {
  fields: MemberFields;
  /** The local status was kept over the ESP's (and must be pushed back). */
  keptLocal: boolean;
  changed: boolean;
}

/**
 * The rule for one member the ESP returned, given our row. Pure, so it is unit-tested on its own.
 * `pendingPush`: a push-back of this address is still queued.
 */
export function decideMember(
  existing: ExistingMember | undefined,
  incoming: MemberFields,
  pendingPush: boolean,
): MemberDecision {
  if (!existing) return { fields: incoming, keptLocal: false, changed: true };
  const fields: MemberFields = { ...incoming };
  let keptLocal = false;
  if (existing.status !== incoming.status) {
    const localStricter = STATUS_RANK[existing.status] > STATUS_RANK[incoming.status];
    // The local change is newer than anything the ESP knows (or the ESP gave no time): keep it.
    const localNewer =
      existing.statusChangedAt !== null &&
      (incoming.espChangedAt === null || existing.statusChangedAt > incoming.espChangedAt);
    if (LOCAL_STRICT.has(existing.status) && localStricter && (pendingPush || localNewer)) {
      fields.status = existing.status;
      fields.statusReason = existing.statusReason;
      fields.statusChangedAt = existing.statusChangedAt;
      keptLocal = true;
    }
  } else {
    // Same status: keep when it changed locally; the ESP's time is informative only.
    fields.statusChangedAt = existing.statusChangedAt ?? incoming.statusChangedAt;
  }
  const changed = COMPARED.some((k) => existing[k] !== fields[k]);
  return { fields, keptLocal, changed };
}

function mergeDefsJson(list: EspList, existingJson: string | undefined): string {
  const esp = list.mergeFields.map((d) => ({
    tag: d.tag,
    name: d.name,
    type: d.type,
    ...(d.required !== undefined ? { required: d.required } : {}),
    ...(d.defaultValue ? { defaultValue: d.defaultValue } : {}),
    ...(d.options ? { options: d.options } : {}),
    ...(d.espId ? { espId: d.espId } : {}),
  }));
  // Keep definitions we had that the ESP does not list (from a CSV import): nothing is dropped.
  const tags = new Set(esp.map((d) => d.tag.toUpperCase()));
  const prev = existingJson ? (JSON.parse(existingJson) as { tag: string }[]) : [];
  return JSON.stringify([...esp, ...prev.filter((d) => !tags.has(String(d.tag).toUpperCase()))]);
}

class ProviderSync {
  readonly counts = emptyCounts();
  pages = 0;
  listsAdded = 0;
  modes = new Set<'full' | 'incremental'>();
  resumed = false;
  /** Set while a first full pass fills an empty list (see applyMembers). */
  private fresh: FreshPass | null = null;
  /** The writer thread of a large first pass (writer.ts), and the groups it has not answered yet. */
  private writer: MemberWriter | null = null;
  private writes: PendingWrite[] = [];
  /**
   * The follow-up pass's first page, asked for as soon as the pass before it had asked for its last
   * page (its changed-since is known from that pass's start), so its round trip overlaps the writing
   * of the last pages instead of following it. Used by that follow-up only; cancelled otherwise.
   */
  private early: {
    listId: number;
    since: string;
    espStart: string;
    startedAt: string;
    first: Promise<MemberPage>;
    stop: AbortController;
  } | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly provider: ProviderRow,
    private readonly connector: EspConnector,
    private readonly opts: SyncOptions,
  ) {}

  private checkCancel(): void {
    if (this.opts.signal?.aborted)
      throw new CancelledError(
        'The sync',
        'Every page applied before the cancel is kept; the next sync resumes there.',
      );
  }

  private progress(p: Omit<SyncProgress, 'provider'>): void {
    const full = { provider: this.provider.name, ...p };
    this.opts.onProgress?.(full);
    this.engine.bus.emit('sync.progress', full);
  }

  /** The local list for an ESP list: linked, adopted by name, or created. */
  ensureList(list: EspList): number {
    const sync = this.engine.repos.espSync;
    const now = this.engine.now();
    return sync.transaction(() => {
      const linked = sync.listByEspId(this.provider.id, list.espListId);
      if (linked) {
        sync.setListMergeFields(linked.id, mergeDefsJson(list, linked.mergeFields), now);
        return linked.id;
      }
      const byName = sync.listByName(list.name);
      if (byName && byName.providerId === null) {
        // A list imported from this ESP's CSV export before connecting: adopt it.
        sync.linkList(byName.id, this.provider.id, list.espListId, now);
        const adopted = sync.listByEspId(this.provider.id, list.espListId)!;
        sync.setListMergeFields(adopted.id, mergeDefsJson(list, adopted.mergeFields), now);
        return adopted.id;
      }
      let name = list.name.trim() || list.espListId;
      if (byName) name = `${name} (${this.provider.name})`;
      for (let i = 2; sync.listByName(name); i++) name = `${list.name} (${this.provider.name} ${i})`;
      this.listsAdded++;
      return sync.createList({
        name,
        providerId: this.provider.id,
        espListId: list.espListId,
        mergeFields: mergeDefsJson(list, undefined),
        now,
      });
    });
  }

  /**
   * Applies pages (consecutive, in order) and moves the checkpoint past the last of them, all in one
   * transaction: a page is never half-applied, and the checkpoint never passes a page not applied.
   */
  applyPages(listId: number, list: EspList, pages: MemberPage[], cp: MemberCheckpoint, scope: string): void {
    const sync = this.engine.repos.espSync;
    const now = this.engine.now();
    const pass = cp.pass!;
    // Everything that needs no database is done before the write lock is taken.
    const { valid, invalid } = validMembers(pages);
    const write = (local: PageCounts) =>
      sync.transaction(() => {
        const added: AddedSuppression[] = [];
        this.applyMembers(listId, list, valid, pass.mode === 'full', local, now, added);
        recordSuppressionsAdded(this.engine, added, {
          source: `esp:${this.connector.kind}`,
          how: `as ${this.provider.name} has it, synced into "${list.name}"`,
          listId,
          providerId: this.provider.id,
        });
        const last = pages[pages.length - 1]!;
        if (last.next === null && pass.mode === 'full')
          local.archived = sync.archiveUnseen(listId, pass.startedAt, now);
        advance(cp, pages, now);
        sync.setCheckpoint(this.provider.id, scope, cp, now);
      });
    let local = emptyPageCounts();
    try {
      write(local);
    } catch (e) {
      // The fast first-pass path met an address already in the list (written by someone else since the
      // pass started): nothing of these pages was kept. Apply them again, every row looked up.
      if (!this.fresh || (e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') {
        this.fresh = null;
        throw e;
      }
      this.fresh = null;
      local = emptyPageCounts();
      write(local);
    }
    this.count(pages.length, local, invalid);
  }

  private count(pages: number, local: PageCounts, invalid: number): void {
    this.pages += pages;
    this.counts.added += local.added;
    this.counts.updated += local.updated;
    this.counts.unchanged += local.unchanged;
    this.counts.keptLocal += local.keptLocal;
    this.counts.archived += local.archived;
    this.counts.invalid += invalid;
  }

  /**
   * applyPages through the writer thread when it can take the group — a large first pass, every
   * member new to it — else on this thread, once the writer has written what it was given. Returns
   * once the group is handed over (at most WRITES_AHEAD groups wait for the writer).
   */
  async applyGroup(
    listId: number,
    list: EspList,
    pages: MemberPage[],
    cp: MemberCheckpoint,
    scope: string,
  ): Promise<void> {
    const fresh = this.fresh;
    const writer = this.writer;
    if (writer && fresh?.listId === listId) {
      const { valid, invalid } = validMembers(pages);
      const norms = new Set<string>();
      const espIds = new Set<string>();
      const allNew = valid.every(({ fields: f }) => {
        if (fresh.norms.has(f.emailNorm) || norms.has(f.emailNorm)) return false;
        if (f.espId !== '' && (fresh.espIds.has(f.espId) || espIds.has(f.espId))) return false;
        norms.add(f.emailNorm);
        if (f.espId !== '') espIds.add(f.espId);
        return true;
      });
      if (allNew) {
        for (const n of norms) fresh.norms.add(n);
        for (const e of espIds) fresh.espIds.add(e);
        const now = this.engine.now();
        const pass = cp.pass!;
        const before = structuredClone(cp);
        const full = pass.mode === 'full';
        const archiveBefore = pages[pages.length - 1]!.next === null && full ? pass.startedAt : null;
        advance(cp, pages, now);
        const fields = valid.map((v) => v.fields);
        const group: WriteGroup = {
          listId,
          rows: memberRows(fields),
          source: `esp:${this.connector.kind}`,
          seenAt: full ? now : null,
          now,
          suppress: fields
            .filter((f) => suppressesGlobally(f.status))
            .map((f): [string, SuppressReason] => [f.emailNorm, f.status as SuppressReason]),
          checkpoint: { providerId: this.provider.id, scope, value: cp },
          archiveBefore,
        };
        const done = writer
          .write(group)
          .then((r) => this.written(list, listId, pages.length, valid.length, invalid, r));
        done.catch(() => undefined); // observed by settle
        this.writes.push({ listId, list, scope, pages, before, done });
        await this.settle(cp, WRITES_AHEAD);
        return;
      }
    }
    await this.settle(cp, 0);
    this.applyPages(listId, list, pages, cp, scope);
  }

  /** What applyPages does after its transaction, for a group the writer wrote. */
  private written(
    list: EspList,
    listId: number,
    pages: number,
    added: number,
    invalid: number,
    r: WriteResult,
  ): void {
    const local = emptyPageCounts();
    local.added = added;
    local.archived = r.archived;
    this.count(pages, local, invalid);
    recordSuppressionsAdded(
      this.engine,
      r.added.map(([email, reason]) => ({ email, reason, detail: null, previous: [] })),
      {
        source: `esp:${this.connector.kind}`,
        how: `as ${this.provider.name} has it, synced into "${list.name}"`,
        listId,
        providerId: this.provider.id,
      },
    );
  }

  /**
   * Waits until at most `ahead` groups are with the writer. A group it could not write because an
   * address turned up in the list meanwhile (someone added it while the pass ran), or because the
   * thread itself failed, is written here instead, with every row looked up, and so is every group
   * after it; the checkpoint is put back to where that group began. A SQLite error of the write itself
   * (a full disk) fails the sync as it would on this thread.
   */
  private async settle(cp: MemberCheckpoint, ahead: number): Promise<void> {
    while (this.writes.length > ahead) {
      const first = this.writes[0]!;
      try {
        await first.done;
        this.writes.shift();
      } catch (e) {
        const failed = this.writes.splice(0);
        await Promise.allSettled(failed.map((w) => w.done));
        const code = e instanceof WriterError ? e.code : null;
        if (code?.startsWith('SQLITE_') && code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        this.fresh = null;
        this.writer = null;
        Object.assign(cp, first.before);
        for (const w of failed) this.applyPages(w.listId, w.list, w.pages, cp, w.scope);
      }
    }
  }

  /**
   * Writes the members of a group of pages (inside the caller's transaction). Each suppression it adds
   * goes to `added`, with the status the member's row had before when this sync changed it.
   */
  private applyMembers(
    listId: number,
    list: EspList,
    valid: ValidMember[],
    full: boolean,
    local: PageCounts,
    now: string,
    added: AddedSuppression[],
  ): void {
    const { espSync: sync, espPushback: pushback } = this.engine.repos;
    const source = `esp:${this.connector.kind}`;
    const suppress = (norm: string, status: string, before?: { id: number; status: string }) => {
      if (!suppressesGlobally(status)) return;
      const reason = status as 'bounced' | 'complained' | 'cleaned';
      if (!sync.addSuppression(norm, reason, source, now)) return;
      const previous =
        before && before.id !== -1 && before.status !== status
          ? [{ subscriberId: before.id, status: before.status }]
          : [];
      added.push({ email: norm, reason, detail: null, previous });
    };
    let rest = valid;
    const fresh = this.fresh;
    if (fresh && fresh.listId === listId) {
      // First full pass into an empty list: a member not met before in this pass cannot have a local
      // row, a pending push-back or a moved address, so it is inserted as the ESP has it (what
      // decideMember answers for a member without a row). Members met again (an address seen twice
      // while the ESP's order shifted, or an ESP id under a new address) take the full path below,
      // after these inserts so they find the rows.
      rest = [];
      const inserts: MemberFields[] = [];
      for (const v of valid) {
        const f = v.fields;
        if (fresh.norms.has(f.emailNorm) || (f.espId !== '' && fresh.espIds.has(f.espId))) {
          rest.push(v);
          continue;
        }
        fresh.norms.add(f.emailNorm);
        if (f.espId !== '') fresh.espIds.add(f.espId);
        inserts.push(f);
        suppress(f.emailNorm, f.status);
      }
      if (inserts.length) sync.insertMembers(listId, inserts, source, full ? now : null, now);
      local.added += inserts.length;
      if (!rest.length) return;
    }
    const norms = rest.map((v) => v.fields.emailNorm);
    const existing = sync.membersByEmail(listId, norms);
    const pending = pushback.pendingEmails(listId, norms);
    // Same person, new address at the ESP: follow the ESP id.
    const missing = rest.filter((v) => !existing.has(v.fields.emailNorm)).map((v) => v.m.espId);
    const byEspId = missing.length ? sync.membersByEspId(listId, missing) : new Map<string, ExistingMember>();
    const seen: number[] = [];
    const inserts: MemberFields[] = [];
    const insertAt = new Map<string, number>();
    for (const v of rest) {
      const { m } = v;
      const norm = v.fields.emailNorm;
      let row = existing.get(norm);
      if (!row) {
        const moved = byEspId.get(m.espId);
        if (moved && !existing.has(moved.emailNorm)) row = moved;
      }
      const d = decideMember(row, v.fields, pending.has(norm) || (row ? pending.has(row.emailNorm) : false));
      if (!row) {
        insertAt.set(norm, inserts.length);
        inserts.push(d.fields);
        existing.set(norm, { id: -1, ...d.fields });
        local.added++;
      } else if (row.id === -1) {
        // Met again in the same group of pages, before its row is written: the later one wins.
        inserts[insertAt.get(norm)!] = d.fields;
        existing.set(norm, { id: -1, ...d.fields });
        if (d.changed) local.updated++;
        else local.unchanged++;
      } else {
        if (d.changed) {
          sync.updateMember(row.id, d.fields, now);
          local.updated++;
        } else local.unchanged++;
        if (full) seen.push(row.id);
      }
      if (d.keptLocal) {
        local.keptLocal++;
        const kind = PUSH_KIND[d.fields.status];
        if (
          kind &&
          !pushback.queuedSince(this.provider.id, list.espListId, norm, kind, d.fields.statusChangedAt ?? '')
        ) {
          pushback.enqueue(
            {
              providerId: this.provider.id,
              listId,
              espListId: list.espListId,
              email: d.fields.email,
              emailNorm: norm,
              espMemberId: m.espId,
              kind,
              detail: d.fields.statusReason,
              happenedAt: d.fields.statusChangedAt ?? now,
            },
            now,
          );
        }
      }
      suppress(norm, d.fields.status, row && d.changed ? { id: row.id, status: row.status } : undefined);
    }
    if (inserts.length) sync.insertMembers(listId, inserts, source, full ? now : null, now);
    if (seen.length) sync.markSeen(seen, now);
  }

  private espNow(): string {
    return new Date(this.connector.http.lastServerDate ?? this.engine.clock.now()).toISOString();
  }

  private askFollowUpEarly(listId: number, list: EspList, pass: NonNullable<MemberCheckpoint['pass']>): void {
    if (this.early || pass.followUp || !this.connector.capabilities.incremental) return;
    const since = new Date(Date.parse(pass.espStart) - SINCE_OVERLAP_MS).toISOString();
    const stop = new AbortController();
    const signal = eitherSignal(this.opts.signal, stop.signal);
    const espStart = this.espNow();
    const startedAt = this.engine.now();
    const first = this.connector.members(list, { since }, null, { signal });
    first.catch(() => undefined); // observed by the follow-up pass, or dropped
    this.early = { listId, since, espStart, startedAt, first, stop };
  }

  /** Cancels a follow-up page asked for early that no pass will use. */
  private async dropEarly(): Promise<void> {
    const early = this.early;
    if (!early) return;
    this.early = null;
    early.stop.abort();
    await early.first.catch(() => undefined);
  }

  /** One pass over a list's members (resuming the stored one if any). */
  async memberPass(listId: number, list: EspList, followUp: boolean): Promise<void> {
    const scope = `members:${list.espListId}`;
    const stored = this.engine.repos.espSync.checkpoint<MemberCheckpoint>(this.provider.id, scope);
    const cp: MemberCheckpoint = stored ?? {
      pass: null,
      nextSince: null,
      lastCompleteAt: null,
      lastFullAt: null,
    };
    const resuming = cp.pass !== null;
    let early: ProviderSync['early'] = null;
    if (cp.pass) {
      this.resumed = true;
    } else {
      const incremental =
        this.connector.capabilities.incremental && cp.nextSince !== null && (followUp || !this.opts.full);
      const since = incremental ? new Date(Date.parse(cp.nextSince!) - SINCE_OVERLAP_MS).toISOString() : null;
      // The first page asked for early is this pass's only if it asked exactly this.
      if (followUp && this.early?.listId === listId && this.early.since === since) {
        early = this.early;
        this.early = null;
      }
      cp.pass = {
        mode: incremental ? 'incremental' : 'full',
        since,
        cursor: null,
        startedAt: early?.startedAt ?? this.engine.now(),
        espStart: early?.espStart ?? this.espNow(),
        pages: 0,
        followUp,
      };
    }
    await this.dropEarly();
    const pass = cp.pass;
    if (!pass.followUp) this.modes.add(pass.mode);
    const query = { since: pass.since };
    let total: number | null = null;
    let fetched = 0;
    const report = () =>
      this.progress({ phase: 'members', list: list.name, pages: pass.pages, members: fetched, total });

    let first = early?.first;
    const start = JSON.stringify(this.connector.cursorAhead?.(list, query, null, 0) ?? null);
    const fetchPage = (cursor: MemberCursor | null, signal?: AbortSignal) => {
      if (first && (cursor === null || JSON.stringify(cursor) === start)) {
        const page = first;
        first = undefined;
        return page;
      }
      return this.connector.members(list, query, cursor, { signal: signal ?? this.opts.signal });
    };

    this.fresh =
      !resuming && pass.mode === 'full' && this.engine.repos.espSync.listIsEmpty(listId)
        ? { listId, norms: new Set(), espIds: new Set() }
        : null;
    const writer =
      this.fresh &&
      this.connector.capabilities.parallelPages &&
      (list.memberCount ?? 0) >= (this.opts.writerFrom ?? WRITER_FROM_MEMBERS)
        ? MemberWriter.start(this.engine.db)
        : null;
    this.writer = writer;
    try {
      if (this.connector.capabilities.parallelPages && this.connector.cursorAhead)
        await this.parallel(listId, list, cp, scope, fetchPage, (members, pageTotal) => {
          total = pageTotal ?? total;
          fetched += members;
          report();
        });
      else await this.sequential(listId, list, cp, scope, fetchPage, report);
      await this.settle(cp, 0);
    } finally {
      // Whatever the writer was given is written (or not) before the pass ends either way.
      await Promise.allSettled(this.writes.splice(0).map((w) => w.done));
      this.writer = null;
      await writer?.close();
      this.fresh = null;
    }
  }

  /**
   * Offset paging: up to maxConnections pages in flight, applied strictly in order. Requests for the
   * next pages go out before a group is written, so the ESP's latency overlaps the SQLite work; the
   * pages that have arrived by then are applied together (one commit).
   */
  private async parallel(
    listId: number,
    list: EspList,
    cp: MemberCheckpoint,
    scope: string,
    fetchPage: (c: MemberCursor | null, signal?: AbortSignal) => Promise<MemberPage>,
    applied: (members: number, total: number | null | undefined) => void,
  ): Promise<void> {
    const connector = this.connector;
    const query = { since: cp.pass!.since };
    const window = Math.max(1, connector.limits.maxConnections);
    const minGroup = Math.min(MAX_PAGES_PER_COMMIT, Math.ceil(window / 2));
    const base = cp.pass!.cursor;
    // Pages past the end are never asked for: with a fixed page size, the pages the list still has
    // follow from its total (the list's member count before the first page, then each page's own
    // total). Every page asked for past the end cost a round trip the sync waited for at its end.
    const pageSize = connector.capabilities.pageSize ?? null;
    const before = cp.pass!.pages;
    let total: number | null = cp.pass!.mode === 'full' && !base ? (list.memberCount ?? null) : null;
    const worthAsking = (k: number) => pageSize === null || total === null || (before + k) * pageSize < total;
    // Requests still in flight when the pass ends (a page found short, a failure) are cancelled.
    const done = new AbortController();
    const signal = eitherSignal(this.opts.signal, done.signal);
    let next = 0;
    const inflight: { p: Promise<MemberPage>; page?: MemberPage }[] = [];
    const launch = () => {
      const f: { p: Promise<MemberPage>; page?: MemberPage } = {
        p: fetchPage(connector.cursorAhead!(list, query, base, next++), signal),
      };
      // Marks the page as arrived; a failure is observed when its turn comes (never unhandled).
      f.p.then(
        (page) => (f.page = page),
        () => undefined,
      );
      inflight.push(f);
    };
    const fill = () => {
      while (inflight.length < window && worthAsking(next)) launch();
      if (inflight.length === 0) launch(); // the total was short: the ESP says whether more follow
      if (!worthAsking(next)) this.askFollowUpEarly(listId, list, cp.pass!);
    };
    try {
      // A first full pass whose size the ESP told with the list opens the whole window at once; an
      // incremental pass asks one page first (most fit in it, and then nothing is fetched in vain).
      if (total !== null && pageSize !== null && total > pageSize) fill();
      else launch();
      while (cp.pass) {
        this.checkCancel();
        await inflight[0]!.p; // throws when the next page in order failed
        // A group is written once at least half a window of pages is in (or all that was asked): a
        // commit rewrites every index page it touched, and the address, ESP-id and search indexes are
        // touched all over by any page, so a commit per page costs nearly ten times one per ten pages.
        // Waiting costs nothing: the pages not yet in are still being fetched meanwhile, and the next
        // ones are asked for before the group is written. Without it, groups broke into single pages
        // that each asked for one page, which came back alone, and so on.
        await Promise.allSettled(inflight.slice(1, minGroup).map((f) => f.p));
        // Let answers that have arrived meanwhile be read first, so they join this group (fewer commits).
        if (inflight.length > minGroup && !inflight[minGroup]!.page)
          await new Promise((r) => setImmediate(r));
        const group: MemberPage[] = [];
        let members = 0;
        let aligned = true;
        while (inflight[0]?.page && group.length < MAX_PAGES_PER_COMMIT && members < MAX_MEMBERS_PER_COMMIT) {
          const page = inflight.shift()!.page!;
          group.push(page);
          members += page.members.length;
          if (typeof page.total === 'number') total = page.total;
          if (page.next === null) break;
          const expected = connector.cursorAhead!(list, query, base, next - inflight.length);
          if (JSON.stringify(expected) !== JSON.stringify(page.next)) {
            // A short page mid-stream: what we prefetched is misaligned. Continue one by one.
            aligned = false;
            break;
          }
        }
        const last = group[group.length - 1]!;
        if (aligned && last.next !== null) {
          fill();
          // Let the requests just launched reach their sockets before the synchronous apply holds the
          // thread: fetch() writes a request on a later turn of the event loop, so without this each
          // group's next requests left only after the apply, and every round trip waited for it
          // (bench:sync, same run: sync/fetch 0.41 → 0.51 at 250 ms pages, 0.55 → 0.59 at 1 s).
          await new Promise((r) => setImmediate(r));
        }
        await this.applyGroup(listId, list, group, cp, scope);
        applied(members, last.total);
        if (!cp.pass) break;
        if (!aligned) {
          done.abort();
          await Promise.allSettled(inflight.map((f) => f.p));
          inflight.length = 0;
          await this.settle(cp, 0);
          await this.sequential(listId, list, cp, scope, fetchPage, () => applied(0, null));
          break;
        }
      }
    } finally {
      // Nothing outlives the sync: what is still in flight is cancelled and its answer discarded.
      done.abort();
      await Promise.allSettled(inflight.map((f) => f.p));
    }
  }

  private async sequential(
    listId: number,
    list: EspList,
    cp: MemberCheckpoint,
    scope: string,
    fetchPage: (c: MemberCursor | null, signal?: AbortSignal) => Promise<MemberPage>,
    report: () => void,
  ): Promise<void> {
    while (cp.pass) {
      this.checkCancel();
      const page = await fetchPage(cp.pass.cursor);
      if (page.pendingMs !== undefined && page.members.length === 0 && page.next) {
        // A server-side export job is not ready: keep the cursor, wait, ask again.
        const cursor = page.next;
        cp.pass.cursor = cursor;
        this.engine.repos.espSync.setCheckpoint(this.provider.id, scope, cp, this.engine.now());
        await new Promise((r) => setTimeout(r, Math.min(page.pendingMs!, 30_000)));
        continue;
      }
      this.applyPages(listId, list, [page], cp, scope);
      report();
    }
  }

  async campaigns(fetched?: Promise<EspCampaign[]>): Promise<SyncSummary['campaigns']> {
    const out: SyncSummary['campaigns'] = {
      added: 0,
      updated: 0,
      unchanged: 0,
      kept: 0,
      held: 0,
      gone: 0,
      total: 0,
      scheduled: [],
      audiences: { resolved: 0, unresolvable: [] },
    };
    this.progress({ phase: 'campaigns', list: null, pages: 0, members: 0, total: null });
    const cs: EspCampaign[] = await (fetched ??
      this.connector.scheduledCampaigns({ signal: this.opts.signal }));
    const { espCampaigns: campaigns, espSync: sync } = this.engine.repos;
    const now = this.engine.now();
    sync.transaction(() => {
      for (const c of cs) {
        const list = c.espListId ? sync.listByEspId(this.provider.id, c.espListId) : undefined;
        const r = campaigns.upsertScheduled(
          {
            providerId: this.provider.id,
            espCampaignId: c.espCampaignId,
            listId: list?.id ?? null,
            segment: c.segment === undefined || c.segment === null ? null : JSON.stringify(c.segment),
            name: c.name,
            subject: c.subject,
            fromName: c.fromName,
            fromEmail: c.fromEmail,
            replyTo: c.replyTo,
            html: c.html,
            text: c.text,
            dialect: c.dialect,
            scheduledAt: c.scheduledAt,
            timeZone: c.timeZone,
          },
          now,
        );
        if (r === 'held') {
          // Understudy holds it and the ESP still shows it scheduled: a discrepancy, not an overwrite.
          const held = campaigns.byEspId(this.provider.id, c.espCampaignId)!;
          recordDiscrepancy(this.engine, held, this.provider.id, c.espCampaignId, c.scheduledAt);
          out.kept++;
          out.held++;
        } else out[r]++;
      }
      // Scheduled here but no longer at the ESP: sent or unscheduled there. Never send it from here.
      for (const gone of campaigns.scheduledNotIn(
        this.provider.id,
        cs.map((c) => c.espCampaignId),
      )) {
        this.engine.repos.campaigns.setStatus(gone.id, 'cancelled', now);
        out.gone++;
        this.engine.record({
          type: 'esp.campaign_gone',
          severity: 'warning',
          message: `"${gone.name || gone.subject}" is no longer scheduled at ${this.connector.label} (sent or unscheduled there); Understudy will not send it.`,
          providerId: this.provider.id,
          campaignId: gone.id,
        });
      }
      sync.setCheckpoint(this.provider.id, 'campaigns', { syncedAt: now, count: cs.length }, now);
    });
    await this.audiences(cs, out.audiences);
    // The duties the ESP still shows undone are tried again now.
    if (out.held > 0) await runObligations(this.engine, { providerId: this.provider.id, force: true });
    out.total = cs.length;
    out.scheduled = cs.map((c) => ({
      espCampaignId: c.espCampaignId,
      name: c.name || c.subject,
      scheduledAt: c.scheduledAt,
      timeZone: c.timeZone,
    }));
    return out;
  }

  /**
   * The audience of each campaign the ESP still sends that is aimed at a segment, tag or group: asked
   * of the ESP's API and mirrored (campaign_audience), or recorded as not enumerable and reported now,
   * before any outage. A campaign Understudy holds keeps the audience it was taken over with.
   */
  private async audiences(cs: EspCampaign[], out: SyncAudiences, given?: EspAudience): Promise<void> {
    const { espCampaigns: campaigns, espSync: sync } = this.engine.repos;
    const audience = this.engine.repos.audience;
    for (const c of cs) {
      this.checkCancel();
      const row = campaigns.byEspId(this.provider.id, c.espCampaignId);
      if (!row || row.status !== 'scheduled' || row.sender !== 'esp') continue;
      if (c.segment === undefined || c.segment === null) {
        if (audience.get(row.id)) sync.transaction(() => audience.clear(row.id));
        continue;
      }
      const a: EspAudience = given
        ? given
        : this.connector.campaignAudience
          ? await this.connector.campaignAudience(c, { signal: this.opts.signal })
          : {
              status: 'unresolvable',
              target: 'a segment',
              reason: `${this.connector.label}'s API does not say who this campaign's segment holds`,
              next: `Aim the campaign at a whole list in ${this.connector.label}, or keep it for ${this.connector.label} to send when it is back.`,
            };
      const now = this.engine.now();
      const name = c.name || c.subject;
      if (a.status === 'unresolvable') {
        const prev = audience.get(row.id);
        sync.transaction(() =>
          audience.replace(
            {
              campaignId: row.id,
              state: 'unresolvable',
              unmatched: 0,
              excluded: 0,
              target: a.target,
              reason: a.reason,
              next: a.next,
              resolvedAt: now,
            },
            [],
          ),
        );
        out.unresolvable.push({
          espCampaignId: c.espCampaignId,
          name,
          target: a.target,
          reason: a.reason,
          next: a.next,
        });
        if (prev?.state !== 'unresolvable' || prev.reason !== a.reason)
          this.engine.record({
            type: AUDIENCE_EVENTS.unresolvable,
            severity: 'warning',
            message: `Understudy cannot send "${name}" through a backup because ${a.reason}. What to do: ${a.next}`,
            providerId: this.provider.id,
            campaignId: row.id,
            data: { espCampaignId: c.espCampaignId, target: a.target, reason: a.reason, next: a.next },
          });
        continue;
      }
      if (a.status === 'mirrored') {
        const local = (id: string) => sync.listByEspId(this.provider.id, id)?.id;
        const missing = [...a.include, ...a.exclude].filter((id) => local(id) === undefined);
        if (missing.length) {
          // A list or segment the ESP did not return (deleted there, or not readable): never guess.
          const reason = `${this.connector.label} did not return ${missing.map((m) => `"${m}"`).join(', ')}, which the campaign is aimed at or excludes`;
          const next = `Check the campaign's recipients in ${this.connector.label} (a deleted list or segment?), then sync again.`;
          await this.audiences([{ ...c }], out, { status: 'unresolvable', target: a.target, reason, next });
          continue;
        }
        sync.transaction(() => {
          const { ids, excluded } = audience.matchLists(
            a.include.map((id) => local(id)!),
            a.exclude.map((id) => local(id)!),
          );
          audience.replace(
            {
              campaignId: row.id,
              state: 'resolved',
              unmatched: 0,
              excluded,
              target: a.target,
              reason: null,
              next: null,
              resolvedAt: now,
            },
            ids,
          );
        });
        out.resolved++;
        continue;
      }
      // The people are looked up in the target's lists (the campaign's own list first), else in every
      // list of the connection; one person in several lists is mailed once.
      const local = (id: string) => sync.listByEspId(this.provider.id, id)?.id;
      const ordered = [
        ...(c.espListId ? [c.espListId] : []),
        ...a.espListIds.filter((id) => id !== c.espListId),
      ];
      let listIds = ordered.map(local).filter((id): id is number => id !== undefined);
      if (!a.espListIds.length) {
        const rest = sync
          .listsOfProvider(this.provider.id)
          .map((l) => l.id)
          .filter((id) => !listIds.includes(id));
        listIds = [...listIds, ...rest];
      }
      const norms: string[] = [];
      for (const e of a.emails) {
        const k = checkEmail(e);
        if (k.ok) norms.push(k.norm);
      }
      sync.transaction(() => {
        const { ids, unmatched } = audience.match(listIds, norms);
        audience.replace(
          {
            campaignId: row.id,
            state: 'resolved',
            unmatched: unmatched + (a.emails.length - norms.length),
            excluded: a.excluded,
            target: a.target,
            reason: null,
            next: null,
            resolvedAt: now,
          },
          ids,
        );
      });
      out.resolved++;
    }
  }

  async run(): Promise<SyncSummary> {
    const startedAt = this.engine.now();
    this.progress({ phase: 'lists', list: null, pages: 0, members: 0, total: null });
    // The scheduled campaigns are asked for at once, beside the lists and their members (they share
    // the connection limit): their round trips overlap the member pages instead of following them.
    // They are written after the members, as before, so a campaign finds its list.
    const stop = new AbortController();
    const signal = eitherSignal(this.opts.signal, stop.signal);
    const campaignsAsked = this.connector.scheduledCampaigns({ signal });
    campaignsAsked.catch(() => undefined); // observed below
    let lists: EspList[];
    // An ESP that keeps each list's merge fields behind a call of their own (Mailchimp): every list's
    // are asked for as soon as the lists are known, beside the first member pages, and written once
    // the list's members are (nothing before needs them: a member's values are kept whatever the
    // fields say). One round trip less before the first page.
    const apart = this.connector.listsApart;
    let fieldsAsked: Promise<EspMergeFieldDef[]>[] = [];
    try {
      if (apart) {
        lists = await apart.lists({ signal: this.opts.signal });
        fieldsAsked = lists.map((l) => apart.mergeFields(l, { signal }));
        for (const f of fieldsAsked) f.catch(() => undefined); // observed below
      } else lists = await this.connector.lists({ signal: this.opts.signal });
      for (const [i, list] of lists.entries()) {
        this.checkCancel();
        const listId = this.ensureList(list);
        await this.memberPass(listId, list, false);
        // Members changed while we paged: one changed-since pass right away.
        if (this.connector.capabilities.incremental) await this.memberPass(listId, list, true);
        if (apart) this.ensureList({ ...list, mergeFields: await fieldsAsked[i]! });
      }
    } catch (e) {
      // The sync stops here: the requests asked for ahead do not outlive it.
      stop.abort();
      await campaignsAsked.catch(() => undefined);
      await Promise.allSettled(fieldsAsked);
      await this.dropEarly();
      throw e;
    }
    await this.dropEarly();
    const campaigns = await this.campaigns(campaignsAsked);
    for (const l of this.engine.repos.espSync.listsOfProvider(this.provider.id)) {
      const c = this.engine.repos.lists.countsByStatus(l.id);
      for (const s of SUBSCRIBER_STATUSES) this.counts.byStatus[s] += c[s];
    }
    const finishedAt = this.engine.now();
    const mode = this.modes.size === 2 ? 'mixed' : this.modes.has('full') ? 'full' : 'incremental';
    this.progress({ phase: 'done', list: null, pages: this.pages, members: 0, total: null });
    return {
      provider: this.provider.name,
      providerId: this.provider.id,
      mode: this.modes.size === 0 ? 'incremental' : mode,
      lists: lists.length,
      listsAdded: this.listsAdded,
      pages: this.pages,
      members: this.counts,
      campaigns,
      resumed: this.resumed,
      pushedBack: 0,
      startedAt,
      finishedAt,
    };
  }
}

/** Syncs one connection (by name) or every enabled one; stops at the first failing connection. */
export async function syncEsp(engine: Engine, opts: SyncOptions = {}): Promise<SyncSummary[]> {
  const out: SyncSummary[] = [];
  for (const provider of connectionsFor(engine, opts.esp)) {
    const connector = await openConnector(engine, provider);
    // Before anything is read: the campaigns Understudy took over are unscheduled there first.
    if (engine.repos.obligations.countPending(provider.id) > 0)
      await runObligations(engine, { providerId: provider.id, force: true, signal: opts.signal });
    // The ESP answers again: first tell it what happened here while it was away. A failure is not
    // fatal (the items stay queued, and the sync never overwrites them).
    let pushedBack = 0;
    if (engine.repos.espPushback.countByState(provider.id).pending > 0) {
      try {
        const [r] = await pushBack(engine, { esp: provider.name, signal: opts.signal });
        pushedBack = (r?.pushed ?? 0) + (r?.already ?? 0);
      } catch {
        // Recorded by pushBack; the sync goes on.
      }
    }
    const s = new ProviderSync(engine, provider, connector, opts);
    try {
      const summary = { ...(await s.run()), pushedBack };
      const audiences = summary.campaigns.audiences;
      engine.record({
        type: 'esp.synced',
        message: `Synced ${connector.label} "${provider.name}": ${plural(summary.lists, 'list')}, +${summary.members.added} new, ${plural(summary.members.updated, 'updated member')}, ${plural(summary.campaigns.total, 'scheduled campaign')}.${audiences.unresolvable.length ? ` ${audiences.unresolvable.length} of them cannot be sent through a backup (their audience cannot be listed).` : ''}`,
        providerId: provider.id,
        data: {
          mode: summary.mode,
          pages: summary.pages,
          keptLocal: summary.members.keptLocal,
          audiencesResolved: audiences.resolved,
          audiencesUnresolvable: audiences.unresolvable.map((u) => u.espCampaignId),
          lists: summary.lists,
          added: summary.members.added,
          updated: summary.members.updated,
        },
      });
      out.push(summary);
    } catch (e) {
      engine.record({
        type: 'esp.sync_failed',
        severity: 'warning',
        message: `Sync of "${provider.name}" stopped after ${s.pages} pages: ${(e as Error).message}`,
        providerId: provider.id,
      });
      throw e;
    }
  }
  return out;
}
