/**
 * Incidents: each outage with its timeline, notes, and the post-incident report (the engine's
 * self-contained HTML with its charts, shown in a sandboxed iframe).
 */
import { useRef, useState } from 'react';
import { useStore } from '../store';
import { api } from '../api/client';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import type { ApiError } from '../api/types';
import { EventLine, useNames } from '../components/EventLine';
import { formatDateTime } from '../components/format';
import { IncidentReview } from '../components/IncidentReview';
import { SubscriberNotice } from '../components/SubscriberNotice';

export function Incidents() {
  const incidents = useResource('listIncidents', { limit: 100 });
  const [selected, setSelected] = useState<number | null>(null);
  return (
    <section className="screen" aria-labelledby="incidents-title">
      <header className="screen-head">
        <h1 id="incidents-title">Incidents</h1>
      </header>
      <div className="split">
        <article className="card">
          <h2>All incidents</h2>
          <ResourceView res={incidents} what="Incidents">
            {(v) => {
              const list = v;
              if (list.length === 0)
                return <p className="muted">No incidents. Every provider has been healthy.</p>;
              return (
                <ul className="incident-list" data-testid="incident-list">
                  {list.map((i) => (
                    <li key={i.id}>
                      <button
                        type="button"
                        className={selected === i.id ? 'list-item selected' : 'list-item'}
                        aria-current={selected === i.id ? 'true' : undefined}
                        onClick={() => setSelected(i.id)}
                      >
                        <span>
                          <span className={`istatus istatus-${i.status}`}>
                            {i.status === 'open' ? 'Ongoing' : 'Over'}
                          </span>{' '}
                          {i.title}
                        </span>
                        <span className="muted small">{formatDateTime(i.openedAt)}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              );
            }}
          </ResourceView>
        </article>
        {selected !== null ? (
          <IncidentDetail id={selected} />
        ) : (
          <div className="empty-panel">Choose an incident to see its timeline and report.</div>
        )}
      </div>
    </section>
  );
}

function IncidentDetail({ id }: { id: number }) {
  const detail = useResource('getIncident', { id });
  const act = useStore((s) => s.act);
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [report, setReport] = useState<string | null>(null);
  const names = useNames();
  const d = detail.value;
  const addNote = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return;
    const r = await act('addIncidentNote', { id, text: note.trim() });
    if (!r.ok) return setError(r.error);
    setNote('');
    detail.reload();
  };
  const showReport = async () => {
    setError(null);
    const r = await api().reportHtml(id);
    if (!r.ok) return setError(r.error);
    setReport(r.value.html);
  };
  // Printing from the report's own frame prints the report alone, with its own styles; the system print
  // dialog offers "Save as PDF". The frame runs no script (no allow-scripts); allow-same-origin only
  // lets this page call print() on it, and allow-modals lets the dialog open.
  const frame = useRef<HTMLIFrameElement | null>(null);
  const [printWhenLoaded, setPrintWhenLoaded] = useState(false);
  const printReport = async () => {
    if (report === null) {
      setPrintWhenLoaded(true);
      await showReport();
      return;
    }
    frame.current?.contentWindow?.print();
  };
  const saveReport = async () => {
    setError(null);
    const r = await api().saveReport(id);
    if (!r.ok && r.error.code !== 'cancelled') setError(r.error);
  };
  return (
    <article className="card incident-detail" aria-label="Incident">
      <ResourceView res={detail} what="Incident">
        {() =>
          d && (
            <>
              <h2 className="plain-h">{d.title}</h2>
              <p className="muted">
                {d.providerName ?? 'Provider'} · started {formatDateTime(d.openedAt)}
                {d.closedAt ? ` · over ${formatDateTime(d.closedAt)}` : ' · still going on'}
              </p>
              <ol className="timeline" data-testid="incident-timeline">
                {d.timeline.map((e) => (
                  <EventLine key={e.id} event={e} names={names} />
                ))}
              </ol>
              <form onSubmit={addNote} className="note-form">
                <label htmlFor="inc-note">Add a note to the timeline</label>
                <textarea id="inc-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
                <button type="submit" disabled={!note.trim()}>
                  Add note
                </button>
              </form>
              <IncidentReview id={id} />
              <div className="action-bar">
                <button type="button" className="primary" onClick={() => void showReport()}>
                  Show the report
                </button>
                <button type="button" onClick={() => void saveReport()}>
                  Save the report…
                </button>
                <button type="button" onClick={() => void printReport()}>
                  Print or save as PDF…
                </button>
              </div>
              {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
              <SubscriberNotice over={d.closedAt !== null} />
              {report !== null && (
                <iframe
                  key={report} // a new frame for a new report (see the campaign preview)
                  className="preview report"
                  title="Incident report"
                  sandbox="allow-same-origin allow-modals"
                  ref={frame}
                  onLoad={() => {
                    if (!printWhenLoaded) return;
                    setPrintWhenLoaded(false);
                    frame.current?.contentWindow?.print();
                  }}
                  srcDoc={report}
                  data-testid="incident-report"
                />
              )}
            </>
          )
        }
      </ResourceView>
    </article>
  );
}
