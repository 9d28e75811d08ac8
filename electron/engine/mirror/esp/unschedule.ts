/**
 * Before Understudy sends a mirrored campaign through a backup, the ESP must not send it too. This
 * unschedules (or suspends/cancels) it at the ESP when the API answers; when it cannot, the result says
 * plainly that the ESP may still send it later, and the caller decides (the continuity engine asks the
 * person, or holds the send).
 */
import type { Engine } from '../../engine';
import { userError } from '../../errors';
import { openConnector } from './connections';
import type { UnscheduleResult } from './types';

export interface UnscheduleOutcome {
  campaignId: number;
  provider: string | null;
  result: UnscheduleResult;
}

export async function unscheduleAtEsp(
  engine: Engine,
  campaignId: number,
  opts: { signal?: AbortSignal } = {},
): Promise<UnscheduleOutcome> {
  const repos = engine.repos;
  const c = repos.espCampaigns.byId(campaignId);
  if (!c)
    throw userError(`There is no campaign #${campaignId}.`, {
      code: 'campaign_not_found',
      safe: 'Nothing was changed.',
    });
  if (c.providerId === null || c.espCampaignId === null)
    return {
      campaignId,
      provider: null,
      result: { status: 'done', message: 'This campaign was made in Understudy; no ESP has it scheduled.' },
    };
  const provider = repos.espSync.providerById(c.providerId);
  if (!provider)
    return {
      campaignId,
      provider: null,
      result: {
        status: 'failed',
        message:
          'The ESP connection this campaign came from was removed, so it cannot be unscheduled from here. The ESP may still send it later: unschedule it in the ESP before sending it from Understudy.',
      },
    };
  let result: UnscheduleResult;
  try {
    const connector = await openConnector(engine, provider);
    result = connector.capabilities.unschedule
      ? await connector.unschedule(c.espCampaignId, opts)
      : {
          status: 'not_supported',
          message: `${connector.label}'s API cannot unschedule a campaign. It may still send "${c.name || c.subject}" at its scheduled time: cancel it in ${connector.label} before sending it from here.`,
        };
  } catch (e) {
    result = {
      status: 'failed',
      message: `${(e as Error).message} The ESP may still send "${c.name || c.subject}" at its scheduled time: unschedule it there before sending it from Understudy.`,
    };
  }
  engine.record({
    type: result.status === 'done' ? 'esp.unscheduled' : 'esp.unschedule_failed',
    severity: result.status === 'done' ? 'info' : 'warning',
    message: result.message,
    providerId: provider.id,
    campaignId,
    data: { status: result.status, espCampaignId: c.espCampaignId },
  });
  return { campaignId, provider: provider.name, result };
}
