/**
 * Dashboard: at a glance, what is down, what is about to be late, and one-click choices during an
 * incident. Each panel fills in from its engine calls; panels whose calls are not in this engine say so.
 */
import { useEffect, useState } from 'react';
import { ErrorBox } from '../components/ErrorBox';
import type { ApiError } from '../api/types';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { useResource, ResourceView } from '../components/Resource';
import { HealthBadge } from '../components/Health';
import type { Campaign, Provider, ProviderHealth, ScheduledCampaign } from '../api/shapes';
import { formatCount } from '../components/Progress';
import { IncidentBanner } from './IncidentBanner';
import { MirrorAge } from '../components/MirrorAge';
import { EventLine, useNames } from '../components/EventLine';
import { formatDateTime, plainError } from '../components/format';
import { ReadinessCard } from '../components/ReadinessCard';

export function Dashboard() {
  const { lists, loadLists, timeline } = useStore(
    useShallow((s) => ({ lists: s.lists, loadLists: s.loadLists, timeline: s.timeline })),
  );
  useEffect(() => {
    void loadLists();
  }, [loadLists]);
  const providers = useResource('healthStatus');
  const campaigns = useResource('scheduleList');
  const names = useNames();
  const totalSubs = lists.reduce((n, l) => n + (l.byStatus.subscribed ?? 0), 0);

  return (
    <section className="screen" aria-labelledby="dash-title">
      <header className="screen-head">
        <h1 id="dash-title">Dashboard</h1>
      </header>
      <IncidentBanner />
      <div className="cards">
        <ReadinessCard />
        <article className="card" aria-labelledby="card-providers">
          <h2 id="card-providers">Sending providers</h2>
          <CheckNow />
          <ResourceView res={providers} what="Provider health">
            {(v) => <HealthList rows={v} />}
          </ResourceView>
        </article>
        <article className="card" aria-labelledby="card-next">
          <h2 id="card-next">Next scheduled campaigns</h2>
          <ResourceView res={campaigns} what="Scheduled campaigns">
            {(v) => <Upcoming rows={v} onChanged={campaigns.reload} />}
          </ResourceView>
        </article>
        <article className="card" aria-labelledby="card-lists">
          <h2 id="card-lists">Your mirror</h2>
          {lists.length === 0 ? (
            <p className="muted">
              No lists mirrored yet. Import an export under Lists so a copy of your subscribers is safe here.
            </p>
          ) : (
            <>
              <p className="big-number">{formatCount(totalSubs)}</p>
              <p className="muted">
                subscribed across {lists.length} {lists.length === 1 ? 'list' : 'lists'}
              </p>
              <ul className="plain">
                {lists.map((l) => (
                  <li key={l.id}>
                    {l.name}: {formatCount(l.total)} ({formatCount(l.byStatus.unsubscribed ?? 0)} unsubscribed
                    — never mailed)
                    {l.providerId !== null && (
                      <>
                        {' '}
                        <MirrorAge asOf={l.mirrorAsOf} stale={l.mirrorStale} />
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
        </article>
        <article className="card" aria-labelledby="card-activity">
          <h2 id="card-activity">Recent activity</h2>
          {timeline.length === 0 ? (
            <p className="muted">Nothing has happened since this window opened.</p>
          ) : (
            <ol className="timeline" aria-live="polite">
              {timeline.slice(0, 8).map((e) => (
                <EventLine key={e.id} event={e} names={names} />
              ))}
            </ol>
          )}
        </article>
      </div>
    </section>
  );
}

function CheckNow() {
  const act = useStore((s) => s.act);
  const bumpData = useStore((s) => s.bumpData);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <div className="card-tools">
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          const r = await act('checkHealthNow', {});
          setBusy(false);
          if (!r.ok) setError(r.error);
          bumpData();
        }}
      >
        {busy ? 'Checking…' : 'Check now'}
      </button>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}

function HealthList({ rows }: { rows: (ProviderHealth | Provider)[] }) {
  if (rows.length === 0)
    return <p className="muted">No providers yet. Add your ESP and a backup SMTP account under Providers.</p>;
  return (
    <ul className="health-list" data-testid="health-list">
      {rows.map((r) => {
        const name = 'provider' in r ? r.provider : r.name;
        const state = 'state' in r ? r.state : r.health;
        const detail =
          'lastResult' in r ? r.lastResult?.detail : 'breakerReason' in r ? r.breakerReason : null;
        const kind = 'kind' in r ? (r.kind === 'esp' ? 'ESP' : 'SMTP') : 'SMTP';
        return (
          <li key={`${kind}-${name}`}>
            <span>
              <strong>{name}</strong> <span className="muted small">{kind}</span>
              {detail && state !== 'operational' ? <HealthDetail text={detail} /> : null}
            </span>
            <HealthBadge state={state} />
          </li>
        );
      })}
    </ul>
  );
}

/** A probe's result: plain words first, the technical text behind a toggle. */
function HealthDetail({ text }: { text: string }) {
  const p = plainError({ kind: 'user', code: 'health', message: text });
  if (p.what === text) return <div className="muted small">{text}</div>;
  // Nothing we can say in words: only the toggle, never a vague "something did not work".
  if (p.what === 'Something did not work.')
    return (
      <div className="muted small">
        <details className="event-details">
          <summary>Details</summary>
          {text}
        </details>
      </div>
    );
  return (
    <div className="muted small">
      {p.what}
      <details className="event-details">
        <summary>Details</summary>
        {text}
      </details>
    </div>
  );
}

function Upcoming({ rows, onChanged }: { rows: (ScheduledCampaign | Campaign)[]; onChanged: () => void }) {
  const next = rows
    .filter((c) => ['scheduled', 'sending', 'paused'].includes(c.status))
    .sort((a, b) => (a.scheduledAt ?? '').localeCompare(b.scheduledAt ?? ''))
    .slice(0, 6);
  if (next.length === 0) return <p className="muted">Nothing scheduled.</p>;
  return (
    <ul className="health-list">
      {next.map((c) => (
        <li key={c.id}>
          <span>
            <strong>{c.name}</strong>
            <div className="muted small">
              {/* The one format, in the user's zone (never the campaign's own zone from its ESP). */}
              {c.scheduledAt ? formatDateTime(c.scheduledAt) : 'not scheduled'}
              {'hold' in c && c.hold === 'outage' ? ' · waiting for its provider' : ''}
            </div>
            {'hold' in c && c.hold === 'catchup' && <CatchUpChoice campaign={c} onChanged={onChanged} />}
          </span>
          <span className={`cstatus cstatus-${c.status}`}>{c.status}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * A campaign whose send time passed while Understudy was not running waits for the person's answer
 * (issue 15 §1): send it now, or skip it. Answered here, where the dashboard shows it.
 */
function CatchUpChoice({ campaign, onChanged }: { campaign: ScheduledCampaign; onChanged: () => void }) {
  const act = useStore((s) => s.act);
  const bumpData = useStore((s) => s.bumpData);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const decide = async (decision: 'send' | 'skip') => {
    setBusy(true);
    setError(null);
    const r = await act('decideCatchUp', { campaignId: campaign.id, decision });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    onChanged();
    bumpData();
  };
  return (
    <div className="catchup" role="group" aria-label={`${campaign.name}: missed its send time`}>
      <p className="small">
        It missed its send time while Understudy was not running. Send it now, or skip it?
      </p>
      <button type="button" className="primary" disabled={busy} onClick={() => void decide('send')}>
        Send now
      </button>{' '}
      <button type="button" disabled={busy} onClick={() => void decide('skip')}>
        Skip
      </button>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}
