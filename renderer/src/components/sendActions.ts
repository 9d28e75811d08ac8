/**
 * Starting a send from any screen: the call runs for as long as the campaign sends (progress arrives
 * on send.progress), so it is started here and its outcome lands in the app's notice line.
 */
import { api } from '../api/client';
import { useStore } from '../store';

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
      else
        notify({
          kind: 'error',
          text: [r.error.message, r.error.safe, r.error.next].filter(Boolean).join(' '),
        });
    });
}
