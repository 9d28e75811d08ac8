/**
 * A campaign's outage policy: what happens if its ESP (or, for a campaign made here, the primary
 * provider) is down at its send time. Shows the policy in force — its own or the default — and lets the
 * person give the campaign its own.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { ErrorBox } from './ErrorBox';
import type { ApiError } from '../api/types';
import { OutageModeSchema, type CampaignOutagePolicy } from '../../../electron/engine/api/continuity';

type Mode = CampaignOutagePolicy['mode'];
type Choice = Mode | 'default';
const CHOICES: readonly Choice[] = ['default', ...OutageModeSchema.options];

export function describeOutagePolicy(p: { mode: Mode; waitMinutes: number }): string {
  return p.mode === 'pause'
    ? 'Pause it and alert me'
    : p.mode === 'backup'
      ? 'Send it through the backup providers at once'
      : `Wait up to ${p.waitMinutes} minutes for it, then send through the backups`;
}

export function OutagePolicyControl({ campaignId, disabled }: { campaignId: number; disabled?: boolean }) {
  const [p, setP] = useState<CampaignOutagePolicy | null>(null);
  const [choice, setChoice] = useState<Choice>('default');
  const [minutes, setMinutes] = useState(30);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void api()
      .call('campaignPolicy', { campaignId })
      .then((r) => {
        if (!r.ok) return setError(r.error);
        const v = r.value;
        setP(v);
        setChoice(v.source === 'campaign' ? v.mode : 'default');
        setMinutes(v.waitMinutes);
      });
  }, [campaignId]);
  if (!p) return error ? <ErrorBox error={error} /> : null;

  const save = async () => {
    setSaved(false);
    const r = await api().call('setCampaignPolicy', {
      campaignId,
      outage: choice,
      ...(choice === 'wait' ? { waitMinutes: minutes } : {}),
    });
    if (!r.ok) return setError(r.error);
    setError(null);
    setP(r.value);
    setSaved(true);
  };

  return (
    <div className="field" data-testid="outage-policy">
      <label htmlFor="cd-outage">If its email service is down at the send time</label>
      <span className="inline-field">
        <select
          id="cd-outage"
          value={choice}
          disabled={disabled}
          onChange={(e) => {
            setChoice(CHOICES.find((c) => c === e.target.value) ?? 'default');
            setSaved(false);
          }}
        >
          <option value="default">Follow the default</option>
          <option value="pause">Pause it and alert me</option>
          <option value="wait">Wait, then send through the backups</option>
          <option value="backup">Send through the backups at once</option>
        </select>
        {choice === 'wait' && (
          <>
            <label htmlFor="cd-outage-wait">minutes</label>
            <input
              id="cd-outage-wait"
              type="number"
              min={1}
              max={1440}
              value={minutes}
              disabled={disabled}
              onChange={(e) => setMinutes(Number(e.target.value))}
            />
          </>
        )}
        <button type="button" disabled={disabled} onClick={() => void save()}>
          Save
        </button>
      </span>
      <p className="muted small" role="status">
        In force: {describeOutagePolicy(p)} ({p.source === 'campaign' ? 'this campaign’s own' : 'the default'}
        ).
        {saved ? ' Saved.' : ''}
      </p>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}
