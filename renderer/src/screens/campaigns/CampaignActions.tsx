/**
 * What can be done with a campaign now: the buttons are exactly the actions `campaignActions` (the
 * contract's one table, which the engine's own checks read too) allows for its status.
 */
import { useState } from 'react';
import { useStore } from '../../store';
import { ErrorBox } from '../../components/ErrorBox';
import { SendViaBackup } from '../../components/SendViaBackup';
import { resumeCampaign, startSend } from '../../components/sendActions';
import { useConfirm } from '../../components/Modal';
import type { ApiError } from '../../api/types';
import type { CampaignDetail } from '../../api/shapes';
import { campaignActions } from '../../../../electron/engine/api/sending';
import { localNow } from './time';
import { timeZone } from '../../components/format';

export function CampaignActions({ campaign: c }: { campaign: CampaignDetail }) {
  const act = useStore((s) => s.act);
  const bumpData = useStore((s) => s.bumpData);
  const [error, setError] = useState<ApiError | null>(null);
  const [backup, setBackup] = useState(false);
  const [when, setWhen] = useState('');
  const [ask, confirmDialog] = useConfirm();
  const allowed = new Set(campaignActions(c));
  const blockedByAudience = c.audience !== null && !c.audience.backupReady;

  const done = (r: { ok: true } | { ok: false; error: ApiError }) => {
    if (!r.ok) setError(r.error);
    bumpData();
  };
  const pause = async () => {
    setError(null);
    // A scheduled campaign is paused by the scheduler (and unscheduled at its ESP); a send mid-way by the run.
    done(
      c.status === 'scheduled'
        ? await act('pauseScheduled', { campaignId: c.id })
        : await act('pauseCampaign', { id: c.id }),
    );
  };
  const resume = () => {
    setError(null);
    // Stopped mid-send: it sends from what is left. Paused before it started: back on the schedule
    // (or out now when its time has passed). Either way the notice says what happened.
    resumeCampaign(c);
  };
  const cancel = async () => {
    const sure = await ask({
      title: 'Cancel this campaign?',
      body: 'Nothing more is sent; what was already sent stays recorded.',
      confirmLabel: 'Cancel the campaign',
      danger: true,
    });
    if (!sure) return;
    setError(null);
    done(await act('cancelScheduled', { campaignId: c.id }));
  };
  const schedule = async () => {
    if (!when) return;
    setError(null);
    // The time as typed, on the user's clock (their zone in the settings).
    done(await act('scheduleCampaign', { campaignId: c.id, at: when, timeZone: timeZone() }));
  };

  return (
    <>
      {confirmDialog}
      <div className="action-bar" role="group" aria-label="Campaign actions">
        {allowed.has('send') && (
          <button
            type="button"
            className="primary"
            onClick={() => setBackup(true)}
            disabled={blockedByAudience}
            title={blockedByAudience ? c.audience?.sentence : undefined}
          >
            Send via backup…
          </button>
        )}
        {allowed.has('pause') && (
          <button type="button" onClick={() => void pause()}>
            Pause
          </button>
        )}
        {allowed.has('resume') && (
          <button type="button" onClick={resume}>
            Resume
          </button>
        )}
        {allowed.has('retryFailed') && (
          <button type="button" onClick={() => startSend(c.id, undefined, 'retryFailed')}>
            Retry failed
          </button>
        )}
        {allowed.has('cancel') && (
          <button type="button" className="danger-outline" onClick={() => void cancel()}>
            Cancel campaign
          </button>
        )}
        {allowed.has('schedule') && (
          <span className="inline-field">
            <label htmlFor="cd-when">{c.scheduledAt ? 'Reschedule to' : 'Schedule for'}</label>
            <input
              id="cd-when"
              type="datetime-local"
              min={localNow()}
              value={when}
              onChange={(e) => setWhen(e.target.value)}
            />
            <button type="button" disabled={!when} onClick={() => void schedule()}>
              {c.scheduledAt ? 'Reschedule' : 'Schedule'}
            </button>
          </span>
        )}
      </div>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      {backup && (
        <SendViaBackup
          campaignId={c.id}
          onClose={() => setBackup(false)}
          onConfirm={(via, skipRisky) => {
            setBackup(false);
            startSend(c.id, via, 'sendCampaign', skipRisky);
          }}
        />
      )}
    </>
  );
}
