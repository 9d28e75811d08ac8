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
import type { InboxRepo, InboxSubscriber } from '../db/repos/inbox';
import { parseUnsubscribeToken, parseMessageId } from '../sending/render/tokens';
import { unsubscribeSecret } from '../sending/settings';
import { normalizeEmail } from '../mirror/email';
import { keepForReview, queueForEsp, unsubscribeMember } from './unsubscribe';
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
  /** Unsubscribe requests that could not be applied on their own: in the review queue. */
  forReview: number;
  queuedForEsp: number;
}

/** A token-shaped code in a subject, verified or not (a damaged MAC still says the person asked). */
const TOKEN_IN_SUBJECT = /unsubscribe-([0-9a-z]{1,11}\.[0-9a-z]{1,11}\.[A-Za-z0-9_-]{1,64})/i;
/** A person writing "unsubscribe" (or "unsubscribe me", "Re: unsubscribe") in the subject. */
const ASKS_TO_UNSUBSCRIBE = /\bunsubscribe\b/i;

export async function processInbox(
  engine: Engine,
  opts: { signal?: AbortSignal } = {},
): Promise<InboxResult> {
  const settings = requireMailbox(engine);
  const repo = engine.repos.inbox;
  const secret = await unsubscribeSecret(engine, engine.services.secrets.store());
  const result: InboxResult = {
    mailbox: settings.mailbox,
    examined: 0,
    unsubscribes: 0,
    bounces: 0,
    complaints: 0,
    ignored: 0,
    forReview: 0,
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
          const kind = apply(
            engine,
            repo,
            parsed,
            secret,
            now,
            result,
            `mailto:${settings.mailbox}:${uidValidity}:${msg.uid}`,
          );
          if (kind === 'ignored') result.ignored++;
          if (kind === 'review') result.forReview++;
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
  if (result.unsubscribes || result.bounces || result.complaints || result.forReview) {
    engine.record({
      type: 'inbox.processed',
      message: `Backup mailbox: ${result.unsubscribes} unsubscribe(s) and ${result.bounces} bounce(s) and ${result.complaints} complaint(s) applied and suppressed${result.queuedForEsp ? `, ${result.queuedForEsp} queued for the ESP` : ''}${result.forReview ? `; ${result.forReview} unsubscribe request(s) kept for review` : ''}.`,
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
  dedupe: string,
): 'unsubscribe' | 'bounce' | 'review' | 'ignored' {
  const token = TOKEN_IN_SUBJECT.exec(m.subject)?.[1];
  if (!m.dsn && !m.complaint && (token || ASKS_TO_UNSUBSCRIBE.test(m.subject))) {
    return mailtoUnsubscribe(engine, repo, m, token, secret, now, result, dedupe);
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
        if (queueForEsp(engine, s, 'complaint', 'spam complaint', now)) result.queuedForEsp++;
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
        for (const sub of members) if (queueForEsp(engine, sub, 'bounce', detail, now)) result.queuedForEsp++;
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

function normalizeOr(email: string): string {
  try {
    const n = normalizeEmail(email);
    return typeof n === 'string' ? n : email.trim().toLowerCase();
  } catch {
    return email.trim().toLowerCase();
  }
}

/**
 * A mailto unsubscribe request (issue 14, §2). A token that verifies names the membership: that one is
 * unsubscribed. Otherwise the person still asked: the sender's address is unsubscribed from the list of
 * the campaign the code names (read from the code even when its signature fails: it only narrows), and
 * when that list does not hold the address (or there is no code), from every list that does. A sender
 * on no list, or with no address, goes to the review queue. From can be forged; the worst a forger
 * gets is someone unsubscribed, and when in doubt about consent we do not mail.
 */
function mailtoUnsubscribe(
  engine: Engine,
  repo: InboxRepo,
  m: Awaited<ReturnType<typeof parseInboxMessage>>,
  token: string | undefined,
  secret: string,
  now: string,
  result: InboxResult,
  dedupe: string,
): 'unsubscribe' | 'review' | 'ignored' {
  const ids = token ? parseUnsubscribeToken(token, secret) : undefined;
  if (ids && ids.subscriberId === 0) return 'ignored'; // a test message (testSend.ts): nobody to unsubscribe
  const sub = ids ? repo.subscriber(ids.subscriberId) : undefined;
  let targets: InboxSubscriber[];
  let campaignId: number | null = ids?.campaignId ?? null;
  let how = 'signed code';
  if (sub) targets = [sub];
  else {
    const from = m.from ? normalizeOr(m.from) : null;
    const members = from ? repo.byEmail(from) : [];
    if (campaignId === null && token) {
      const c = parseInt(token.split('.')[0]!, 36);
      campaignId = Number.isSafeInteger(c) && engine.repos.campaigns.byId(c) ? c : null;
    }
    const campaignList = campaignId !== null ? engine.repos.campaigns.byId(campaignId)?.listId : undefined;
    const ofCampaign = members.filter((s) => s.listId === campaignList);
    targets = ofCampaign.length ? ofCampaign : members;
    how = ofCampaign.length ? "sender's address, list of the campaign" : "sender's address, every list";
    if (!targets.length) {
      keepForReview(
        engine,
        {
          channel: 'mailto',
          reason: token ? (ids ? 'unknown_subscriber' : 'bad_token') : 'not_on_list',
          dedupe,
          token: token ?? null,
          fromEmail: from,
          subject: m.subject,
          campaignId,
          detail: from
            ? `Unsubscribe email from ${from}, who is on none of your lists.`
            : 'Unsubscribe email without a sender address.',
        },
        now,
      );
      return 'review';
    }
  }
  let any = false;
  for (const t of targets) {
    const r = unsubscribeMember(engine, t, campaignId, 'mailto', now, how);
    if (r.changed) any = true;
    if (r.queuedForEsp) result.queuedForEsp++;
  }
  if (any) result.unsubscribes++;
  return 'unsubscribe';
}
