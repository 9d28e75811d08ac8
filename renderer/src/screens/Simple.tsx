/**
 * Campaigns, Providers, Incidents and Backups: each shows its engine data as it becomes available.
 * Their calls belong to the sending and continuity areas of the engine; until this engine has them,
 * each panel says plainly that it is not available yet.
 */
import { useResource, ResourceView, ValueTable } from '../components/Resource';

function Panel({
  title,
  call,
  input,
  what,
  empty,
}: {
  title: string;
  call: string;
  input?: unknown;
  what: string;
  empty: string;
}) {
  const res = useResource(call, input);
  return (
    <article className="card" aria-label={title}>
      <h2>{title}</h2>
      <ResourceView res={res} what={what} calls={[call]}>
        {(v) => <ValueTable rows={v} caption={title} empty={empty} />}
      </ResourceView>
    </article>
  );
}

export function Campaigns() {
  return (
    <section className="screen" aria-labelledby="campaigns-title">
      <header className="screen-head">
        <h1 id="campaigns-title">Campaigns</h1>
      </header>
      <Panel title="Campaigns" call="listCampaigns" what="Campaigns" empty="No campaigns yet." />
    </section>
  );
}

export function Providers() {
  return (
    <section className="screen" aria-labelledby="providers-title">
      <header className="screen-head">
        <h1 id="providers-title">Providers</h1>
      </header>
      <Panel
        title="ESP connections and SMTP accounts"
        call="listProviders"
        what="Providers"
        empty="No providers yet."
      />
    </section>
  );
}

export function Incidents() {
  return (
    <section className="screen" aria-labelledby="incidents-title">
      <header className="screen-head">
        <h1 id="incidents-title">Incidents</h1>
      </header>
      <Panel
        title="Incidents"
        call="listIncidents"
        what="Incidents"
        empty="No incidents. Every provider has been healthy."
      />
    </section>
  );
}

export function Backups() {
  return (
    <section className="screen" aria-labelledby="backups-title">
      <header className="screen-head">
        <h1 id="backups-title">Backups</h1>
      </header>
      <Panel title="Backups" call="listBackups" what="Backups" empty="No backups yet." />
    </section>
  );
}
