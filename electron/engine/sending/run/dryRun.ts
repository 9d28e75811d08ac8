/** A dry run: renders every message and counts who would get it, without sending or changing anything. */
import type { Engine } from '../../engine';
import type { CampaignRow } from '../../db/repos/campaigns';
import type { SendSummary } from '../../api/sending';
import { campaignCapacity } from '../campaignCapacity';
import { prepareRun } from './prepare';
import type { RunOptions } from './types';

export async function dryRun(
  engine: Engine,
  campaign: CampaignRow,
  opts: RunOptions,
  t0: number,
): Promise<SendSummary> {
  const { target, list, chain, render } = await prepareRun(engine, campaign, opts, true);
  let would = 0;
  const skipped = 0;
  let suppressed = 0;
  let failed = 0;
  let n = 0;
  // A campaign aimed at a segment counts exactly its mirrored audience, not the whole list.
  const people = target.audience
    ? engine.repos.audience
        .subscriberIds(campaign.id)
        .map((id) => engine.repos.subscribers.byId(id))
        .filter((s) => s !== undefined)
    : engine.repos.subscribers.iterate(list.id);
  for (const s of people) {
    if (opts.signal?.aborted) break;
    if (s.status !== 'subscribed') continue;
    if (engine.repos.suppressions.get(s.emailNorm)) {
      suppressed++;
      continue;
    }
    try {
      render(s);
      would++;
    } catch {
      failed++;
    }
    if (++n % 5000 === 0) {
      opts.onProgress?.({
        campaignId: campaign.id,
        sent: would,
        failed,
        skipped,
        suppressed,
        queued: 0,
        total: n,
        inFlight: 0,
        perSecond: 0,
        provider: null,
        state: 'sending',
      });
      await new Promise((r) => setImmediate(r));
    }
  }
  const capacity =
    chain.map((p) => `"${p.name}"${p.caps.perDay ? ` (${p.caps.perDay}/day)` : ''}`).join(', ') ||
    'no provider yet';
  // When they would arrive through the chain as it is now (issue 16 §4).
  const forecast =
    chain.length > 0 ? campaignCapacity(engine, campaign.id, { via: opts.via, remaining: would }) : null;
  const finish = forecast ? `\n${[forecast.summary, ...forecast.notes].join('\n')}` : '';
  return {
    campaign: campaign.id,
    state: 'dry_run',
    sent: would,
    failed,
    skipped,
    suppressed,
    queued: would,
    byProvider: {},
    resentUncertain: 0,
    durationMs: Date.now() - t0,
    message: `Dry run of campaign ${campaign.id}: ${would} message(s) would be sent through ${capacity}; ${suppressed} suppressed; ${failed} could not be rendered. Nothing was sent or changed.${render.warnings.length ? ` Review: ${render.warnings.join(' ')}` : ''}${finish}`,
  };
}
