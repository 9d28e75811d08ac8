/**
 * What processing the backup mailbox writes: per-mailbox UID checkpoints (stored in the same
 * transaction as the unsubscribes and bounces a batch applies, so a crash never applies a message twice
 * nor skips one), subscriber status changes and global suppressions.
 */
import type { Db } from '../connection';

export interface MailboxCheckpoint {
  uidValidity: string;
  lastUid: number;
}

export interface InboxSubscriber {
  id: number;
  listId: number;
  email: string;
  emailNorm: string;
  status: string;
  espId: string | null;
  providerId: number | null;
  espListId: string | null;
}

const SUB = `SELECT s.id, s.list_id AS listId, s.email, s.email_norm AS emailNorm, s.status, s.esp_id AS espId,
  l.provider_id AS providerId, l.esp_list_id AS espListId
  FROM subscribers s JOIN lists l ON l.id = s.list_id`;

export class InboxRepo {
  constructor(private readonly db: Db) {}

  checkpoint(mailbox: string): MailboxCheckpoint | undefined {
    const r = this.db
      .prepare('SELECT uid_validity AS uidValidity, last_uid AS lastUid FROM mailbox_state WHERE mailbox = ?')
      .get(mailbox) as MailboxCheckpoint | undefined;
    return r;
  }

  saveCheckpoint(mailbox: string, uidValidity: string, lastUid: number, now: string): void {
    this.db
      .prepare(
        `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
           updated_at = excluded.updated_at`,
      )
      .run(mailbox, uidValidity, lastUid, now);
  }

  subscriber(id: number): InboxSubscriber | undefined {
    return this.db.prepare(`${SUB} WHERE s.id = ?`).get(id) as InboxSubscriber | undefined;
  }

  /** Every list's row for an address (a bounce is about the address, in every list). */
  byEmail(emailNorm: string): InboxSubscriber[] {
    return this.db.prepare(`${SUB} WHERE s.email_norm = ?`).all(emailNorm) as InboxSubscriber[];
  }

  /** Unsubscribes one list membership. False when it was not subscribed (already out: nothing to do). */
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

  /** A hard bounce: the address is marked bounced in every list where it could still be mailed. */
  bounce(emailNorm: string, reason: string, now: string): number {
    return this.db
      .prepare(
        `UPDATE subscribers SET status = 'bounced', status_reason = ?, status_changed_at = ?, updated_at = ?
         WHERE email_norm = ? AND status IN ('subscribed', 'pending')`,
      )
      .run(reason, now, now, emailNorm).changes;
  }

  /** A spam complaint: the address is marked complained in every list (the strictest status). */
  complain(emailNorm: string, reason: string, now: string): number {
    return this.db
      .prepare(
        `UPDATE subscribers SET status = 'complained', status_reason = ?, status_changed_at = ?, updated_at = ?
         WHERE email_norm = ? AND status <> 'complained'`,
      )
      .run(reason, now, now, emailNorm).changes;
  }

  /** Adds a global suppression; an existing one is kept. True when added. */
  suppress(
    emailNorm: string,
    reason: 'unsubscribed' | 'bounced' | 'complained',
    source: string,
    detail: string,
    now: string,
  ): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO suppressions (email_norm, reason, source, detail, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (email_norm) DO NOTHING`,
        )
        .run(emailNorm, reason, source, detail, now).changes > 0
    );
  }
}
