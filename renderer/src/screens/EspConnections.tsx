/**
 * ESP connections: each connected ESP with its health, last sync, mirrored lists and the push-back
 * queue; connect one (the key is checked with the ESP and kept only in the secret store), sync now
 * with live progress and a cancel that really cancels, check health, push unsubscribes back.
 */
import { useEffect, useState } from 'react';
import { useStore } from '../store';
import { api } from '../api/client';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { HealthBadge } from '../components/Health';
import type { ApiError } from '../api/types';
import { MirrorAge } from '../components/MirrorAge';
import { Modal } from '../components/Modal';
import { espDisplayName, plural } from '../../../electron/engine/api/words';
import { EspKindSchema } from '../../../electron/engine/api/esp';
import type { EventPayload } from '../../../electron/engine/api/events';
import type { z } from 'zod';

type SyncProgress = EventPayload<'sync.progress'>;
type EspKind = z.infer<typeof EspKindSchema>;
const KINDS = EspKindSchema.options;

export function EspConnections() {
  const res = useResource('espConnections');
  const act = useStore((s) => s.act);
  const bumpData = useStore((s) => s.bumpData);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sync, setSync] = useState<{
    taskId: string;
    progress: SyncProgress | null;
    cancelling: boolean;
  } | null>(null);
  const [adding, setAdding] = useState(false);

  useEffect(() => api().on('sync.progress', (p) => setSync((s) => (s ? { ...s, progress: p } : s))), []);

  const runSync = async (esp: string) => {
    const taskId = crypto.randomUUID();
    setSync({ taskId, progress: null, cancelling: false });
    setError(null);
    setNotice(null);
    const r = await act('espSync', { esp, taskId });
    setSync(null);
    if (!r.ok) setError(r.error);
    else {
      const s = r.value[0];
      if (s)
        setNotice(
          `Your ${plural(s.lists, 'list')} ${s.lists === 1 ? 'is' : 'are'} up to date: ${s.members.added.toLocaleString('en')} new and ${plural(s.members.updated, 'updated subscriber')}.`,
        );
    }
    bumpData();
  };
  const simple = async (call: 'espHealth' | 'espPushBack', esp: string, done: string) => {
    setError(null);
    const r = await act(call, { esp });
    if (!r.ok) setError(r.error);
    else setNotice(done);
    bumpData();
  };

  return (
    <article className="card">
      <h2>ESP connections</h2>
      <ResourceView res={res} what="ESP connections">
        {(v) => {
          const list = v;
          return (
            <>
              {list.length === 0 ? (
                <p className="muted">
                  No ESP connected. Connect yours so Understudy mirrors its lists and scheduled campaigns.
                </p>
              ) : (
                <ul className="health-list" data-testid="esp-list">
                  {list.map((c) => (
                    <li key={c.id}>
                      <span>
                        <strong>{c.name}</strong>{' '}
                        <span className="muted small">{espDisplayName(c.type)}</span>
                        <div className="muted small">
                          {plural(c.lists, 'list')} · copy <MirrorAge asOf={c.mirrorAsOf} stale={c.stale} /> ·{' '}
                          {c.pushBack.pending} changes waiting to go back
                        </div>
                        <span className="row-actions">
                          <button type="button" disabled={!!sync} onClick={() => void runSync(c.name)}>
                            Sync now
                          </button>
                          <button
                            type="button"
                            onClick={() => void simple('espHealth', c.name, `Checked ${c.name}.`)}
                          >
                            Check
                          </button>
                          {c.pushBack.pending > 0 && (
                            <button
                              type="button"
                              onClick={() =>
                                void simple('espPushBack', c.name, `Pushed changes back to ${c.name}.`)
                              }
                            >
                              Push back
                            </button>
                          )}
                        </span>
                      </span>
                      <HealthBadge state={c.health} />
                    </li>
                  ))}
                </ul>
              )}
              {sync && (
                <div className="sync-progress" role="status">
                  Syncing
                  {sync.progress
                    ? ` ${sync.progress.phase}${sync.progress.list ? ` of “${sync.progress.list}”` : ''}: ${sync.progress.members.toLocaleString('en-US')}${sync.progress.total ? ` of ${sync.progress.total.toLocaleString('en-US')}` : ''} subscribers`
                    : '…'}{' '}
                  <button
                    type="button"
                    disabled={sync.cancelling}
                    onClick={() => {
                      setSync({ ...sync, cancelling: true });
                      void api().cancelTask({ taskId: sync.taskId });
                    }}
                  >
                    {sync.cancelling ? 'Cancelling…' : 'Cancel sync'}
                  </button>
                </div>
              )}
              {notice && <p role="status">{notice}</p>}
              {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
              <button type="button" onClick={() => setAdding(true)}>
                Connect an ESP…
              </button>
            </>
          );
        }}
      </ResourceView>
      {adding && (
        <AddEsp
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            res.reload();
          }}
        />
      )}
    </article>
  );
}

function AddEsp({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const act = useStore((s) => s.act);
  const [f, setF] = useState<{
    kind: EspKind;
    name: string;
    apiKey: string;
    baseUrl: string;
    statusUrl: string;
  }>({
    kind: 'mailchimp',
    name: '',
    apiKey: '',
    baseUrl: '',
    statusUrl: '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await act('espAdd', {
      kind: f.kind,
      name: f.name.trim() || espDisplayName(f.kind),
      apiKey: f.apiKey,
      ...(f.baseUrl.trim() ? { baseUrl: f.baseUrl.trim() } : {}),
      ...(f.statusUrl.trim() ? { statusUrl: f.statusUrl.trim() } : {}),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    onAdded();
  };
  return (
    <Modal labelledBy="esp-title" onClose={onClose} as="form" onSubmit={submit}>
      <h2 id="esp-title">Connect an ESP</h2>
      <div className="form-row two">
        <div className="field">
          <label htmlFor="esp-kind">ESP</label>
          <select
            id="esp-kind"
            value={f.kind}
            onChange={(e) => setF({ ...f, kind: KINDS.find((k) => k === e.target.value) ?? f.kind })}
            autoFocus
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {espDisplayName(k)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="esp-name">Name</label>
          <input
            id="esp-name"
            value={f.name}
            onChange={(e) => setF({ ...f, name: e.target.value })}
            placeholder="e.g. Main Mailchimp"
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="esp-key">API key</label>
        <input
          id="esp-key"
          type="password"
          autoComplete="off"
          value={f.apiKey}
          onChange={(e) => setF({ ...f, apiKey: e.target.value })}
          required
        />
        <span className="muted small">Checked with the ESP, then kept only in the secret store.</span>
      </div>
      {/* Only for accounts on another address (e.g. a SendGrid EU account): most people never open it. */}
      <details className="advanced">
        <summary>Advanced</summary>
        <div className="field">
          <label htmlFor="esp-base">API address</label>
          <input
            id="esp-base"
            type="url"
            value={f.baseUrl}
            onChange={(e) => setF({ ...f, baseUrl: e.target.value })}
            placeholder="Leave empty to use the ESP's usual address"
          />
        </div>
        <div className="field">
          <label htmlFor="esp-status">Status page</label>
          <input
            id="esp-status"
            type="url"
            value={f.statusUrl}
            onChange={(e) => setF({ ...f, statusUrl: e.target.value })}
            placeholder="Leave empty to use the ESP's public status page"
          />
        </div>
      </details>
      {error && <ErrorBox error={error} />}
      <footer className="modal-foot">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking the key…' : 'Connect'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </footer>
    </Modal>
  );
}
