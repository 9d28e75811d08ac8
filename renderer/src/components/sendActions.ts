/**
 * Starting a send from any screen: the call runs for as long as the campaign sends (progress arrives
 * on send.progress), so it is started here and its outcome lands in the app's notice line.
 */
import { api } from '../api/client';
import { useStore } from '../store';
import type { ApiError } from '../api/types';
import { formatDateTime } from './format';

export function startSend(
  campaignId: number,
  via?: string,
  call: 'sendCampaign' | 'resumeCampaign' | 'retryFailed' = 'sendCampaign',
  /** Leave out the people most likely to hurt a cold or small backup (only for sendCampaign). */
  skipRisky = false,
): void {
  const { notify, bumpData } = useStore.getState();
  notify({ kind: 'info', text: via ? `Sending through ${via}…` : 'Sending…' });
  bumpData();
  void api()
    .call(call, { id: campaignId, ...(via ? { via } : {}), ...(skipRisky ? { skipRisky: true } : {}) })
    .then((r) => {
      bumpData();
      if (r.ok) notify({ kind: 'success', text: r.value.message });
      else notify({ kind: 'error', text: errorText(r.error) });
    });
}

/**
 * Resuming a paused campaign from any screen. One whose send had started resumes that send (its notice
 * follows the send, as `startSend`). One paused before its time goes back on the schedule — or out now
 * if its time has passed — and the notice says which, from the campaign as the engine left it, at the
 * time in the one format and the person's zone.
 */
export function resumeCampaign(campaign: { id: number; name: string; startedAt: string | null }): void {
  if (campaign.startedAt) return startSend(campaign.id, undefined, 'resumeCampaign');
  const { notify, bumpData } = useStore.getState();
  void api()
    .call('resumeScheduled', { campaignId: campaign.id })
    .then(async (r) => {
      bumpData();
      if (!r.ok) return notify({ kind: 'error', text: errorText(r.error) });
      const now = await api().call('getCampaign', { id: campaign.id });
      notify({ kind: 'success', text: now.ok ? resumedText(now.value) : r.value.message });
    });
}

/** What a resumed campaign does now, in words. */
export function resumedText(c: { name: string; status: string; scheduledAt: string | null }): string {
  if (c.status === 'scheduled' && c.scheduledAt)
    return `“${c.name}” is resumed: it will go out at ${formatDateTime(c.scheduledAt)}.`;
  if (c.status === 'sending' || c.status === 'sent') return `“${c.name}” is resumed and is being sent now.`;
  return `“${c.name}” is resumed; it is ${c.status} now.`;
}

const errorText = (e: ApiError) => [e.message, e.safe, e.next].filter(Boolean).join(' ');
