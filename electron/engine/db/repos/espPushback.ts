/**
 * The push-back queue: unsubscribes, bounces and complaints recorded locally that the ESP must learn.
 * An item is marked done in the same transaction that records the ESP's answer, so a push interrupted
 * halfway resumes with exactly the items the ESP has not confirmed (never doubling one).
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../connection';
import { prepareAll, type HotStatements } from './hot';

export type PushBackKindRow = 'unsubscribe' | 'bounce' | 'complaint';
export type PushBackState = 'pending' | 'done' | 'failed';

export interface PushBackRow {
  id: number;
  providerId: number;
  listId: number | null;
  espListId: string;
  email: string;
  emailNorm: string;
  espMemberId: string | null;
  kind: PushBackKindRow;
  detail: string | null;
  happenedAt: string;
  state: PushBackState;
  attempts: number;
  lastError: string | null;
  result: string | null;
  resultMessage: string | null;
  createdAt: string;
  doneAt: string | null;
}

interface Raw {
  id: number;
  provider_id: number;
  list_id: number | null;
  esp_list_id: string;
  email: string;
  email_norm: string;
  esp_member_id: string | null;
  kind: PushBackKindRow;
  detail: string | null;
  happened_at: string;
  state: PushBackState;
  attempts: number;
  last_error: string | null;
  result: string | null;
  result_message: string | null;
  created_at: string;
  done_at: string | null;
}

const toRow = (r: Raw): PushBackRow => ({
  id: r.id,
  providerId: r.provider_id,
  listId: r.list_id,
  espListId: r.esp_list_id,
  email: r.email,
  emailNorm: r.email_norm,
  espMemberId: r.esp_member_id,
  kind: r.kind,
  detail: r.detail,
  happenedAt: r.happened_at,
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
  result: r.result,
  resultMessage: r.result_message,
  createdAt: r.created_at,
  doneAt: r.done_at,
});

export interface EnqueueInput {
  providerId: number;
  listId: number | null;
  espListId: string;
  email: string;
  emailNorm: string;
  espMemberId: string | null;
  kind: PushBackKindRow;
  detail: string | null;
  happenedAt: string;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** Drained at every push-back pass (esp_pushback_state); read at every sync page (esp_pushback_list). */
const HOT = {
  pending: `SELECT * FROM esp_pushback WHERE provider_id = ? AND state = 'pending' AND id > ? ORDER BY id LIMIT ?`,
  pendingEmails: (n: number) =>
    `SELECT email_norm FROM esp_pushback WHERE list_id = ? AND state = 'pending' AND email_norm IN (${marks(n)})`,
};

export class EspPushbackRepo {
  constructor(private readonly db: Db) {}

  /** `n`: how many addresses the IN list of pendingEmails holds. */
  statements(n = 2): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, { pending: HOT.pending, pendingEmails: HOT.pendingEmails(n) });
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

  /** Queues an item; a second identical pending item is a no-op. Returns true when queued. */
  enqueue(i: EnqueueInput, now: string): boolean {
    return (
      this.stmt(
        `INSERT INTO esp_pushback (provider_id, list_id, esp_list_id, email, email_norm, esp_member_id, kind, detail,
             happened_at, created_at, updated_at)
           VALUES (@providerId, @listId, @espListId, @email, @emailNorm, @espMemberId, @kind, @detail,
             @happenedAt, @now, @now)
           ON CONFLICT (provider_id, esp_list_id, email_norm, kind) WHERE state = 'pending' DO NOTHING`,
      ).run({
        providerId: i.providerId,
        listId: i.listId,
        espListId: i.espListId,
        email: i.email,
        emailNorm: i.emailNorm,
        espMemberId: i.espMemberId,
        kind: i.kind,
        detail: i.detail,
        happenedAt: i.happenedAt,
        now,
      }).changes > 0
    );
  }

  /** Pending items of a connection, oldest first, after `afterId` (for batching). */
  pending(providerId: number, limit = 100, afterId = 0): PushBackRow[] {
    return (this.stmt(HOT.pending).all(providerId, afterId, limit) as Raw[]).map(toRow);
  }

  countByState(providerId: number): Record<PushBackState, number> {
    const out: Record<PushBackState, number> = { pending: 0, done: 0, failed: 0 };
    for (const r of this.stmt(
      'SELECT state, count(*) AS n FROM esp_pushback WHERE provider_id = ? GROUP BY state',
    ).all(providerId) as { state: PushBackState; n: number }[])
      out[r.state] = r.n;
    return out;
  }

  /** Addresses of a list with an item not yet at the ESP (the sync must not overwrite them). */
  pendingEmails(listId: number, emailNorms: string[]): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < emailNorms.length; i += 500) {
      const chunk = emailNorms.slice(i, i + 500);
      for (const r of this.stmt(HOT.pendingEmails(chunk.length)).all(listId, ...chunk) as {
        email_norm: string;
      }[])
        out.add(r.email_norm);
    }
    return out;
  }

  /** Was this change already queued (in any state) at or after `since`? */
  queuedSince(
    providerId: number,
    espListId: string,
    emailNorm: string,
    kind: PushBackKindRow,
    since: string,
  ): boolean {
    return (
      this.stmt(
        'SELECT 1 FROM esp_pushback WHERE provider_id = ? AND esp_list_id = ? AND email_norm = ? AND kind = ? AND happened_at >= ?',
      ).get(providerId, espListId, emailNorm, kind, since) !== undefined
    );
  }

  /** Records the ESP's answer and closes the item (only if still pending: never twice). */
  markDone(id: number, result: string, message: string | null, now: string): boolean {
    return (
      this.stmt(
        `UPDATE esp_pushback SET state = 'done', result = ?, result_message = ?, attempts = attempts + 1,
             last_error = NULL, done_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
      ).run(result, message, now, now, id).changes > 0
    );
  }

  markFailed(id: number, error: string, now: string): void {
    this.stmt(
      `UPDATE esp_pushback SET state = 'failed', last_error = ?, attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state = 'pending'`,
    ).run(error, now, id);
  }

  /** A transient failure: stays pending for the next run. */
  markAttempt(id: number, error: string, now: string): void {
    this.stmt(
      'UPDATE esp_pushback SET attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?',
    ).run(error, now, id);
  }

  byId(id: number): PushBackRow | undefined {
    const r = this.stmt('SELECT * FROM esp_pushback WHERE id = ?').get(id) as Raw | undefined;
    return r && toRow(r);
  }

  all(providerId: number): PushBackRow[] {
    return (
      this.stmt('SELECT * FROM esp_pushback WHERE provider_id = ? ORDER BY id').all(providerId) as Raw[]
    ).map(toRow);
  }
}
