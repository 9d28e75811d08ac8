/**
 * The outbox: one row per (campaign, subscriber), moving queued → claimed → sent | failed_temp |
 * failed_perm | skipped. Everything that decides "who gets mail" happens here, in transactions:
 *
 * - `enqueue` materializes the campaign's audience once (subscribed members of the list).
 * - `claim` takes a batch of due rows in one IMMEDIATE transaction and, in the same transaction, checks
 *   each subscriber's current status and the global suppressions: someone who unsubscribed or bounced a
 *   second ago is marked skipped and gets nothing.
 * - `record` writes a batch of outcomes (and the bounces they imply, and the provider send counts the
 *   rate limiter persists) in one transaction.
 *
 * A row is 'claimed' from the moment it is taken until its outcome is written: claimed rows found by a
 * later run are exactly the messages that were in flight when the last one stopped.
 * Fresh rows get next_attempt_at = the enqueue time (never NULL) so "due" is one index range scan.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../connection';
import { prepareAll, type HotStatements } from './hot';
import { noDeliveries, type DeliveryCounts } from '../../api/sending';

export type DeliveryState = 'queued' | 'claimed' | 'sent' | 'failed_temp' | 'failed_perm' | 'skipped';

export interface ClaimedDelivery {
  id: number;
  subscriberId: number;
  email: string;
  messageId: string;
  attempts: number;
  /** Set when a previous attempt may have delivered (connection lost after the data, crash). */
  errorClass: string | null;
  providerId: number | null;
  firstName: string;
  lastName: string;
  mergeFields: Record<string, string>;
  tags: string[];
}

export interface SkippedDelivery {
  id: number;
  email: string;
  /** 'suppressed' (global suppression list) or the subscriber's status ('unsubscribed', ...). */
  reason: string;
}

export interface DeliveryOutcome {
  id: number;
  state: 'sent' | 'queued' | 'failed_temp' | 'failed_perm';
  providerId: number | null;
  /** Attempts made since the row was claimed (messages handed to a transport). */
  attempts: number;
  nextAttemptAt?: string | null;
  smtpCode?: number | null;
  smtpEnhanced?: string | null;
  smtpReply?: string | null;
  errorClass?: string | null;
  /** A recipient-level permanent failure: suppress the address and mark the subscriber bounced. */
  bounce?: { emailNorm: string; subscriberId: number; detail: string } | null;
}

/** A bounce `record` applied: what it changed, so a provider fault found later can undo it exactly. */
export interface AppliedBounce {
  deliveryId: number;
  subscriberId: number;
  emailNorm: string;
  /** When it was written (the suppression's created_at). */
  at: string;
  /** The server's reply, as the suppression keeps it. */
  detail: string;
  /** The suppression row was added by this bounce (false: the address was already suppressed). */
  suppressionAdded: boolean;
  /** The subscriber's status before the bounce (null: the row was not changed). */
  previous: { status: string; reason: string | null; changedAt: string | null; updatedAt: string } | null;
}

/** What rolling one bounce back did (see `rollbackBounces`). */
export interface RolledBackBounce {
  deliveryId: number;
  subscriberId: number;
  emailNorm: string;
  requeued: boolean;
  suppressionRemoved: boolean;
  /** The status given back to the subscriber (null: it had changed since, and was left alone). */
  restoredStatus: string | null;
}

export type { DeliveryCounts };

interface RawClaim {
  id: number;
  subscriber_id: number;
  email: string;
  message_id: string;
  attempts: number;
  error_class: string | null;
  provider_id: number | null;
  sub_status: string;
  first_name: string;
  last_name: string;
  merge_fields: string;
  tags: string;
  suppressed: string | null;
}

/** The Message-ID of a campaign's message to one subscriber (sending/render/tokens.ts). */
export type MessageIdFor = (campaignId: number, subscriberId: number) => string;

/** The enqueue statements: one queued row per subscribed person of a list range, or of an audience. */
const HOT = {
  enqueue: `INSERT INTO deliveries (campaign_id, subscriber_id, email, state, next_attempt_at, message_id, updated_at)
       SELECT ?, s.id, s.email, 'queued', ?, understudy_message_id(?, s.id), ?
       FROM subscribers s WHERE s.list_id = ? AND s.status = 'subscribed' AND s.id >= ? AND s.id <= ?
       ORDER BY s.id
       ON CONFLICT (campaign_id, subscriber_id) DO NOTHING`,
  enqueueAudience: `INSERT INTO deliveries (campaign_id, subscriber_id, email, state, next_attempt_at, message_id, updated_at)
       SELECT ?, s.id, s.email, 'queued', ?, understudy_message_id(?, s.id), ?
       FROM campaign_audience a JOIN subscribers s ON s.id = a.subscriber_id
       WHERE a.campaign_id = ? AND s.status = 'subscribed'
       ORDER BY s.id
       ON CONFLICT (campaign_id, subscriber_id) DO NOTHING`,
};

export class DeliveriesRepo {
  /** Prepared statements of the send loop, prepared once per connection (a claim/record cycle runs
   * hundreds of times a second in a campaign). */
  private readonly stmts = new Map<string, Statement>();
  private cacheUsers = 0;
  private savedCache: number | null = null;
  constructor(private readonly db: Db) {}

  /**
   * The enqueue statements (HOT), prepared exactly as enqueue/enqueueAudience prepare them, for the
   * query-plan tests. They call `understudy_message_id`, so it is registered first (`messageIdFor`, as
   * a run registers its own before it enqueues).
   */
  statements(messageIdFor: MessageIdFor): HotStatements<keyof typeof HOT> {
    this.useMessageId(messageIdFor);
    return prepareAll(this.db, HOT);
  }

  /** Registers the message id of each new row, `understudy_message_id(campaign, subscriber)` in HOT. */
  private useMessageId(messageIdFor: MessageIdFor): void {
    this.db.function('understudy_message_id', { deterministic: true }, (c: unknown, s: unknown) =>
      messageIdFor(Number(c), Number(s)),
    );
  }

  private stmt(sql: string): Statement {
    let st = this.stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  /**
   * Adds one queued row per subscribed member of the list (existing rows are kept: enqueueing twice is
   * harmless). Returns how many rows were added.
   *
   * With `chunkSize`, members are added in ranges of subscriber id, one transaction each, so a
   * 1,000,000-recipient audience never becomes one huge transaction (memory, WAL, a long write lock).
   * Crash safety then comes from the marker of `beginEnqueue`: it is removed in the transaction of the
   * last range, so a run that finds it still there enqueues again (the (campaign, subscriber)
   * uniqueness makes the rows already added no-ops) before it sends anything.
   */
  enqueue(
    campaignId: number,
    listId: number,
    messageIdFor: MessageIdFor,
    now: string,
    opts: { chunkSize?: number } = {},
  ): number {
    this.useMessageId(messageIdFor);
    const insert = this.stmt(HOT.enqueue);
    const done = this.stmt(`DELETE FROM meta WHERE key = ?`);
    const bounds = this.stmt(
      `SELECT min(id) AS lo, max(id) AS hi FROM subscribers WHERE list_id = ? AND status = 'subscribed'`,
    );
    const chunk = opts.chunkSize ?? Number.MAX_SAFE_INTEGER;
    let added = 0;
    for (let from = 0, last = false; !last;) {
      added += this.db
        .transaction(() => {
          const b = bounds.get(listId) as { lo: number | null; hi: number | null };
          const lo = Math.max(from, b.lo ?? 0);
          const hi = b.hi ?? -1;
          const to = Math.min(hi, lo + chunk - 1);
          last = to >= hi;
          from = to + 1;
          const n = lo <= to ? insert.run(campaignId, now, campaignId, now, listId, lo, to).changes : 0;
          if (last) done.run(enqueueKey(campaignId));
          return n;
        })
        .immediate();
    }
    return added;
  }

  /**
   * Like `enqueue`, for a campaign aimed at a segment, tag or group: one queued row per subscribed
   * person of its mirrored audience (campaign_audience), in one transaction (an audience is a part of
   * a list). Suppressions and unsubscribes are checked again at claim time, as for a whole list.
   */
  enqueueAudience(campaignId: number, messageIdFor: MessageIdFor, now: string): number {
    this.useMessageId(messageIdFor);
    const insert = this.stmt(HOT.enqueueAudience);
    const done = this.stmt(`DELETE FROM meta WHERE key = ?`);
    return this.db
      .transaction(() => {
        const n = insert.run(campaignId, now, campaignId, now, campaignId).changes;
        done.run(enqueueKey(campaignId));
        return n;
      })
      .immediate();
  }

  /**
   * A smaller page cache on this connection while campaigns send (restored when the last one ends).
   * The connection's 64 MiB cache is sized for imports; a send walks the outbox once, in order, and
   * needs only the indexes and the pages at hand — the rest was only resident memory.
   */
  useSendingCache(kib: number): () => void {
    if (this.cacheUsers++ === 0) {
      this.savedCache = this.db.pragma('cache_size', { simple: true }) as number;
      this.db.pragma(`cache_size = ${-Math.trunc(kib)}`);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.cacheUsers === 0 && this.savedCache !== null && this.db.open)
        this.db.pragma(`cache_size = ${Math.trunc(this.savedCache)}`);
    };
  }

  /** Says that the campaign's audience is about to be enqueued (see `enqueue`); before it is 'sending'. */
  beginEnqueue(campaignId: number): void {
    this.stmt(
      `INSERT INTO meta (key, value) VALUES (?, 'pending') ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(enqueueKey(campaignId));
  }

  /** Whether an enqueue begun for this campaign has not finished (a crash stopped it). */
  enqueuePending(campaignId: number): boolean {
    return this.stmt(`SELECT 1 FROM meta WHERE key = ?`).get(enqueueKey(campaignId)) !== undefined;
  }

  /**
   * Claims up to `limit` due rows. Rows whose subscriber is no longer 'subscribed', or whose address is
   * globally suppressed, are marked skipped in the same transaction and returned separately.
   */
  claim(
    campaignId: number,
    limit: number,
    now: string,
  ): { claimed: ClaimedDelivery[]; skipped: SkippedDelivery[] } {
    const select = this.stmt(
      `SELECT d.id, d.subscriber_id, d.email, d.message_id, d.attempts, d.error_class, d.provider_id,
              s.status AS sub_status, s.first_name, s.last_name, s.merge_fields, s.tags,
              (SELECT reason FROM suppressions p WHERE p.email_norm = s.email_norm) AS suppressed
       FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.campaign_id = ? AND d.state = 'queued' AND d.next_attempt_at <= ?
       ORDER BY d.next_attempt_at, d.id
       LIMIT ?`,
    );
    // One statement per batch (ids as a JSON array) instead of one per row.
    const markClaimed = this.stmt(
      `UPDATE deliveries SET state = 'claimed', claimed_at = @now, updated_at = @now
       WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'queued'`,
    );
    const markSkipped = this.stmt(
      `UPDATE deliveries SET state = 'skipped', error_class = j.value ->> 1, updated_at = @now
       FROM json_each(@rows) AS j WHERE deliveries.id = j.value ->> 0 AND deliveries.state = 'queued'`,
    );
    const run = this.db.transaction(() => {
      const claimed: ClaimedDelivery[] = [];
      const skipped: SkippedDelivery[] = [];
      for (const r of select.all(campaignId, now, limit) as RawClaim[]) {
        if (r.suppressed !== null || r.sub_status !== 'subscribed') {
          const reason = r.suppressed !== null ? 'suppressed' : r.sub_status;
          skipped.push({ id: r.id, email: r.email, reason });
          continue;
        }
        claimed.push({
          id: r.id,
          subscriberId: r.subscriber_id,
          email: r.email,
          messageId: r.message_id,
          attempts: r.attempts,
          errorClass: r.error_class,
          providerId: r.provider_id,
          firstName: r.first_name,
          lastName: r.last_name,
          mergeFields: parseObject(r.merge_fields),
          tags: parseArray(r.tags),
        });
      }
      if (skipped.length > 0)
        markSkipped.run({ now, rows: JSON.stringify(skipped.map((x) => [x.id, x.reason])) });
      if (claimed.length > 0) markClaimed.run({ now, ids: JSON.stringify(claimed.map((x) => x.id)) });
      return { claimed, skipped };
    });
    return run.immediate();
  }

  /**
   * Writes a batch of outcomes, the bounces they imply (suppression + subscriber status), the provider
   * send counts, and whatever `alsoInTransaction` adds (the run's heartbeat, the bounces' events),
   * atomically.
   */
  record(
    outcomes: DeliveryOutcome[],
    sendCounts: { providerId: number; second: number; count: number }[],
    now: string,
    alsoInTransaction?: (applied: AppliedBounce[]) => void,
  ): AppliedBounce[] {
    // All outcomes of the batch in one statement: a JSON array of rows, joined on id.
    const update = this.stmt(
      `UPDATE deliveries SET state = j.value ->> 1, provider_id = coalesce(j.value ->> 2, provider_id),
         attempts = attempts + (j.value ->> 3), next_attempt_at = coalesce(j.value ->> 4, next_attempt_at),
         smtp_code = j.value ->> 5, smtp_enhanced = j.value ->> 6, smtp_reply = j.value ->> 7,
         error_class = j.value ->> 8,
         sent_at = CASE WHEN j.value ->> 1 = 'sent' THEN @now ELSE sent_at END, updated_at = @now
       FROM json_each(@rows) AS j
       WHERE deliveries.id = j.value ->> 0 AND deliveries.state = 'claimed'`,
    );
    const suppress = this.stmt(
      `INSERT INTO suppressions (email_norm, reason, source, detail, created_at)
       VALUES (?, 'bounced', 'send', ?, ?) ON CONFLICT (email_norm) DO NOTHING`,
    );
    const bounceSubscribers = this.stmt(
      `UPDATE subscribers SET status = 'bounced', status_reason = ?, status_changed_at = ?, updated_at = ?
       WHERE id = ? AND status IN ('subscribed', 'pending', 'archived', 'unsubscribed')`,
    );
    const before = this.stmt(
      `SELECT status, status_reason AS reason, status_changed_at AS changedAt, updated_at AS updatedAt
       FROM subscribers WHERE id = ?`,
    );
    const count = this.stmt(
      `INSERT INTO send_log (provider_id, second, count) VALUES (?, ?, ?)
       ON CONFLICT (provider_id, second) DO UPDATE SET count = count + excluded.count`,
    );
    const run = this.db.transaction((): AppliedBounce[] => {
      const applied: AppliedBounce[] = [];
      if (outcomes.length > 0)
        update.run({
          now,
          rows: JSON.stringify(
            outcomes.map((o) => [
              o.id,
              o.state,
              o.providerId,
              o.attempts,
              o.nextAttemptAt ?? null,
              o.smtpCode ?? null,
              o.smtpEnhanced ?? null,
              o.smtpReply ?? null,
              o.errorClass ?? null,
            ]),
          ),
        });
      for (const o of outcomes) {
        if (o.bounce) {
          const prev = before.get(o.bounce.subscriberId) as AppliedBounce['previous'] | undefined;
          const added = suppress.run(o.bounce.emailNorm, o.bounce.detail, now).changes > 0;
          const changed = bounceSubscribers.run(o.bounce.detail, now, now, o.bounce.subscriberId).changes > 0;
          applied.push({
            deliveryId: o.id,
            subscriberId: o.bounce.subscriberId,
            emailNorm: o.bounce.emailNorm,
            at: now,
            detail: o.bounce.detail,
            suppressionAdded: added,
            previous: changed && prev ? prev : null,
          });
        }
      }
      for (const c of sendCounts) count.run(c.providerId, c.second, c.count);
      alsoInTransaction?.(applied);
      return applied;
    });
    return run.immediate();
  }

  /**
   * Undoes bounces that turned out to be a provider's fault (massReject.ts), in one transaction with
   * whatever `alsoInTransaction` adds (the audit events): the suppression each one added is removed,
   * the subscriber gets back the status it had (only if it is still 'bounced': a later unsubscribe or
   * complaint stands) — the row exactly as it was, updated_at included, as if the bounce had never
   * been believed —, and the delivery goes back to the queue, due now, its attempt not counted.
   */
  rollbackBounces(
    bounces: AppliedBounce[],
    now: string,
    alsoInTransaction?: (done: RolledBackBounce[]) => void,
  ): RolledBackBounce[] {
    const requeue = this.stmt(
      `UPDATE deliveries SET state = 'queued', next_attempt_at = @now, error_class = 'provider_fault',
         attempts = max(0, attempts - 1), updated_at = @now
       WHERE id = @id AND state = 'failed_perm' AND error_class = 'bounced'`,
    );
    const unsuppress = this.stmt(
      `DELETE FROM suppressions WHERE email_norm = ? AND reason = 'bounced' AND source = 'send' AND created_at = ?`,
    );
    const restore = this.stmt(
      `UPDATE subscribers SET status = @status, status_reason = @reason, status_changed_at = @changedAt,
         updated_at = @updatedAt WHERE id = @id AND status = 'bounced'`,
    );
    return this.db
      .transaction(() => {
        const done: RolledBackBounce[] = [];
        for (const b of bounces) {
          const requeued = requeue.run({ now, id: b.deliveryId }).changes > 0;
          const suppressionRemoved = b.suppressionAdded && unsuppress.run(b.emailNorm, b.at).changes > 0;
          const restored =
            b.previous !== null &&
            restore.run({
              status: b.previous.status,
              reason: b.previous.reason,
              changedAt: b.previous.changedAt,
              updatedAt: b.previous.updatedAt,
              id: b.subscriberId,
            }).changes > 0;
          done.push({
            deliveryId: b.deliveryId,
            subscriberId: b.subscriberId,
            emailNorm: b.emailNorm,
            requeued,
            suppressionRemoved,
            restoredStatus: restored ? b.previous!.status : null,
          });
        }
        alsoInTransaction?.(done);
        return done;
      })
      .immediate();
  }

  /** `record` and `claim` in one transaction: one commit (one fsync) per cycle instead of two. */
  recordAndClaim(
    outcomes: DeliveryOutcome[],
    sendCounts: { providerId: number; second: number; count: number }[],
    now: string,
    alsoInTransaction: ((applied: AppliedBounce[]) => void) | undefined,
    claim: { campaignId: number; limit: number; dueBy: string },
  ): { claimed: ClaimedDelivery[]; skipped: SkippedDelivery[]; bounces: AppliedBounce[] } {
    return this.db
      .transaction(() => {
        const bounces = this.record(outcomes, sendCounts, now, alsoInTransaction);
        return { ...this.claim(claim.campaignId, claim.limit, claim.dueBy), bounces };
      })
      .immediate();
  }

  /**
   * Puts rows left 'claimed' by a run that stopped (crash, kill, power cut) back in the queue. They
   * may have been accepted by the server just before the stop, so they are marked 'uncertain': each
   * is sent once more with the same Message-ID (DESIGN.md, bounded exception). Returns how many.
   */
  releaseClaimed(campaignId: number, now: string, errorClass = 'uncertain'): number {
    return this.db
      .prepare(
        `UPDATE deliveries SET state = 'queued', next_attempt_at = ?, error_class = ?, updated_at = ?
         WHERE campaign_id = ? AND state = 'claimed'`,
      )
      .run(now, errorClass, now, campaignId).changes;
  }

  /** "Resend only to those that failed": failed rows go back to the queue with fresh attempts. */
  requeueFailed(campaignId: number, now: string): number {
    return this.db
      .prepare(
        `UPDATE deliveries SET state = 'queued', attempts = 0, next_attempt_at = ?, error_class = NULL, updated_at = ?
         WHERE campaign_id = ? AND state IN ('failed_temp', 'failed_perm')`,
      )
      .run(now, now, campaignId).changes;
  }

  /** Cancelling: every row not yet sent is skipped (kept, so the record shows who did not get it). */
  skipRemaining(campaignId: number, reason: string, now: string, includeClaimed: boolean): number {
    // Claimed rows may be on the wire in another process: only their own run may skip them.
    return this.db
      .prepare(
        `UPDATE deliveries SET state = 'skipped', error_class = ?, updated_at = ?
         WHERE campaign_id = ? AND state IN ('queued', ${includeClaimed ? "'claimed'" : "'queued'"})`,
      )
      .run(reason, now, campaignId).changes;
  }

  /** When the next queued row becomes due (null: nothing queued). */
  nextDue(campaignId: number): string | null {
    const r = this.db
      .prepare(
        `SELECT next_attempt_at AS t FROM deliveries WHERE campaign_id = ? AND state = 'queued'
         ORDER BY next_attempt_at LIMIT 1`,
      )
      .get(campaignId) as { t: string } | undefined;
    return r?.t ?? null;
  }

  counts(campaignId: number): DeliveryCounts {
    const c = noDeliveries();
    // Grouped by state only, in the order of the deliveries_state index: no sort of the campaign's
    // rows (a 1,000,000-row temp B-tree at the start and end of a big send), and error_class is read
    // only for skipped rows.
    const rows = this.stmt(
      `SELECT state, count(*) AS n,
              sum(CASE WHEN state = 'skipped' THEN error_class = 'suppressed' ELSE 0 END) AS sup
       FROM deliveries WHERE campaign_id = ? GROUP BY state`,
    ).all(campaignId) as { state: DeliveryState; sup: number; n: number }[];
    for (const r of rows) {
      c.total += r.n;
      if (r.state === 'queued') c.queued += r.n;
      else if (r.state === 'claimed') c.claimed += r.n;
      else if (r.state === 'sent') c.sent += r.n;
      else if (r.state === 'failed_temp') c.failedTemp += r.n;
      else if (r.state === 'failed_perm') c.failedPerm += r.n;
      else {
        c.suppressed += r.sup;
        c.skipped += r.n - r.sup;
      }
    }
    return c;
  }

  /** Sent messages per provider name for a campaign. */
  sentByProvider(campaignId: number): Record<string, number> {
    const rows = this.db
      .prepare(
        `SELECT coalesce(p.name, '(removed)') AS name, count(*) AS n FROM deliveries d
         LEFT JOIN providers p ON p.id = d.provider_id
         WHERE d.campaign_id = ? AND d.state = 'sent' GROUP BY 1 ORDER BY 1`,
      )
      .all(campaignId) as { name: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  }

  /** A page of a campaign's deliveries (for `campaigns show` and the UI). */
  page(
    campaignId: number,
    opts: { state?: DeliveryState; limit?: number; afterId?: number } = {},
  ): {
    id: number;
    email: string;
    state: DeliveryState;
    providerId: number | null;
    attempts: number;
    smtpCode: number | null;
    smtpEnhanced: string | null;
    smtpReply: string | null;
    errorClass: string | null;
    messageId: string;
    sentAt: string | null;
  }[] {
    const rows = this.db
      .prepare(
        `SELECT id, email, state, provider_id, attempts, smtp_code, smtp_enhanced, smtp_reply, error_class,
                message_id, sent_at FROM deliveries
         WHERE campaign_id = ? AND id > ? ${opts.state ? 'AND state = ?' : ''} ORDER BY id LIMIT ?`,
      )
      .all(...[campaignId, opts.afterId ?? 0, ...(opts.state ? [opts.state] : []), opts.limit ?? 100]) as {
      id: number;
      email: string;
      state: DeliveryState;
      provider_id: number | null;
      attempts: number;
      smtp_code: number | null;
      smtp_enhanced: string | null;
      smtp_reply: string | null;
      error_class: string | null;
      message_id: string;
      sent_at: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      state: r.state,
      providerId: r.provider_id,
      attempts: r.attempts,
      smtpCode: r.smtp_code,
      smtpEnhanced: r.smtp_enhanced,
      smtpReply: r.smtp_reply,
      errorClass: r.error_class,
      messageId: r.message_id,
      sentAt: r.sent_at,
    }));
  }

  /** The query plan of the claim query (for the EXPLAIN QUERY PLAN test). */
  claimPlan(): string[] {
    return (
      this.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT d.id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
           WHERE d.campaign_id = 1 AND d.state = 'queued' AND d.next_attempt_at <= '' ORDER BY d.next_attempt_at, d.id LIMIT 10`,
        )
        .all() as { detail: string }[]
    ).map((r) => r.detail);
  }
}

/** merge_fields and tags are JSON written by the mirror; the common empty values skip the parser. */
function parseObject(s: string): Record<string, string> {
  return s === '{}' || s === '' ? {} : (JSON.parse(s) as Record<string, string>);
}
function parseArray(s: string): string[] {
  return s === '[]' || s === '' ? [] : (JSON.parse(s) as string[]);
}

function enqueueKey(campaignId: number): string {
  return `outbox.enqueue.${campaignId}`;
}
