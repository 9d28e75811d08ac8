/**
 * The incident banner: while an incident is open, it names what is down and the campaigns it puts at
 * risk, with three choices each: pause, wait for the ESP (the outage hold), or send via backup (after
 * a confirmation that states recipients, providers, caps and the finish time).
 */
import { useState } from 'react';
import { useStore } from '../store';
import { has } from '../api/client';
import { useResource } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { SendViaBackup } from '../components/SendViaBackup';
import { startSend } from '../components/sendActions';
import type { ApiError } from '../api/types';
import type { Campaign, Incident, ScheduledCampaign } from '../api/shapes';

interface AtRisk {
  id: number;
  name: string;
  when: string | null;
  status: string;
  hold: string | null;
  waitUntil: string | null;
}

export function IncidentBanner() {
  const incidents = useResource('listIncidents', { limit: 20 });
  const schedule = useResource(has('scheduleList') ? 'scheduleList' : 'listCampaigns');
  const act = useStore((s) => s.act);
  const bumpData = useStore((s) => s.bumpData);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Record<number, string>>({});
  const [backupFor, setBackupFor] = useState<number | null>(null);
  if (incidents.state !== 'ok' || !Array.isArray(incidents.value)) return null;
  const open = (incidents.value as Incident[]).filter((i) => i.status === 'open');
  if (open.length === 0) return null;

  const atRisk: AtRisk[] = ((schedule.value as (ScheduledCampaign | Campaign)[] | null) ?? [])
    .filter((c) => ['scheduled', 'sending', 'paused'].includes(c.status))
    .map((c) => ({
      id: c.id,
      name: c.name,
      when: c.scheduledAt,
      status: c.status,
      hold: 'hold' in c ? c.hold : null,
      waitUntil: 'waitUntil' in c ? c.waitUntil : null,
    }));

  const pause = async (id: number) => {
    setError(null);
    const r = has('pauseScheduled')
      ? await act('pauseScheduled', { campaignId: id })
      : await act('pauseCampaign', { id });
    if (!r.ok && r.error) return setError(r.error);
    setDone((d) => ({ ...d, [id]: 'Paused. Resume it from Campaigns when you are ready.' }));
    bumpData();
  };

  return (
    <div className="incident-banner" role="alert" data-testid="incident-banner">
      {open.map((i) => (
        <div key={i.id}>
          <h2>
            <span aria-hidden="true">⚠ </span>
            {i.title}
          </h2>
          <p>
            {i.providerName
              ? `${i.providerName} is not working properly`
              : 'A provider is not working properly'}{' '}
            since {new Date(i.openedAt).toLocaleString()}.{' '}
            {atRisk.length === 0
              ? 'No scheduled campaign is affected.'
              : `${atRisk.length} ${atRisk.length === 1 ? 'campaign is' : 'campaigns are'} at risk:`}
          </p>
        </div>
      ))}
      {atRisk.map((c) => (
        <div key={c.id} className="affected" data-testid="affected-campaign">
          <span>
            <strong>{c.name}</strong>
            {c.when ? ` — due ${new Date(c.when).toLocaleString()}` : ''} · {c.status}
            {c.hold === 'outage'
              ? ` · held for the outage${c.waitUntil ? ` until ${new Date(c.waitUntil).toLocaleTimeString()}` : ''}`
              : ''}
            {done[c.id] ? <span className="muted"> — {done[c.id]}</span> : null}
          </span>
          <span className="actions">
            <button type="button" onClick={() => void pause(c.id)}>
              Pause
            </button>
            <button
              type="button"
              onClick={() =>
                setDone((d) => ({
                  ...d,
                  [c.id]:
                    'Waiting: it goes out through your ESP when it recovers (the outage policy decides how long).',
                }))
              }
            >
              Wait for the ESP
            </button>
            <button type="button" className="primary" onClick={() => setBackupFor(c.id)}>
              Send via backup…
            </button>
          </span>
        </div>
      ))}
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      {backupFor !== null && (
        <SendViaBackup
          campaignId={backupFor}
          onClose={() => setBackupFor(null)}
          onConfirm={(via) => {
            const id = backupFor;
            setBackupFor(null);
            setDone((d) => ({ ...d, [id]: 'Sending through the backup…' }));
            startSend(id, via);
          }}
        />
      )}
    </div>
  );
}
