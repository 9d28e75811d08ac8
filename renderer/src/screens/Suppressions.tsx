/**
 * Suppressions: the addresses that get no mail from any list (bounced, reported as spam, cleaned,
 * blocked by hand), why and since when in plain words, a filter, and "Allow mail again" with a
 * required reason — an extra warning and confirmation for a spam complaint — in an in-app dialog.
 * Each address's history (what the events log says about it) opens from its row.
 */
import { useEffect, useRef, useState } from 'react';
import { useStore } from '../store';
import { api } from '../api/client';
import { ErrorBox } from '../components/ErrorBox';
import type { ApiError } from '../api/types';
import { UnsubscribeReview } from '../components/UnsubscribeReview';
import type {
  RemoveSuppressionResult,
  Suppression,
  SuppressionHistory,
  SuppressionPage,
  SuppressionReasonT,
} from '../../../electron/engine/api/suppressions';
import { Modal } from '../components/Modal';
import { formatDate } from '../components/format';

const PAGE = 50;

const REASON_LABEL: Record<SuppressionReasonT, string> = {
  bounced: 'Bounced',
  complained: 'Reported your mail as spam',
  cleaned: 'Cleaned (undeliverable)',
  unsubscribed: 'Unsubscribed',
  manual: 'Blocked by hand',
};

/** "This address … 3 days ago". */
const REASON_SENTENCE: Record<SuppressionReasonT, string> = {
  bounced: 'bounced',
  complained: 'reported your mail as spam',
  cleaned: 'was cleaned as undeliverable',
  unsubscribed: 'unsubscribed',
  manual: 'was blocked by hand',
};

const SINCE_CHOICES: { value: string; label: string }[] = [
  { value: '', label: 'Any time' },
  { value: '24h', label: 'In the last day' },
  { value: '7d', label: 'In the last week' },
  { value: '30d', label: 'In the last month' },
];

/** Where a suppression came from, in words. */
export function sourceWords(source: string): string {
  if (source === 'send') return 'a campaign send';
  if (source === 'inbox') return 'a bounce or spam report';
  if (source === 'import') return 'an imported file';
  if (source === 'manual') return 'added by hand';
  if (source.startsWith('esp') || source.startsWith('sync')) return 'your email service';
  return 'another source';
}

/** "3 days ago (6 Dec 2026)": a date a person reads, never an ISO timestamp. */
export function whenWords(iso: string, now = Date.now()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return 'at an unknown time';
  const date = formatDate(t);
  const mins = Math.round((now - t) / 60_000);
  const rel =
    mins < 1
      ? 'just now'
      : mins < 60
        ? `${mins} minute${mins === 1 ? '' : 's'} ago`
        : mins < 48 * 60
          ? `${Math.round(mins / 60)} hour${Math.round(mins / 60) === 1 ? '' : 's'} ago`
          : `${Math.round(mins / 1440)} days ago`;
  return `${rel} (${date})`;
}

// eslint-disable-next-line max-lines-per-function -- one screen's state and markup
export function Suppressions() {
  const version = useStore((s) => s.dataVersion);
  const notify = useStore((s) => s.notify);
  const [reason, setReason] = useState<'' | SuppressionReasonT>('');
  const [since, setSince] = useState('');
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<SuppressionPage | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [allowing, setAllowing] = useState<Suppression | null>(null);
  const [history, setHistory] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void api()
      .listSuppressions({
        ...(reason ? { reason } : {}),
        ...(since ? { since } : {}),
        ...(search.trim() ? { search: search.trim() } : {}),
        limit: PAGE,
        offset,
      })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setPage(r.value);
          setError(null);
        } else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [reason, since, search, offset, version]);

  const onAllowed = (r: RemoveSuppressionResult) => {
    setAllowing(null);
    const still = r.stillBlocked.map((b) => `“${b.list}”`);
    notify({
      kind: 'success',
      text:
        `${r.email} can get your mail again.` +
        (r.restored.length
          ? ` Set back as before on ${r.restored.map((x) => `“${x.list}” (${x.to})`).join(', ')}.`
          : '') +
        (still.length
          ? ` Still not mailed from ${still.join(', ')} until you subscribe them there again.`
          : ''),
    });
    setOffset(0);
    useStore.getState().bumpData();
  };

  return (
    <section className="screen" aria-labelledby="supp-title" data-testid="suppressions-screen">
      <header className="screen-head">
        <h1 id="supp-title">Suppressions</h1>
      </header>
      <p className="muted">
        These addresses get no mail from any of your lists: they bounced, reported your mail as spam, or were
        cleaned or blocked. If one is here by mistake, you can allow mail to it again.
      </p>
      <div className="table-tools" role="search">
        <label className="search">
          <span className="sr-only">Find an address</span>
          <input
            type="search"
            aria-label="Find an address"
            placeholder="Find an address…"
            value={search}
            maxLength={254}
            onChange={(e) => {
              setSearch(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <label>
          Why{' '}
          <select
            aria-label="Filter by reason"
            value={reason}
            onChange={(e) => {
              setReason(e.target.value as '' | SuppressionReasonT);
              setOffset(0);
            }}
          >
            <option value="">Any reason</option>
            {(Object.keys(REASON_LABEL) as SuppressionReasonT[]).map((r) => (
              <option key={r} value={r}>
                {REASON_LABEL[r]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Added{' '}
          <select
            aria-label="Filter by date added"
            value={since}
            onChange={(e) => {
              setSince(e.target.value);
              setOffset(0);
            }}
          >
            {SINCE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <ErrorBox error={error} />}
      {!page ? (
        !error && (
          <p className="muted" aria-busy="true">
            Loading suppressions…
          </p>
        )
      ) : page.total === 0 ? (
        <p className="muted" data-testid="suppressions-empty">
          No suppressed addresses{reason || since || search.trim() ? ' match' : ''}.
        </p>
      ) : (
        <>
          <p className="table-status" role="status">
            {page.total === 1 ? '1 address' : `${page.total.toLocaleString('en-US')} addresses`}
            {page.total > page.rows.length ? `, showing ${offset + 1}–${offset + page.rows.length}` : ''}
          </p>
          <table className="data" data-testid="suppressions-table">
            <caption className="sr-only">Suppressed addresses</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Why</th>
                <th scope="col">Since</th>
                <th scope="col">Found by</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((s) => (
                <tr key={s.email}>
                  <td>{s.email}</td>
                  <td>
                    <span className={`status status-${s.reason}`}>{REASON_LABEL[s.reason]}</span>
                    {s.detail && (
                      <details>
                        <summary className="small">details</summary>
                        <span className="small mono">{s.detail}</span>
                      </details>
                    )}
                  </td>
                  <td>{whenWords(s.createdAt)}</td>
                  <td>{sourceWords(s.source)}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => setAllowing(s)}>
                      Allow mail again…
                    </button>
                    <button type="button" className="link" onClick={() => setHistory(s.email)}>
                      History
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.total > PAGE && (
            <div className="actions">
              <button
                type="button"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE))}
              >
                Previous
              </button>
              <button
                type="button"
                disabled={offset + PAGE >= page.total}
                onClick={() => setOffset(offset + PAGE)}
              >
                Next
              </button>
            </div>
          )}
        </>
      )}
      {page && page.lifted.length > 0 && (
        <article className="card">
          <h2>Recently allowed again</h2>
          <ul className="timeline">
            {page.lifted.map((l) => (
              <li key={`${l.eventId}-${l.email}`}>
                <strong>{l.email}</strong>{' '}
                {l.how === 'removed'
                  ? `allowed again by hand ${whenWords(l.at)}`
                  : `restored automatically ${whenWords(l.at)}: a sending account had rejected it by mistake`}
                {l.why ? ` — “${l.why}”` : ''}
              </li>
            ))}
          </ul>
        </article>
      )}
      <UnsubscribeReview />
      {allowing && <AllowDialog s={allowing} onClose={() => setAllowing(null)} onDone={onAllowed} />}
      {history && <HistoryDialog email={history} onClose={() => setHistory(null)} />}
    </section>
  );
}

function AllowDialog({
  s,
  onClose,
  onDone,
}: {
  s: Suppression;
  onClose: () => void;
  onDone: (r: RemoveSuppressionResult) => void;
}) {
  const [why, setWhy] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const complaint = s.reason === 'complained';
  const ready = why.trim() !== '' && (!complaint || confirmed) && !busy;

  const submit = async () => {
    setBusy(true);
    const r = await api().removeSuppression({ email: s.email, why, force: complaint && confirmed });
    setBusy(false);
    if (r.ok) onDone(r.value);
    else setError(r.error);
  };

  return (
    <Modal labelledBy="allow-title" onClose={onClose} testId="allow-dialog">
      <h2 id="allow-title">Allow mail to {s.email} again?</h2>
      <p>
        This address {REASON_SENTENCE[s.reason]} {whenWords(s.createdAt)}. Once allowed, it can get campaigns
        from any list where the person is subscribed.
      </p>
      {complaint && (
        <div className="notice warning" role="alert" data-testid="complaint-warning">
          <p>
            <strong>This person reported your mail as spam.</strong> Mailing them again can hurt how every
            provider treats your mail and may break anti-spam law. Do this only if they asked you to send them
            mail again.
          </p>
          <label>
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />{' '}
            They asked me to send them mail again
          </label>
        </div>
      )}
      <div className="field">
        <label htmlFor="allow-why">Why? (kept in the history)</label>
        <textarea
          id="allow-why"
          ref={ref}
          rows={3}
          maxLength={1000}
          value={why}
          placeholder="For example: they wrote to ask to be added back"
          onChange={(e) => setWhy(e.target.value)}
        />
      </div>
      {error && <ErrorBox error={error} />}
      <footer className="modal-foot">
        <button type="button" className="primary" disabled={!ready} onClick={() => void submit()}>
          Allow mail again
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </footer>
    </Modal>
  );
}

function HistoryDialog({ email, onClose }: { email: string; onClose: () => void }) {
  const [h, setH] = useState<SuppressionHistory | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    ref.current?.focus();
    void api()
      .suppressionHistory({ email })
      .then((r) => (r.ok ? setH(r.value) : setError(r.error)));
  }, [email]);
  return (
    <Modal labelledBy="hist-title" onClose={onClose} testId="history-dialog">
      <h2 id="hist-title">History of {email}</h2>
      {error && <ErrorBox error={error} />}
      {h && (
        <>
          <p>
            {h.current
              ? `Suppressed: this address ${REASON_SENTENCE[h.current.reason]} ${whenWords(h.current.createdAt)}.`
              : 'Not suppressed: this address can get your mail.'}
          </p>
          {h.events.length === 0 ? (
            <p className="muted">Nothing else is recorded about this address.</p>
          ) : (
            <ul className="timeline">
              {h.events.map((e) => (
                <li key={e.id} className={`sev-${e.severity}`}>
                  {whenWords(e.at)}: {e.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <footer className="modal-foot">
        <button type="button" ref={ref} onClick={onClose}>
          Close
        </button>
      </footer>
    </Modal>
  );
}
