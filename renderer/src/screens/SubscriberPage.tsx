/**
 * One subscriber's page, opened from the subscribers table: who they are (fields and tags), what
 * happened to them (status history from the events log), what they were sent (campaign, when, through
 * which account, the outcome in plain words), and a manual unsubscribe behind an in-app dialog.
 * Technical text (server replies, raw event sentences) sits behind a "details" toggle.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { useStore } from '../store';
import { ErrorBox } from '../components/ErrorBox';
import { ConfirmModal } from '../components/Modal';
import type { ApiError, SubscriberDetail } from '../api/types';
import { whenWords } from './Suppressions';

const STATUS_LABEL: Record<SubscriberDetail['subscriber']['status'], string> = {
  subscribed: 'Subscribed',
  unsubscribed: 'Unsubscribed',
  cleaned: 'Removed by the ESP as undeliverable',
  bounced: 'Bounced',
  complained: 'Reported your mail as spam',
  pending: 'Waiting for them to confirm',
  archived: 'Archived',
};

export function SubscriberPage({ id, onBack }: { id: number; onBack: () => void }) {
  const [detail, setDetail] = useState<SubscriberDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [asking, setAsking] = useState(false);
  const back = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    void api()
      .subscriberDetail({ id })
      .then((env) => {
        if (!live) return;
        if (env.ok) setDetail(env.value);
        else setError(env.error);
      });
    back.current?.focus();
    return () => {
      live = false;
    };
  }, [id]);

  const unsubscribe = async () => {
    const env = await api().unsubscribeSubscriber({ id });
    setAsking(false);
    if (!env.ok) return setError(env.error);
    setDetail(env.value);
    void useStore.getState().loadLists();
    useStore.getState().refreshTable();
  };

  const s = detail?.subscriber;
  const name = s ? [s.firstName, s.lastName].filter(Boolean).join(' ') : '';
  return (
    <section className="subscriber-page" aria-labelledby="subscriber-title" data-testid="subscriber-page">
      <div>
        <button type="button" ref={back} onClick={onBack}>
          ← Back to {detail?.list || 'the list'}
        </button>
      </div>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      {!detail && !error && <p className="muted">Loading…</p>}
      {detail && s && (
        <>
          <header className="screen-head">
            <h2 id="subscriber-title">{name || s.email}</h2>
            <div className="actions">
              {detail.canUnsubscribe && (
                <button type="button" className="danger" onClick={() => setAsking(true)}>
                  Unsubscribe…
                </button>
              )}
            </div>
          </header>
          <dl>
            <dt>Email</dt>
            <dd>{s.email}</dd>
            <dt>Status</dt>
            <dd>
              <span className={`status status-${s.status}`}>{STATUS_LABEL[s.status]}</span>
              {s.statusChangedAt ? ` since ${whenWords(s.statusChangedAt)}` : ''}
            </dd>
            <dt>List</dt>
            <dd>{detail.list}</dd>
            <dt>Tags</dt>
            <dd>
              {s.tags.length ? (
                s.tags.map((t) => (
                  <span key={t} className="chip">
                    {t}
                  </span>
                ))
              ) : (
                <span className="muted">No tags</span>
              )}
            </dd>
            {s.optinTime && (
              <>
                <dt>Signed up</dt>
                <dd>{whenWords(s.optinTime)}</dd>
              </>
            )}
            {detail.fields.map((f) => (
              <FieldRow key={f.name} name={f.name} value={f.value} />
            ))}
          </dl>

          <section aria-labelledby="history-title">
            <h3 id="history-title">What happened</h3>
            <ul className="timeline" data-testid="subscriber-history">
              {detail.history.map((h, i) => (
                <li key={i}>
                  <time dateTime={h.at}>{whenWords(h.at)}</time> {h.text}
                  {h.detail && h.detail !== h.text && (
                    <details>
                      <summary>details</summary>
                      <span className="muted">{h.detail}</span>
                    </details>
                  )}
                </li>
              ))}
            </ul>
          </section>

          <section aria-labelledby="sent-title">
            <h3 id="sent-title">What they were sent</h3>
            {detail.sent.length === 0 ? (
              <p className="muted">Nothing has been sent to them from Understudy yet.</p>
            ) : (
              <table data-testid="subscriber-sent">
                <thead>
                  <tr>
                    <th scope="col">Campaign</th>
                    <th scope="col">When</th>
                    <th scope="col">Sent through</th>
                    <th scope="col">What happened</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.sent.map((d, i) => (
                    <tr key={i}>
                      <td>{d.campaign}</td>
                      <td>
                        <time dateTime={d.at}>{whenWords(d.at)}</time>
                      </td>
                      <td>{d.provider ?? '—'}</td>
                      <td>
                        {d.outcome}
                        {d.detail && (
                          <details>
                            <summary>details</summary>
                            <span className="muted">{d.detail}</span>
                          </details>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
      {asking && s && (
        <UnsubscribeDialog
          email={s.email}
          list={detail.list}
          onCancel={() => setAsking(false)}
          onConfirm={unsubscribe}
        />
      )}
    </section>
  );
}

function FieldRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

/** The in-app confirmation (the shared ConfirmModal): buttons disabled while the unsubscribe runs. */
function UnsubscribeDialog({
  email,
  list,
  onCancel,
  onConfirm,
}: {
  email: string;
  list: string;
  onCancel: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <ConfirmModal
      title={`Unsubscribe ${email}?`}
      body={
        <p>
          They will get no more campaigns from “{list}”. If this list is linked to your ESP, Understudy tells
          the ESP too. To mail them again, they would have to subscribe again.
        </p>
      }
      confirmLabel="Unsubscribe"
      cancelLabel="Keep them subscribed"
      danger
      busy={busy}
      testId="unsubscribe-dialog"
      onCancel={onCancel}
      onConfirm={() => {
        setBusy(true);
        void onConfirm();
      }}
    />
  );
}
