/**
 * The incident banner: shown while an incident is open, with the affected campaigns and the three
 * choices (pause, wait for the ESP, send via backup). Hidden when the engine has no incident calls.
 */
import { useState } from 'react';
import { useStore } from '../store';
import { useResource } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import type { ApiError } from '../api/types';

interface IncidentLike {
  id: number;
  title?: string;
  summary?: string;
  message?: string;
  providerName?: string;
  openedAt?: string;
  status?: string;
  state?: string;
  affectedCampaigns?: { id: number; name?: string; subject?: string; scheduledAt?: string }[];
}

export function IncidentBanner() {
  const res = useResource('listIncidents', { open: true });
  const act = useStore((s) => s.act);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (res.state !== 'ok' || !Array.isArray(res.value)) return null;
  const open = (res.value as IncidentLike[]).filter((i) => (i.status ?? i.state ?? 'open') === 'open');
  if (open.length === 0) return null;
  const choose = async (incident: IncidentLike, campaignId: number, choice: 'pause' | 'wait' | 'backup') => {
    setError(null);
    const call = { pause: 'pauseCampaign', wait: 'waitForProvider', backup: 'sendViaBackup' }[choice];
    const r = await act(call, { campaignId, incidentId: incident.id });
    if (!r.ok && r.error) setError(r.error);
    else
      setDone(
        `Done: ${choice === 'backup' ? 'sending through the backup' : choice === 'pause' ? 'paused' : 'waiting for the ESP'}.`,
      );
    res.reload();
  };
  return (
    <div className="incident-banner" role="alert" data-testid="incident-banner">
      {open.map((i) => (
        <div key={i.id}>
          <h2>⚠ {i.title ?? i.summary ?? i.message ?? 'A provider is down'}</h2>
          {i.openedAt && <p>Since {new Date(i.openedAt).toLocaleString()}.</p>}
          {(i.affectedCampaigns ?? []).map((c) => (
            <div key={c.id} className="affected">
              <span>
                {c.name ?? c.subject ?? `Campaign ${c.id}`}
                {c.scheduledAt ? ` — due ${new Date(c.scheduledAt).toLocaleString()}` : ''}
              </span>
              <span className="actions">
                <button type="button" onClick={() => void choose(i, c.id, 'pause')}>
                  Pause
                </button>
                <button type="button" onClick={() => void choose(i, c.id, 'wait')}>
                  Wait for the ESP
                </button>
                <button type="button" className="primary" onClick={() => void choose(i, c.id, 'backup')}>
                  Send via backup…
                </button>
              </span>
            </div>
          ))}
        </div>
      ))}
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      {done && <p role="status">{done}</p>}
    </div>
  );
}
