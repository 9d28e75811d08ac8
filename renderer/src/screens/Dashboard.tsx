/**
 * Dashboard: at a glance, what is down, what is about to be late, and one-click choices during an
 * incident. Each panel fills in from its engine calls; panels whose calls are not in this engine say so.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { useResource, ResourceView, ValueTable } from '../components/Resource';
import { formatCount } from '../components/Progress';
import { IncidentBanner } from './IncidentBanner';

export function Dashboard() {
  const { lists, loadLists, timeline } = useStore(
    useShallow((s) => ({ lists: s.lists, loadLists: s.loadLists, timeline: s.timeline })),
  );
  useEffect(() => {
    void loadLists();
  }, [loadLists]);
  const providers = useResource('listProviders');
  const campaigns = useResource('listCampaigns', { upcoming: true });
  const totalSubs = lists.reduce((n, l) => n + (l.byStatus.subscribed ?? 0), 0);

  return (
    <section className="screen" aria-labelledby="dash-title">
      <header className="screen-head">
        <h1 id="dash-title">Dashboard</h1>
      </header>
      <IncidentBanner />
      <div className="cards">
        <article className="card" aria-labelledby="card-providers">
          <h2 id="card-providers">Sending providers</h2>
          <ResourceView res={providers} what="Provider health" calls={['listProviders']}>
            {(v) => (
              <ValueTable
                rows={v}
                caption="Providers and their health"
                empty="No providers yet. Add your ESP and a backup SMTP account under Providers."
              />
            )}
          </ResourceView>
        </article>
        <article className="card" aria-labelledby="card-next">
          <h2 id="card-next">Next scheduled campaigns</h2>
          <ResourceView res={campaigns} what="Scheduled campaigns" calls={['listCampaigns']}>
            {(v) => <ValueTable rows={v} caption="Upcoming campaigns" empty="Nothing scheduled." />}
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
                <li key={e.id} className={`sev-${e.severity}`}>
                  <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time> {e.message}
                </li>
              ))}
            </ol>
          )}
        </article>
      </div>
    </section>
  );
}
