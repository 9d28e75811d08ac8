/**
 * Inbox processing for the backup sending mailbox: `mailto:` unsubscribe requests (List-Unsubscribe
 * with the token in the subject, verified with the sending engine's HMAC) and bounce reports (DSN)
 * become unsubscribes and bounces, honoured at once (the outbox checks status and suppressions at claim
 * time), and are queued for push back to the ESP the list came from.
 *
 * Exactly once: messages are read in UID order from the last checkpoint, and each message's changes are
 * written in one transaction with the new checkpoint. A UIDVALIDITY change starts over from the top,
 * which is safe because every change is idempotent (an unsubscribed member stays unsubscribed, a
 * suppression already there is kept, a pending push-back item is not doubled).
 */
import type { Engine } from '../engine';
import { InboxRepo } from '../db/repos/inbox';
import { espRepos } from '../mirror/esp/repos';
import { parseUnsubscribeToken, parseMessageId } from '../sending/render/tokens';
import { unsubscribeSecret } from '../sending/settings';
import { secretStoreOf } from '../sending/context';
import { normalizeEmail } from '../mirror/email';
import { recordSuppressionsAdded } from '../mirror/suppressions';
import { openImap, requireMailbox } from './mailbox';
import { isHardBounce, parseInboxMessage } from './dsn';

export interface InboxResult {
  mailbox: string;
  examined: number;
  unsubscribes: number;
  bounces: number;
  complaints: number;
  ignored: number;
  queuedForEsp: number;
}

const TOKEN_IN_SUBJECT = /unsubscribe-([0-9a-z]{1,11}\.[0-9a-z]{1,11}\.[A-Za-z0-9_-]{22})/;

export async function processInbox(
  engine: Engine,
  opts: { signal?: AbortSignal } = {},
): Promise<InboxResult> {
  const settings = requireMailbox(engine);
  const repo = new InboxRepo(engine.db);
  const secret = await unsubscribeSecret(engine, secretStoreOf(engine));
  const result: InboxResult = {
    mailbox: settings.mailbox,
    examined: 0,
    unsubscribes: 0,
    bounces: 0,
    complaints: 0,
    ignored: 0,
    queuedForEsp: 0,
  };
  const client = await openImap(engine, settings);
  try {
    const lock = await client.getMailboxLock(settings.mailbox);
    try {
      const box = client.mailbox;
      const uidValidity = box ? String(box.uidValidity) : '0';
      const cp = repo.checkpoint(settings.mailbox);
      let last = cp && cp.uidValidity === uidValidity ? cp.lastUid : 0;
      const uidNext = box ? Number(box.uidNext) : 0;
      if (uidNext && last + 1 >= uidNext) return result;
      for await (const msg of client.fetch(`${last + 1}:*`, { uid: true, source: true }, { uid: true })) {
        if (opts.signal?.aborted) break;
        // "N:*" returns the last message even when N is beyond it: never process it twice.
        if (msg.uid <= last || !msg.source) continue;
        result.examined++;
        const parsed = await parseInboxMessage(msg.source);
        const now = engine.now();
        engine.db.transaction(() => {
          const kind = apply(engine, repo, parsed, secret, now, result);
          if (kind === 'ignored') result.ignored++;
          repo.saveCheckpoint(settings.mailbox, uidValidity, msg.uid, now);
        })();
        last = msg.uid;
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  if (result.unsubscribes || result.bounces || result.complaints) {
    engine.record({
      type: 'inbox.processed',
      message: `Backup mailbox: ${result.unsubscribes} unsubscribe(s) and ${result.bounces} bounce(s) and ${result.complaints} complaint(s) applied and suppressed${result.queuedForEsp ? `, ${result.queuedForEsp} queued for the ESP` : ''}.`,
      data: { ...result },
    });
  }
  return result;
}

function apply(
  engine: Engine,
  repo: InboxRepo,
  m: Awaited<ReturnType<typeof parseInboxMessage>>,
  secret: string,
  now: string,
  result: InboxResult,
): 'unsubscribe' | 'bounce' | 'ignored' {
  const token = TOKEN_IN_SUBJECT.exec(m.subject)?.[1];
  if (token && !m.dsn) {
    const ids = parseUnsubscribeToken(token, secret);
    if (!ids) return 'ignored'; // forged or from another installation: never act on it
    const sub = repo.subscriber(ids.subscriberId);
    if (!sub) return 'ignored';
    if (repo.unsubscribe(sub.id, `unsubscribe email (campaign ${ids.campaignId})`, now)) {
      result.unsubscribes++;
      engine.record({
        type: 'subscriber.unsubscribed',
        message: `${sub.email} unsubscribed by email (campaign ${ids.campaignId}).`,
        listId: sub.listId,
        campaignId: ids.campaignId,
        data: { subscriberId: sub.id, source: 'mailto' },
      });
      if (queue(engine, sub, 'unsubscribe', 'unsubscribe email', now)) result.queuedForEsp++;
    }
    return 'unsubscribe';
  }
  if (m.complaint && m.complaint.feedbackType === 'abuse') {
    // Whom it is about: our Message-ID names the subscriber; else the (often redacted) recipient.
    const ids = m.complaint.originalMessageId
      ? ours(engine, parseMessageId(m.complaint.originalMessageId))
      : undefined;
    const sub = ids ? repo.subscriber(ids.subscriberId) : undefined;
    const email = sub?.emailNorm ?? (m.complaint.recipient ? normalizeOr(m.complaint.recipient) : null);
    if (!email) return 'ignored';
    const members = repo.byEmail(email);
    const changed = repo.complain(email, 'spam complaint (feedback loop)', now);
    const added = repo.suppress(email, 'complained', 'inbox', 'feedback report', now);
    if (added)
      recordSuppressionsAdded(
        engine,
        [
          {
            email,
            reason: 'complained',
            detail: 'feedback report',
            previous: members
              .filter((s) => s.status !== 'complained')
              .map((s) => ({ subscriberId: s.id, status: s.status })),
          },
        ],
        {
          source: 'inbox',
          how: 'a spam complaint in the backup mailbox',
          campaignId: ids?.campaignId ?? null,
        },
      );
    if (changed || added) {
      result.complaints++;
      engine.record({
        type: 'subscriber.complained',
        severity: 'warning',
        message: `${email} reported a message as spam; suppressed in every list.`,
        campaignId: ids?.campaignId ?? null,
        data: { email, source: 'arf' },
      });
      for (const s of members)
        if (queue(engine, s, 'complaint', 'spam complaint', now)) result.queuedForEsp++;
    }
    return 'bounce';
  }
  if (m.dsn) {
    const hard = m.dsn.recipients.filter(isHardBounce);
    if (!hard.length) return 'ignored';
    const original = m.dsn.originalMessageId
      ? ours(engine, parseMessageId(m.dsn.originalMessageId))
      : undefined;
    for (const r of hard) {
      const emailNorm = normalizeOr(r.recipient);
      const detail = `${r.status} ${r.diagnostic ?? ''}`.trim().slice(0, 500);
      const members = repo.byEmail(emailNorm);
      const changed = repo.bounce(emailNorm, `bounce report: ${detail}`, now);
      const added = repo.suppress(emailNorm, 'bounced', 'inbox', detail, now);
      if (added)
        recordSuppressionsAdded(
          engine,
          [
            {
              email: emailNorm,
              reason: 'bounced',
              detail,
              previous: members
                .filter((s) => s.status === 'subscribed' || s.status === 'pending')
                .map((s) => ({ subscriberId: s.id, status: s.status })),
            },
          ],
          {
            source: 'inbox',
            how: 'a bounce report in the backup mailbox',
            campaignId: original?.campaignId ?? null,
          },
        );
      if (changed || added) {
        result.bounces++;
        engine.record({
          type: 'subscriber.bounced',
          severity: 'warning',
          message: `${r.recipient} bounced (${detail}); suppressed in every list.`,
          campaignId: original?.campaignId ?? null,
          // `previous`: what each row was before, so lifting this suppression can give it back.
          data: {
            email: r.recipient,
            status: r.status,
            source: 'dsn',
            previous: members
              .filter((s) => s.status === 'subscribed' || s.status === 'pending')
              .map((s) => ({ subscriberId: s.id, status: s.status })),
          },
        });
        for (const sub of members) if (queue(engine, sub, 'bounce', detail, now)) result.queuedForEsp++;
      }
    }
    return 'bounce';
  }
  return 'ignored';
}

/**
 * The ids in one of our Message-IDs, if this database sent it: its installation id, or none (Message-IDs
 * from before installation ids). Another database's ids name other people; only the report's recipient
 * address counts then.
 */
function ours(engine: Engine, ids: ReturnType<typeof parseMessageId>): ReturnType<typeof parseMessageId> {
  return ids && (ids.scope === undefined || ids.scope === engine.repos.meta.installationId())
    ? ids
    : undefined;
}

function queue(
  engine: Engine,
  sub: {
    id: number;
    listId: number;
    email: string;
    emailNorm: string;
    espId: string | null;
    providerId: number | null;
    espListId: string | null;
  },
  kind: 'unsubscribe' | 'bounce' | 'complaint',
  detail: string,
  now: string,
): boolean {
  if (sub.providerId === null || sub.espListId === null) return false;
  return espRepos(engine).pushback.enqueue(
    {
      providerId: sub.providerId,
      listId: sub.listId,
      espListId: sub.espListId,
      email: sub.email,
      emailNorm: sub.emailNorm,
      espMemberId: sub.espId,
      kind,
      detail,
      happenedAt: now,
    },
    now,
  );
}

function normalizeOr(email: string): string {
  try {
    const n = normalizeEmail(email);
    return typeof n === 'string' ? n : email.trim().toLowerCase();
  } catch {
    return email.trim().toLowerCase();
  }
}
