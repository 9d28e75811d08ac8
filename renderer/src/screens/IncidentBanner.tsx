/**
 * The incident banner: while an incident is open, it names what is down and the campaigns it puts at
 * risk, with three choices each: pause, wait for the ESP (the outage hold), or send via backup (after
 * a confirmation that states recipients, providers, caps and the finish time).
 */
import { useState } from 'react';
import { useStore } from '../store';
import { useResource } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { SendViaBackup } from '../components/SendViaBackup';
import { startSend } from '../components/sendActions';
import type { ApiError } from '../api/types';
import type { Incident } from '../api/shapes';
import { formatDateTime, formatWhen } from '../components/format';
import { plural } from '../../../electron/engine/api/words';

interface AtRisk {
  id: number;
  name: string;
  when: string | null;
  status: string;
  hold: string | null;
  waitUntil: string | null;
  provider: string | null;
  policy: { mode: 'pause' | 'wait' | 'backup'; waitMinutes: number } | null;
}

/** "in 24 minutes", "in 2 hours", "now". */
function inWords(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min <= 0) return 'now';
  if (min < 90) return `in ${plural(min, 'minute')}`;
  const h = Math.round(min / 60);
  if (h < 48) return `in ${plural(h, 'hour')}`;
  return `in ${plural(Math.round(h / 24), 'day')}`;
}

const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** What happens to a campaign if the person does nothing (its outage policy, its hold, its time). */
export function ifNothing(c: AtRisk, down: string, backup: string | null, now = Date.now()): string {
  const via = backup ? `through ${backup}` : 'through a backup account (none is working right now)';
  if (c.status === 'sending') return `It keeps sending ${via}.`;
  if (c.status === 'paused') return 'It stays paused until you resume it.';
  if (c.hold === 'outage' && c.waitUntil) {
    const at = Date.parse(c.waitUntil);
    return `${cap(inWords(at - now))} (${formatWhen(c.waitUntil)}) Understudy will send it ${via}.`;
  }
  const when = c.when ? formatWhen(c.when) : null;
  const mode = c.policy?.mode ?? 'wait';
  const head = when ? `If ${down} is still down at ${when}, ` : `If ${down} is still down at its send time, `;
  if (mode === 'pause') return `${head}it will be paused and not sent until you resume it.`;
  if (mode === 'backup') return `${head}Understudy will send it ${via}.`;
  const wait = c.policy?.waitMinutes ?? 30;
  return `${head}Understudy will wait ${plural(wait, 'minute')} for it, then send it ${via}.`;
}

export function IncidentBanner() {
  const incidents = useResource('listIncidents', { limit: 20 });
  const schedule = useResource('scheduleList');
  const providers = useResource('listProviders');
  const act = useStore((s) => s.act);
  const bumpData = useStore((s) => s.bumpData);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Record<number, string>>({});
  const [backupFor, setBackupFor] = useState<number | null>(null);
  if (incidents.state !== 'ok' || !incidents.value) return null;
  const open = incidents.value.filter((i) => i.status === 'open');
  if (open.length === 0) return null;

  const atRisk: AtRisk[] = (schedule.value ?? [])
    .filter((c) => ['scheduled', 'sending', 'paused'].includes(c.status))
    .map((c) => ({
      id: c.id,
      name: c.name,
      when: c.scheduledAt,
      status: c.status,
      hold: c.hold,
      waitUntil: c.waitUntil,
      provider: c.provider,
      policy: c.outagePolicy ?? null,
    }));
  const downNames = new Set(open.map((i) => i.providerName).filter((n): n is string => !!n));
  // Only the campaigns the outage touches: those sending through what is down (or through the pool,
  // no provider named), and those already held for it.
  const affected = (i: Incident) =>
    atRisk.filter(
      (c) => c.hold === 'outage' || !i.providerName || c.provider === null || c.provider === i.providerName,
    );
  const shown = atRisk.filter((c) => open.some((i) => affected(i).includes(c)));
  const backup =
    (providers.value ?? [])
      .filter((p) => p.enabled && p.health === 'operational' && !downNames.has(p.name))
      .sort((a, b) => a.priority - b.priority)[0]?.name ?? null;
  const downName = open[0]?.providerName ?? 'the provider';

  const pause = async (id: number) => {
    setError(null);
    const r = await act('pauseScheduled', { campaignId: id });
    if (!r.ok) return setError(r.error);
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
            since {formatDateTime(i.openedAt)}.{' '}
            {affected(i).length === 0
              ? 'No scheduled campaign is affected.'
              : `${affected(i).length} ${affected(i).length === 1 ? 'campaign is' : 'campaigns are'} at risk:`}
          </p>
        </div>
      ))}
      {shown.map((c) => (
        <div key={c.id} className="affected" data-testid="affected-campaign">
          <span>
            <strong>{c.name}</strong>
            {c.when ? ` — due ${formatDateTime(c.when)}` : ''} · {c.status}
            {c.hold === 'outage' ? ' · held for the outage' : ''}
            <span className="if-nothing" data-testid="if-nothing">
              {' '}
              {ifNothing(c, downName, backup)}
            </span>
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
          onConfirm={(via, skipRisky) => {
            const id = backupFor;
            setBackupFor(null);
            setDone((d) => ({ ...d, [id]: 'Sending through the backup…' }));
            startSend(id, via, 'sendCampaign', skipRisky);
          }}
        />
      )}
    </div>
  );
}
