/**
 * The post-incident review (issue 16 §7), under an incident: its cause (a choice plus words), what
 * worked, what did not, and the actions with an owner. Saved in the engine (the same review the CLI
 * edits) and printed with the incident's report.
 */
import { useEffect, useState } from 'react';
import { useStore } from '../store';
import { useResource } from './Resource';
import { ErrorBox } from './ErrorBox';
import type { ApiError } from '../api/types';
import {
  INCIDENT_CAUSES,
  INCIDENT_CAUSE_WORDS,
  type IncidentCause,
  type IncidentReview as Review,
} from '../../../electron/engine/api/review';

export function IncidentReview({ id }: { id: number }) {
  const review = useResource('getIncidentReview', { id });
  const act = useStore((s) => s.act);
  const v = review.value as Review | null;
  const [cause, setCause] = useState<IncidentCause | ''>('');
  const [causeText, setCauseText] = useState('');
  const [worked, setWorked] = useState('');
  const [didNotWork, setDidNotWork] = useState('');
  const [action, setAction] = useState('');
  const [owner, setOwner] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  // A ticked box shows at once; the stored review replaces it when it reloads (or the error says why not).
  const [ticking, setTicking] = useState<Record<number, boolean>>({});
  useEffect(() => setTicking({}), [v]);
  // The form starts from what is stored, and again when another incident is chosen.
  const loadedFor = v ? `${v.incidentId}` : null;
  useEffect(() => {
    if (!v) return;
    setCause(v.cause ?? '');
    setCauseText(v.causeText);
    setWorked(v.worked);
    setDidNotWork(v.didNotWork);
    setSaved(false);
    // Only when a review loads for another incident: edits in progress are not overwritten by reloads.
  }, [loadedFor]);

  const run = async (call: Promise<{ ok: boolean; error?: ApiError }>): Promise<boolean> => {
    setError(null);
    const r = await call;
    if (!r.ok) {
      if (r.error) setError(r.error);
      return false;
    }
    review.reload();
    return true;
  };
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await run(act('saveIncidentReview', { id, cause: cause || null, causeText, worked, didNotWork })))
      setSaved(true);
  };
  const addAction = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await run(act('addReviewAction', { id, text: action, owner }))) {
      setAction('');
      setOwner('');
    }
  };
  if (!v) return null;
  return (
    <section className="review" aria-labelledby={`review-${id}`} data-testid="incident-review">
      <h3 id={`review-${id}`}>Review</h3>
      <form onSubmit={save} className="review-form" onChange={() => setSaved(false)}>
        <label htmlFor="review-cause">What caused it</label>
        <select
          id="review-cause"
          value={cause}
          onChange={(e) => setCause(e.target.value as IncidentCause | '')}
        >
          <option value="">Not chosen yet</option>
          {INCIDENT_CAUSES.map((c) => (
            <option key={c} value={c}>
              {INCIDENT_CAUSE_WORDS[c]}
            </option>
          ))}
        </select>
        <label htmlFor="review-cause-text">The cause in your own words</label>
        <textarea
          id="review-cause-text"
          rows={2}
          value={causeText}
          onChange={(e) => setCauseText(e.target.value)}
        />
        <label htmlFor="review-worked">What worked</label>
        <textarea id="review-worked" rows={2} value={worked} onChange={(e) => setWorked(e.target.value)} />
        <label htmlFor="review-not">What did not work</label>
        <textarea
          id="review-not"
          rows={2}
          value={didNotWork}
          onChange={(e) => setDidNotWork(e.target.value)}
        />
        <div className="action-bar">
          <button type="submit">Save the review</button>
          {saved && (
            <span className="muted" role="status">
              Saved. It is printed with the report.
            </span>
          )}
        </div>
      </form>
      <h4>Actions</h4>
      {v.actions.length === 0 ? (
        <p className="muted">No actions yet: add what the team will change, and who will do it.</p>
      ) : (
        <ul className="review-actions" data-testid="review-actions">
          {v.actions.map((a) => (
            <li key={a.id}>
              <label>
                <input
                  type="checkbox"
                  checked={ticking[a.id] ?? a.done}
                  onChange={(e) => {
                    const done = e.target.checked;
                    setTicking((t) => ({ ...t, [a.id]: done }));
                    void run(act('changeReviewAction', { id, actionId: a.id, done })).then(
                      (ok) => ok || setTicking({}),
                    );
                  }}
                />{' '}
                <span className={a.done ? 'done' : undefined}>{a.text}</span>{' '}
                <span className="muted">— {a.owner}</span>
              </label>{' '}
              <button
                type="button"
                className="link"
                aria-label={`Remove the action "${a.text}"`}
                onClick={() => void run(act('changeReviewAction', { id, actionId: a.id, remove: true }))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={addAction} className="review-add">
        <label htmlFor="review-action">New action</label>
        <input id="review-action" value={action} onChange={(e) => setAction(e.target.value)} />
        <label htmlFor="review-owner">Who will do it</label>
        <input id="review-owner" value={owner} onChange={(e) => setOwner(e.target.value)} />
        <button type="submit" disabled={!action.trim() || !owner.trim()}>
          Add the action
        </button>
      </form>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </section>
  );
}
