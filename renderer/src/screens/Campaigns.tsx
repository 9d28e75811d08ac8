/**
 * Campaigns: the list and a month calendar; a campaign's preview in a sandboxed iframe (sandbox="",
 * srcdoc: no scripts, no navigation, the app's CSP) with merge tags filled in for a chosen subscriber;
 * schedule, pause, resume, reschedule, cancel, retry failures, send via backup; live progress.
 */
/* eslint-disable max-lines-per-function -- this screen is split into a folder by h/renderer */
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { api, has } from '../api/client';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { Progress } from '../components/Progress';
import { SendViaBackup } from '../components/SendViaBackup';
import { OutagePolicyControl } from '../components/OutagePolicyControl';
import { startSend } from '../components/sendActions';
import type { ApiError, Subscriber } from '../api/types';
import type { Campaign, CampaignDetail } from '../api/shapes';
import { formatDateTime } from '../components/format';
import { useConfirm, useDialog } from '../components/Modal';

export function Campaigns() {
  const campaigns = useResource('listCampaigns');
  const [view, setView] = useState<'list' | 'calendar'>('list');
  const [selected, setSelected] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  return (
    <section className="screen" aria-labelledby="campaigns-title">
      <header className="screen-head">
        <h1 id="campaigns-title">Campaigns</h1>
        <div className="actions">
          <div role="group" aria-label="View" className="filters">
            <button type="button" aria-pressed={view === 'list'} onClick={() => setView('list')}>
              List
            </button>
            <button type="button" aria-pressed={view === 'calendar'} onClick={() => setView('calendar')}>
              Calendar
            </button>
          </div>
          {has('createCampaign') && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New campaign…
            </button>
          )}
        </div>
      </header>
      <ResourceView res={campaigns} what="Campaigns" calls={['listCampaigns']}>
        {(v) => {
          const list = v as Campaign[];
          if (list.length === 0)
            return (
              <p className="muted">
                No campaigns yet. Create one, or connect your ESP to mirror its scheduled campaigns.
              </p>
            );
          return view === 'list' ? (
            <CampaignTable list={list} selected={selected} onSelect={setSelected} />
          ) : (
            <Calendar list={list} onSelect={setSelected} />
          );
        }}
      </ResourceView>
      {selected !== null && <CampaignDetailPanel id={selected} onClose={() => setSelected(null)} />}
      {creating && (
        <NewCampaign
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            campaigns.reload();
            setSelected(id);
          }}
        />
      )}
    </section>
  );
}

function CampaignTable({
  list,
  selected,
  onSelect,
}: {
  list: Campaign[];
  selected: number | null;
  onSelect: (id: number) => void;
}) {
  const progress = useStore((s) => s.sendProgress);
  return (
    <table className="data selectable" data-testid="campaigns-table">
      <caption className="sr-only">Campaigns, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Campaign</th>
          <th scope="col">List</th>
          <th scope="col">Status</th>
          <th scope="col">Scheduled</th>
          <th scope="col">Sent</th>
        </tr>
      </thead>
      <tbody>
        {list.map((c) => {
          const p = progress[c.id];
          const sent = p ? p.sent : c.counts.sent;
          return (
            <tr key={c.id} aria-selected={selected === c.id}>
              <th scope="row">
                <button type="button" className="link" onClick={() => onSelect(c.id)}>
                  {c.name}
                </button>
                <div className="muted small">{c.subject}</div>
              </th>
              <td>{c.list ?? '—'}</td>
              <td>
                <span className={`cstatus cstatus-${c.status}`}>{c.status}</span>
              </td>
              <td>{c.scheduledAt ? formatDateTime(c.scheduledAt) : '—'}</td>
              <td>
                {sent.toLocaleString('en-US')} / {c.counts.total.toLocaleString('en-US')}
                {c.counts.failedPerm > 0 ? (
                  <span className="test-fail"> · {c.counts.failedPerm} failed</span>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Calendar({ list, onSelect }: { list: Campaign[]; onSelect: (id: number) => void }) {
  const [month, setMonth] = useState(() => {
    const d = new Date();
    return new Date(d.getFullYear(), d.getMonth(), 1);
  });
  const days = useMemo(() => {
    const start = new Date(month);
    start.setDate(1 - ((start.getDay() + 6) % 7)); // weeks start on Monday
    return Array.from(
      { length: 42 },
      (_, i) => new Date(start.getFullYear(), start.getMonth(), start.getDate() + i),
    );
  }, [month]);
  const byDay = new Map<string, Campaign[]>();
  for (const c of list) {
    const at = c.scheduledAt ?? c.startedAt;
    if (!at) continue;
    const k = new Date(at).toDateString();
    byDay.set(k, [...(byDay.get(k) ?? []), c]);
  }
  const label = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
  return (
    <div className="calendar">
      <div className="calendar-head">
        <button
          type="button"
          aria-label="Previous month"
          onClick={() => setMonth(new Date(month.getFullYear(), month.getMonth() - 1, 1))}
        >
          ←
        </button>
        <h2 aria-live="polite">{label}</h2>
        <button
          type="button"
          aria-label="Next month"
          onClick={() => setMonth(new Date(month.getFullYear(), month.getMonth() + 1, 1))}
        >
          →
        </button>
      </div>
      <div className="calendar-grid" role="grid" aria-label={`Campaigns in ${label}`}>
        {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
          <div key={d} className="calendar-dow" role="columnheader">
            {d}
          </div>
        ))}
        {days.map((d) => (
          <div
            key={d.toISOString()}
            role="gridcell"
            className={d.getMonth() === month.getMonth() ? 'calendar-day' : 'calendar-day other'}
          >
            <span className="calendar-date">{d.getDate()}</span>
            {(byDay.get(d.toDateString()) ?? []).map((c) => (
              <button
                key={c.id}
                type="button"
                className={`calendar-item cstatus-${c.status}`}
                onClick={() => onSelect(c.id)}
              >
                {new Date(c.scheduledAt ?? c.startedAt!).toLocaleTimeString([], {
                  hour: '2-digit',
                  minute: '2-digit',
                })}{' '}
                {c.name}
              </button>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Fills the common merge tags of each ESP's dialect for the preview (the engine renders the real message). */
export function fillMergeTags(html: string, s: Subscriber | null): string {
  if (!s) return html;
  const fields: Record<string, string> = {
    ...Object.fromEntries(Object.entries(s.mergeFields).map(([k, v]) => [k.toUpperCase(), v])),
    EMAIL: s.email,
    FNAME: s.firstName,
    FIRSTNAME: s.firstName,
    FIRST_NAME: s.firstName,
    LNAME: s.lastName,
    LASTNAME: s.lastName,
    LAST_NAME: s.lastName,
  };
  const get = (tag: string) =>
    fields[
      tag
        .trim()
        .toUpperCase()
        .replace(/^(CONTACT|SUBSCRIBER|PERSON)\./, '')
        .replace(/\s*\|.*$/, '')
    ] ?? '';
  return html
    .replace(/\*\|([A-Z0-9_:]+)\|\*/gi, (m, t: string) => (t.includes(':') ? m : get(t)))
    .replace(/\{\{\s*([\w.]+)(\s*\|[^}]*)?\s*\}\}/g, (_m, t: string) => get(t))
    .replace(/\{\$(\w+)\}/g, (_m, t: string) => get(t));
}

function CampaignDetailPanel({ id, onClose }: { id: number; onClose: () => void }) {
  const detail = useResource('getCampaign', { id });
  const progress = useStore((s) => s.sendProgress[id]);
  const { act, bumpData } = useStore(useShallow((s) => ({ act: s.act, bumpData: s.bumpData })));
  const [error, setError] = useState<ApiError | null>(null);
  const [backup, setBackup] = useState(false);
  const [subscribers, setSubscribers] = useState<Subscriber[]>([]);
  const [who, setWho] = useState<number>(0);
  const [when, setWhen] = useState('');
  const c = detail.value as CampaignDetail | null;
  const preview = c
    ? fillMergeTags(c.html ?? `<pre>${escapeHtml(c.text ?? '')}</pre>`, subscribers[who] ?? null)
    : '';

  const version = useStore((s) => s.dataVersion);
  const [previewError, setPreviewError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!c?.list) return;
    let live = true;
    // Reloaded whenever the engine reports a change, so a failed or early load does not leave the
    // preview without people for good; a failure is shown, not swallowed.
    void api()
      .querySubscribers({ list: c.list, status: 'subscribed', limit: 20 })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setSubscribers(r.value.rows);
          setPreviewError(null);
        } else setPreviewError(r.error);
      });
    return () => {
      live = false;
    };
  }, [c?.list, version]);

  const [testTo, setTestTo] = useState('');
  const [testing, setTesting] = useState(false);
  const [testDone, setTestDone] = useState<string | null>(null);
  // One test, filled with the values of the person chosen under "Preview as".
  const sendTestTo = async () => {
    setError(null);
    setTestDone(null);
    setTesting(true);
    const as = subscribers[who]?.email;
    const r = await act('sendTest', { id, to: testTo, ...(as ? { as } : {}) });
    setTesting(false);
    if (!r.ok) {
      if (r.error) setError(r.error);
      return;
    }
    const v = r.value as { to: string; provider: string };
    setTestDone(`Test sent to ${v.to} through ${v.provider}.`);
  };
  const run = async (name: string, input: unknown) => {
    setError(null);
    const r = await act(name, input);
    if (!r.ok && r.error) setError(r.error);
    bumpData();
  };
  const pause = () =>
    has('pauseScheduled') && c?.status === 'scheduled'
      ? run('pauseScheduled', { campaignId: id })
      : run('pauseCampaign', { id });
  const [ask, confirmDialog] = useConfirm();
  const dialog = useDialog(onClose);
  const cancel = async () => {
    const sure = await ask({
      title: 'Cancel this campaign?',
      body: 'Nothing more is sent; what was already sent stays recorded.',
      confirmLabel: 'Cancel the campaign',
      danger: true,
    });
    if (!sure) return;
    void (has('cancelScheduled')
      ? run('cancelScheduled', { campaignId: id })
      : run('cancelCampaign', { id }));
  };
  const reschedule = () => {
    if (!when) return;
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    void (has('scheduleCampaign')
      ? run('scheduleCampaign', { campaignId: id, at: when, timeZone: tz })
      : run('updateCampaign', { id, at: new Date(when).toISOString(), timeZone: tz }));
  };

  return (
    <div className="modal-backdrop">
      <div className="modal wide" role="dialog" aria-modal="true" aria-labelledby="cd-title" {...dialog}>
        {confirmDialog}
        <ResourceView res={detail} what="Campaign" calls={['getCampaign']}>
          {() =>
            c && (
              <>
                <header className="modal-head">
                  <h2 id="cd-title">{c.name}</h2>
                  <p className="muted">
                    “{c.subject}” from {c.fromName ? `${c.fromName} <${c.fromEmail}>` : c.fromEmail} to{' '}
                    {c.list ?? 'no list'} · <span className={`cstatus cstatus-${c.status}`}>{c.status}</span>
                    {c.scheduledAt ? ` · scheduled ${formatDateTime(c.scheduledAt)}` : ''}
                  </p>
                </header>
                {(progress || c.status === 'sending') && (
                  <Progress
                    label={`Sending${progress?.provider ? ` through ${progress.provider}` : ''}`}
                    done={
                      (progress?.sent ?? c.counts.sent) +
                      (progress?.failed ?? c.counts.failedPerm) +
                      (progress?.skipped ?? c.counts.skipped)
                    }
                    total={progress?.total ?? c.counts.total}
                    startedAt={progress?.seenAt ?? Date.now()}
                    detail={`${(progress?.sent ?? c.counts.sent).toLocaleString('en-US')} sent · ${(progress?.failed ?? c.counts.failedPerm).toLocaleString('en-US')} failed · ${(progress?.queued ?? c.counts.queued).toLocaleString('en-US')} waiting${progress ? ` · ${progress.perSecond.toFixed(1)}/s` : ''}`}
                  />
                )}
                <dl className="counts">
                  {(
                    [
                      ['Total', c.counts.total],
                      ['Sent', c.counts.sent],
                      ['Waiting', c.counts.queued + c.counts.claimed],
                      ['Failed', c.counts.failedPerm + c.counts.failedTemp],
                      ['Skipped', c.counts.skipped + c.counts.suppressed],
                    ] as const
                  ).map(([k, n]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{n.toLocaleString('en-US')}</dd>
                    </div>
                  ))}
                </dl>
                {Object.keys(c.byProvider).length > 0 && (
                  <p data-testid="by-provider">
                    Sent through:{' '}
                    {Object.entries(c.byProvider)
                      .map(([p, n]) => `${p} ${n.toLocaleString('en-US')}`)
                      .join(', ')}
                  </p>
                )}
                {c.review.length > 0 && (
                  <div className="notice warning" role="note" data-testid="campaign-review">
                    <strong>Review before it is sent</strong>
                    <ul>
                      {c.review.map((w) => (
                        <li key={w}>{w}</li>
                      ))}
                    </ul>
                  </div>
                )}
                {c.custody && (
                  <p className="notice" role="note" data-testid="campaign-custody">
                    <strong>At {c.custody.esp}:</strong> {c.custody.sentence}
                  </p>
                )}
                {c.audience && c.audience.backupReady && (
                  <p className="notice" role="note" data-testid="campaign-audience">
                    <strong>Who a backup sends it to:</strong> {c.audience.sentence}
                  </p>
                )}
                {c.audience && !c.audience.backupReady && (
                  <div className="notice warning" role="note" data-testid="campaign-audience">
                    <p>{c.audience.sentence}</p>
                    {c.audience.next && (
                      <p>
                        <strong>What to do:</strong> {c.audience.next}
                      </p>
                    )}
                  </div>
                )}
                {['draft', 'scheduled'].includes(c.status) && has('updateCampaign') && (
                  <EditCampaign campaign={c} onSaved={() => bumpData()} />
                )}
                {!['sent', 'cancelled'].includes(c.status) && <OutagePolicyControl campaignId={id} />}
                <div className="action-bar" role="group" aria-label="Campaign actions">
                  {['draft', 'scheduled', 'paused', 'failed'].includes(c.status) && (
                    <button
                      type="button"
                      className="primary"
                      onClick={() => setBackup(true)}
                      disabled={c.audience !== null && !c.audience.backupReady}
                      title={c.audience !== null && !c.audience.backupReady ? c.audience.sentence : undefined}
                    >
                      Send via backup…
                    </button>
                  )}
                  {['scheduled', 'sending'].includes(c.status) && (
                    <button type="button" onClick={() => void pause()}>
                      Pause
                    </button>
                  )}
                  {c.status === 'paused' && (
                    <button
                      type="button"
                      onClick={() =>
                        has('resumeScheduled') && c.scheduledAt && new Date(c.scheduledAt) > new Date()
                          ? void run('resumeScheduled', { campaignId: id })
                          : startSend(id, undefined, 'resumeCampaign')
                      }
                    >
                      Resume
                    </button>
                  )}
                  {c.counts.failedTemp + c.counts.failedPerm > 0 && c.status !== 'sending' && (
                    <button type="button" onClick={() => startSend(id, undefined, 'retryFailed')}>
                      Retry failed
                    </button>
                  )}
                  {!['sent', 'cancelled'].includes(c.status) && (
                    <button type="button" className="danger-outline" onClick={() => void cancel()}>
                      Cancel campaign
                    </button>
                  )}
                  {!['sent', 'cancelled', 'sending'].includes(c.status) && (
                    <span className="inline-field">
                      <label htmlFor="cd-when">{c.scheduledAt ? 'Reschedule to' : 'Schedule for'}</label>
                      <input
                        id="cd-when"
                        type="datetime-local"
                        min={localNow()}
                        value={when}
                        onChange={(e) => setWhen(e.target.value)}
                      />
                      <button type="button" disabled={!when} onClick={reschedule}>
                        {c.scheduledAt ? 'Reschedule' : 'Schedule'}
                      </button>
                    </span>
                  )}
                </div>
                {has('sendTest') && !['sent', 'cancelled'].includes(c.status) && (
                  <form
                    className="inline-field"
                    aria-label="Send a test"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void sendTestTo();
                    }}
                  >
                    <label htmlFor="cd-test">Send a test to</label>
                    <input
                      id="cd-test"
                      type="email"
                      required
                      placeholder="you@yourshop.com"
                      value={testTo}
                      onChange={(e) => setTestTo(e.target.value)}
                    />
                    <button type="submit" disabled={!testTo || testing}>
                      {testing ? 'Sending…' : 'Send test'}
                    </button>
                    {testDone && (
                      <span role="status" className="muted small">
                        {testDone}
                      </span>
                    )}
                  </form>
                )}
                {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
                <div className="field">
                  <label htmlFor="cd-who">Preview as</label>
                  <select id="cd-who" value={who} onChange={(e) => setWho(Number(e.target.value))}>
                    {subscribers.length === 0 && <option value={0}>(merge tags left as they are)</option>}
                    {subscribers.map((s, i) => (
                      <option key={s.id} value={i}>
                        {s.email}
                        {s.firstName ? ` (${s.firstName})` : ''}
                      </option>
                    ))}
                  </select>
                </div>
                {previewError && <ErrorBox error={previewError} onDismiss={() => setPreviewError(null)} />}
                <iframe
                  // A new frame for new content: Chromium can keep showing the first document when
                  // srcdoc changes while that one is still loading (seen in e2e: raw merge tags stayed
                  // on screen with the subscribers already loaded).
                  key={preview}
                  className="preview"
                  title={`Preview of ${c.name}`}
                  sandbox=""
                  srcDoc={preview}
                />
                {c.failures.length > 0 && (
                  <details>
                    <summary>{c.failures.length} recent failures</summary>
                    <ul className="plain small">
                      {c.failures.map((f, i) => (
                        <li key={i}>
                          {f.email}: {f.smtpCode ?? ''} {f.smtpEnhanced ?? ''}{' '}
                          {f.reply ?? f.errorClass ?? f.state}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </>
            )
          }
        </ResourceView>
        <footer className="modal-foot">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </footer>
        {backup && (
          <SendViaBackup
            campaignId={id}
            onClose={() => setBackup(false)}
            onConfirm={(via) => {
              setBackup(false);
              startSend(id, via);
            }}
          />
        )}
      </div>
    </div>
  );
}

/** Now as a datetime-local value: a send time before it is refused (by the engine too). */
/**
 * Edit what a campaign that has not started says and who it is from (issue 15 §1); its time and
 * outage policy have their own controls beside it.
 */
function EditCampaign({ campaign: c, onSaved }: { campaign: CampaignDetail; onSaved: () => void }) {
  const act = useStore((s) => s.act);
  const [open, setOpen] = useState(false);
  const from0 = c.fromName ? `${c.fromName} <${c.fromEmail}>` : c.fromEmail;
  const [f, setF] = useState({
    name: c.name,
    subject: c.subject,
    from: from0,
    html: c.html ?? '',
    text: c.text ?? '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  if (!open)
    return (
      <p>
        <button type="button" onClick={() => setOpen(true)}>
          Edit subject, sender and content…
        </button>
        {saved && (
          <span role="status" className="small">
            {' '}
            Saved.
          </span>
        )}
      </p>
    );
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setF({ ...f, [k]: e.target.value });
  return (
    <form
      className="card"
      aria-label="Edit campaign"
      data-testid="edit-campaign"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        const r = await act('updateCampaign', {
          id: c.id,
          name: f.name.trim(),
          subject: f.subject,
          from: f.from.trim(),
          ...(c.html !== null || f.html ? { html: f.html || null } : {}),
          ...(c.text !== null || f.text ? { text: f.text || null } : {}),
        });
        setBusy(false);
        if (!r.ok && r.error) return setError(r.error);
        setSaved(true);
        setOpen(false);
        onSaved();
      }}
    >
      <div className="field">
        <label htmlFor="ec-name">Campaign name</label>
        <input id="ec-name" value={f.name} onChange={set('name')} />
      </div>
      <div className="field">
        <label htmlFor="ec-subject">Subject</label>
        <input id="ec-subject" value={f.subject} onChange={set('subject')} required />
      </div>
      <div className="field">
        <label htmlFor="ec-from">From</label>
        <input id="ec-from" value={f.from} onChange={set('from')} required />
      </div>
      <div className="field">
        <label htmlFor="ec-html">Content (HTML)</label>
        <textarea id="ec-html" rows={6} value={f.html} onChange={set('html')} />
      </div>
      <div className="field">
        <label htmlFor="ec-text">Plain-text version</label>
        <textarea id="ec-text" rows={3} value={f.text} onChange={set('text')} />
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save changes'}
      </button>{' '}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

function localNow(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function NewCampaign({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const lists = useStore((s) => s.lists);
  const loadLists = useStore((s) => s.loadLists);
  const act = useStore((s) => s.act);
  useEffect(() => {
    void loadLists();
  }, [loadLists]);
  const [f, setF] = useState({
    list: '',
    name: '',
    subject: '',
    from: '',
    html: '<p>Hello *|FNAME|*,</p>\n<p></p>',
    at: '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const set =
    (k: keyof typeof f) =>
    (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      setF({ ...f, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const r = await act('createCampaign', {
      list: f.list || lists[0]?.name || '',
      ...(f.name ? { name: f.name } : {}),
      subject: f.subject,
      from: f.from,
      html: f.html,
      dialect: 'mailchimp',
      ...(f.at
        ? { at: new Date(f.at).toISOString(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }
        : {}),
    });
    if (!r.ok && r.error) return setError(r.error);
    onCreated((r.value as Campaign).id);
  };
  const dialog = useDialog(onClose);
  return (
    <div className="modal-backdrop">
      <form
        className="modal wide"
        role="dialog"
        aria-modal="true"
        aria-labelledby="nc-title"
        onSubmit={submit}
        {...dialog}
      >
        <h2 id="nc-title">New campaign</h2>
        <div className="form-row">
          <div className="field">
            <label htmlFor="nc-list">List</label>
            <select id="nc-list" value={f.list} onChange={set('list')}>
              {lists.map((l) => (
                <option key={l.id} value={l.name}>
                  {l.name} ({l.byStatus.subscribed ?? 0} subscribed)
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="nc-name">Name</label>
            <input id="nc-name" value={f.name} onChange={set('name')} />
          </div>
          <div className="field">
            <label htmlFor="nc-at">Send at (empty: draft)</label>
            <input id="nc-at" type="datetime-local" min={localNow()} value={f.at} onChange={set('at')} />
          </div>
        </div>
        <div className="form-row two">
          <div className="field">
            <label htmlFor="nc-subject">Subject</label>
            <input id="nc-subject" value={f.subject} onChange={set('subject')} required />
          </div>
          <div className="field">
            <label htmlFor="nc-from">From</label>
            <input
              id="nc-from"
              value={f.from}
              onChange={set('from')}
              placeholder="Shop <news@example.com>"
              required
            />
          </div>
        </div>
        <div className="field">
          <label htmlFor="nc-html">HTML (Mailchimp merge tags such as *|FNAME|* work)</label>
          <textarea id="nc-html" rows={8} value={f.html} onChange={set('html')} />
        </div>
        {error && <ErrorBox error={error} />}
        <footer className="modal-foot">
          <button type="submit" className="primary">
            Create
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </footer>
      </form>
    </div>
  );
}
