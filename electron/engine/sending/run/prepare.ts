/**
 * What a run and a dry run both need before the first message: who the campaign goes to, the list, the
 * sending settings, the chain and the compiled message. The real run also checks the campaign may be
 * sent, needs at least one provider, and signs its unsubscribe links with the real key; a dry run signs
 * them with a throwaway key (its links are never sent, and the real key stays in the secret store).
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../../engine';
import { userError } from '../../errors';
import type { SecretStore } from '../../secrets';
import type { CampaignRow } from '../../db/repos/campaigns';
import type { ListRow } from '../../db/repos/lists';
import type { ProviderRow } from '../../db/repos/providers';
import { compileCampaign, type CompiledCampaign } from '../render';
import { secretStoreOf } from '../context';
import { requireSendingSettings, unsubscribeSecret } from '../settings';
import { noProviderError, requireProvider } from '../providers';
import { toRenderCampaign } from '../campaigns';
import type { RunOptions } from './types';

/** Who a campaign goes to: its whole list, or the audience of its segment/tag/group mirrored at sync. */
export interface SendTarget {
  listId: number;
  audience: boolean;
}

export interface Prepared {
  campaign: CampaignRow;
  target: SendTarget;
  list: ListRow;
  settings: ReturnType<typeof requireSendingSettings>;
  /** One provider with `via`, else every enabled SMTP provider, in the order the chain keeps. */
  chain: ProviderRow[];
  render: CompiledCampaign;
  /** The secret store (a real run only). */
  store: SecretStore | null;
}

/** The one preparation of a run (`dry`: a dry run, which sends nothing and needs no provider). */
export async function prepareRun(
  engine: Engine,
  campaign: CampaignRow,
  opts: RunOptions,
  dry: boolean,
): Promise<Prepared> {
  if (!dry) refuseUnsendable(engine, campaign);
  const target = sendTarget(engine, campaign);
  const list = engine.repos.lists.byId(target.listId)!;
  const settings = requireSendingSettings(engine, campaign.fromEmail);
  const chain = opts.via
    ? [requireProvider(engine, opts.via)]
    : engine.repos.providers.all('smtp').filter((p) => p.enabled);
  if (!dry && chain.length === 0) throw noProviderError();
  const store = dry ? null : secretStoreOf(engine, opts.secrets);
  const render = compileCampaign(toRenderCampaign(campaign), {
    ...settings,
    listName: list.name,
    unsubscribeSecret: store ? await unsubscribeSecret(engine, store) : randomBytes(16).toString('hex'),
  });
  return { campaign, target, list, settings, chain, render, store };
}

/** A cancelled, paused or finished campaign is not sent (again). */
function refuseUnsendable(engine: Engine, campaign: CampaignRow): void {
  if (campaign.status === 'cancelled')
    throw userError(`"${campaign.name}" was cancelled and cannot be sent.`, {
      code: 'campaign_cancelled',
      safe: 'Nothing was sent.',
      next: 'Create a new campaign to send this content again.',
    });
  if (campaign.status === 'paused')
    throw userError(`"${campaign.name}" is paused.`, {
      code: 'campaign_paused',
      safe: 'Nothing was sent.',
      next: `Resume it with \`understudy resume ${campaign.id}\`.`,
      appNext: 'Resume it with the Resume button on the campaign.',
    });
  const before = engine.repos.deliveries.counts(campaign.id);
  if (campaign.status === 'sent' && before.queued + before.claimed === 0)
    throw userError(`"${campaign.name}" has already been sent.`, {
      code: 'campaign_sent',
      safe: 'Nothing was sent again.',
      next: `To resend only to the recipients that failed, run \`understudy retry-failed ${campaign.id}\`.`,
      appNext: 'To resend only to the recipients that failed, use “Retry failed” on the campaign.',
    });
}

/**
 * The outbox sends to a whole list, or — for a campaign aimed at a segment, tags or groups at its ESP —
 * to exactly the audience the last sync resolved (campaign_audience). A target the ESP's API could not
 * enumerate, or not resolved yet, is refused rather than sent to everyone on the list.
 */
function sendTarget(engine: Engine, c: CampaignRow): SendTarget {
  if (c.segment !== null && c.segment !== undefined) {
    const a = engine.repos.audience.get(c.id);
    if (!a || a.state !== 'resolved')
      throw userError(
        a
          ? `Understudy cannot send campaign ${c.id} through a backup because ${a.reason ?? 'its ESP cannot list who it targets'}.`
          : `Campaign ${c.id} targets a segment of its audience that has not been resolved yet.`,
        {
          code: 'segment_unsupported',
          safe: 'Nothing was sent: sending it to the whole list could reach people it was not meant for.',
          next:
            a?.next ??
            'Sync the ESP connection (`understudy sync`) so Understudy learns who the segment holds, then send again.',
          appNext: a?.next ?? 'Sync the ESP connection (ESP connections screen), then send again.',
        },
      );
    const listId = c.listId ?? engine.repos.audience.firstListId(c.id);
    if (listId === null)
      throw userError(`Campaign ${c.id} targets a segment that holds nobody Understudy can mail.`, {
        code: 'audience_empty',
        safe: 'Nothing was sent.',
        next: 'Check the segment at the ESP, sync again, and send once it holds subscribed people.',
      });
    return { listId, audience: true };
  }
  if (c.listId === null)
    throw userError(`Campaign ${c.id} has no list to send to.`, {
      code: 'no_list',
      safe: 'Nothing was sent.',
      next: 'Create a local campaign for a list with `understudy campaigns add --list NAME ...`.',
      appNext: 'Create a new campaign for a list on the Campaigns screen.',
    });
  return { listId: c.listId, audience: false };
}
