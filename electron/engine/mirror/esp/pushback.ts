/**
 * Closing the loop after an outage: unsubscribes, bounces and complaints recorded locally are queued
 * (esp_pushback) and pushed to the ESP once it answers. Each item is marked done in the same
 * transaction that records the ESP's answer, one item at a time, so a push that fails halfway resumes
 * with exactly the items the ESP has not confirmed, never sending one twice. The connectors' pushes are
 * idempotent anyway (they read the member first and answer "already" when the ESP has it).
 */
import type { Engine } from '../../engine';
import { userError } from '../../errors';
import { connectionsFor, openConnector } from './connections';
import { isEspError } from './http';
import type { PushBackKind } from './types';

export interface EnqueueRequest {
  subscriberId: number;
  kind: PushBackKind;
  detail?: string | null;
  /** When it happened (default now). */
  at?: string;
}

/**
 * Queues a local unsubscribe/bounce/complaint of a subscriber for its list's ESP. Returns false when
 * the list is not mirrored from an ESP (nothing to push) or the same item is already pending.
 * Call it in the same transaction that changes the subscriber's status when you can.
 */
export function enqueuePushBack(engine: Engine, req: EnqueueRequest): boolean {
  const sub = engine.repos.subscribers.byId(req.subscriberId);
  if (!sub) throw userError(`There is no subscriber #${req.subscriberId}.`, { safe: 'Nothing was queued.' });
  const list = engine.repos.lists.byId(sub.listId);
  if (!list?.providerId || !list.espListId) return false;
  const now = engine.now();
  return engine.repos.espPushback.enqueue(
    {
      providerId: list.providerId,
      listId: list.id,
      espListId: list.espListId,
      email: sub.email,
      emailNorm: sub.emailNorm,
      espMemberId: sub.espId,
      kind: req.kind,
      detail: req.detail ?? null,
      happenedAt: req.at ?? now,
    },
    now,
  );
}

export interface PushBackSummary {
  provider: string;
  pushed: number;
  already: number;
  notFound: number;
  notSupported: number;
  failed: number;
  /** Still pending (the ESP did not answer); retried on the next run. */
  pending: number;
  error: string | null;
}

/**
 * Pushes every pending item of one connection (or all). Stops a connection at the first transient
 * failure (the ESP is still unwell) and leaves the rest pending; a permanent refusal of one item marks
 * that item failed and goes on.
 */
export async function pushBack(
  engine: Engine,
  opts: { esp?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<PushBackSummary[]> {
  const out: PushBackSummary[] = [];
  const repo = engine.repos.espPushback;
  for (const provider of connectionsFor(engine, opts.esp)) {
    const s: PushBackSummary = {
      provider: provider.name,
      pushed: 0,
      already: 0,
      notFound: 0,
      notSupported: 0,
      failed: 0,
      pending: 0,
      error: null,
    };
    out.push(s);
    if (repo.countByState(provider.id).pending === 0) continue;
    const connector = await openConnector(engine, provider);
    let afterId = 0;
    outer: for (;;) {
      const batch = repo.pending(provider.id, 100, afterId);
      if (batch.length === 0) break;
      for (const item of batch) {
        afterId = item.id;
        try {
          const r = await connector.pushBack(
            {
              kind: item.kind,
              email: item.email,
              espListId: item.espListId,
              espMemberId: item.espMemberId,
              at: item.happenedAt,
              detail: item.detail,
            },
            { signal: opts.signal },
          );
          repo.markDone(item.id, r.status, r.message ?? null, engine.now());
          if (r.status === 'done') s.pushed++;
          else if (r.status === 'already') s.already++;
          else if (r.status === 'not_found') s.notFound++;
          else s.notSupported++;
        } catch (e) {
          const msg = (e as Error).message;
          if (
            isEspError(e) &&
            !e.retryable &&
            e.espCodeName !== 'esp_auth' &&
            e.espCodeName !== 'esp_cancelled'
          ) {
            repo.markFailed(item.id, msg, engine.now());
            s.failed++;
            continue;
          }
          repo.markAttempt(item.id, msg, engine.now());
          s.error = msg;
          break outer;
        }
      }
    }
    s.pending = repo.countByState(provider.id).pending;
    if (s.pushed + s.already + s.notFound + s.notSupported + s.failed > 0 || s.error)
      engine.record({
        type: s.error ? 'esp.pushback_incomplete' : 'esp.pushback',
        severity: s.error || s.failed ? 'warning' : 'info',
        message: `Pushed ${s.pushed} unsubscribes/bounces back to "${provider.name}" (${s.already} already there, ${s.notFound} unknown there${s.failed ? `, ${s.failed} refused` : ''})${s.error ? `; ${s.pending} still waiting: ${s.error}` : '.'}`,
        providerId: provider.id,
      });
  }
  return out;
}
