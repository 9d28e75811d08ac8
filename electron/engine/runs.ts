/**
 * A campaign's runs as the layers below sending see them: whether the process holding a run is still
 * sending (runIsDead), and stopping a campaign's send (stopCampaignSend). The sending engine's cancel
 * (sending/control.ts) is this plus the person's checks and the ESP's custody; the custody duties
 * (mirror/esp/custody.ts) use it when an ESP sent a campaign Understudy holds, without reaching up
 * into sending.
 */
import { hostname } from 'node:os';
import type { Engine } from './engine';
import type { RunRow } from './db/repos/campaignRuns';
import { statusesAllowing } from './api/sending';
import { judgeLease, ownIdentity, STALE_MS } from './lease';

/** Whether the process holding a 'running' row is gone, a zombie, a reused pid or silent (lease.ts). */
export function runIsDead(engine: Engine, r: RunRow, staleMs: number): boolean {
  if (r.host === hostname() && r.pid === process.pid && (!r.identity || r.identity === ownIdentity()))
    return !engine.services.sending.runs.has(r.campaignId);
  return judgeLease(r, engine.clock.now(), staleMs).dead;
}

/**
 * Cancels a campaign's send: its status becomes 'cancelled' by compare-and-set (with `within`, e.g.
 * taking custody, in the same transaction), a run of this process is told at once, the queued
 * deliveries are skipped (rows on the wire in a live run are settled by that run), and the timeline
 * says so. Null, with nothing changed, when the campaign's status does not allow a cancel.
 */
export function stopCampaignSend(
  engine: Engine,
  id: number,
  within?: () => void,
): { skipped: number } | null {
  const cancelled = engine.db.transaction(() => {
    if (!engine.repos.campaigns.transition(id, statusesAllowing('cancel'), 'cancelled', engine.now()))
      return false;
    within?.();
    return true;
  })();
  if (!cancelled) return null;
  const live = engine.repos.campaignRuns.running(id).some((r) => !runIsDead(engine, r, STALE_MS));
  engine.services.sending.runs.get(id)?.abort('cancel');
  const skipped = engine.repos.deliveries.skipRemaining(id, 'cancelled', engine.now(), !live);
  engine.record({
    type: 'send.cancelled',
    severity: 'warning',
    message: `Campaign ${id} cancelled; ${skipped} message(s) not sent. What was already sent stays recorded.`,
    campaignId: id,
    data: { skipped },
  });
  return { skipped };
}
