/**
 * When relay feedback is pulled (issue 14, §5): every half hour for each provider in use (it sent in
 * the last two weeks) that has a relay API key, and once after each campaign, for the providers that
 * campaign went through. The campaign hook listens for the send's `send.finished` event, so the
 * sending loop knows nothing of it; the pull runs in the background (one at a time per engine) and the
 * engine waits for it before it closes.
 */
import type { Engine } from '../engine';
import type { EventRow } from '../db/repos/events';
import { PULL_EVERY_MS, pullRelayFeedback, type RelayPullResult } from '../sending/feedback/pull';
import type { PeriodicWork } from './service';

/** One line of what a pull did. */
export function pullSummary(results: RelayPullResult[]): string {
  if (results.length === 0) return 'no relay in use has an API key';
  return results
    .map((r) =>
      r.ok
        ? `${r.provider}: ${r.added.bounce + r.added.complaint + r.added.unsubscribe} new`
        : `${r.provider}: failed (${r.error})`,
    )
    .join('; ');
}

function secretsOpen(engine: Engine): boolean {
  return engine.services.secrets.current !== undefined;
}

export function relayFeedbackJob(engine: Engine): PeriodicWork {
  return {
    name: 'relay-feedback',
    everyMs: () => (engine.repos.relayFeedback.withKeys().length > 0 ? PULL_EVERY_MS : null),
    skip: () => (secretsOpen(engine) ? null : 'the secret store is locked (the relay API keys are in it)'),
    run: async (signal) => pullSummary(await pullRelayFeedback(engine, { inUse: true, signal })),
  };
}

/** The pull after the campaign `campaignId` finished, for the providers it went through. */
export async function pullAfterCampaign(
  engine: Engine,
  campaignId: number,
  signal?: AbortSignal,
): Promise<RelayPullResult[]> {
  const repo = engine.repos.relayFeedback;
  const used = repo.providersOfCampaign(campaignId).filter((id) => repo.state(id)?.apiSecretRef);
  if (used.length === 0 || !secretsOpen(engine)) return [];
  return pullRelayFeedback(engine, { providerIds: used, ...(signal ? { signal } : {}) });
}

/**
 * Listens for finished campaigns and pulls from their relays in the background. Returns a function
 * that resolves when the pulls started so far have settled (the engine's close waits on it).
 */
export function pullAfterCampaigns(engine: Engine, signal: AbortSignal): () => Promise<void> {
  engine.bus.on('event', (...a: unknown[]) => {
    const e = a[0] as EventRow;
    if (e.type !== 'send.finished' || e.campaignId === null || signal.aborted) return;
    const campaignId = e.campaignId;
    const next = engine.services.relayPull
      .catch(() => undefined)
      .then(() => (signal.aborted ? [] : pullAfterCampaign(engine, campaignId, signal)))
      .catch(() => undefined); // each failure is recorded on the timeline by the pull itself
    engine.services.relayPull = next;
  });
  return async () => {
    await engine.services.relayPull.catch(() => undefined);
  };
}
