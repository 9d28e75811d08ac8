/**
 * The backup sending mailbox (issue 15 §1): where unsubscribe requests and bounces of mail sent
 * through the backups arrive, and the seed address drills send to. The app's form for `inbox setup`.
 */
import { useState } from 'react';
import { useStore } from '../store';
import { useResource } from './Resource';
import { ErrorBox } from './ErrorBox';
import type { ApiError } from '../api/types';
import type { ContinuitySettings } from '../../../electron/engine/api/continuity';

type MailboxView = NonNullable<ContinuitySettings['mailbox']>;

export function BackupMailbox() {
  const settings = useResource('continuitySettings');
  const current = settings.value?.mailbox ?? null;
  return (
    <article className="card" aria-labelledby="mailbox-title">
      <h2 id="mailbox-title">Backup mailbox</h2>
      <p className="muted">
        The mailbox that receives unsubscribe requests and bounces of mail sent through your backup accounts,
        and the drill messages.
        {current ? ` Now: ${current.user} at ${current.host}.` : ' Not set up yet.'}
      </p>
      {settings.value !== null && (
        <MailboxForm key={current ? 'set' : 'new'} current={current} onSaved={settings.reload} />
      )}
    </article>
  );
}

function MailboxForm({ current, onSaved }: { current: MailboxView | null; onSaved: () => void }) {
  const act = useStore((s) => s.act);
  const [f, setF] = useState({
    host: current?.host ?? '',
    port: String(current?.port ?? 993),
    secure: current?.secure ?? true,
    user: current?.user ?? '',
    password: '',
    mailbox: current?.mailbox ?? 'INBOX',
    seedAddress: current?.seedAddress ?? '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const set =
    (k: 'host' | 'port' | 'user' | 'password' | 'mailbox' | 'seedAddress') =>
    (e: React.ChangeEvent<HTMLInputElement>) => {
      setSaved(false);
      setF({ ...f, [k]: e.target.value });
    };
  return (
    <form
      data-testid="mailbox-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        const r = await act('setupMailbox', {
          host: f.host,
          port: Number(f.port),
          secure: f.secure,
          user: f.user,
          mailbox: f.mailbox,
          ...(f.password ? { password: f.password } : {}),
          ...(f.seedAddress.trim() ? { seedAddress: f.seedAddress.trim() } : {}),
        });
        setBusy(false);
        if (!r.ok) return setError(r.error);
        setF({ ...f, password: '' });
        setSaved(true);
        onSaved();
      }}
    >
      <div className="form-row">
        <div className="field">
          <label htmlFor="mb-host">Mail server (IMAP)</label>
          <input id="mb-host" value={f.host} onChange={set('host')} required />
        </div>
        <div className="field">
          <label htmlFor="mb-port">Port</label>
          <input id="mb-port" inputMode="numeric" value={f.port} onChange={set('port')} required />
        </div>
        <label className="small">
          <input
            type="checkbox"
            checked={f.secure}
            onChange={(e) => setF({ ...f, secure: e.target.checked })}
          />{' '}
          Encrypted connection (TLS)
        </label>
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor="mb-user">User name</label>
          <input id="mb-user" value={f.user} onChange={set('user')} autoComplete="off" required />
        </div>
        <div className="field">
          <label htmlFor="mb-pass">{current ? 'New password (empty: keep)' : 'Password'}</label>
          <input
            id="mb-pass"
            type="password"
            value={f.password}
            onChange={set('password')}
            autoComplete="new-password"
          />
        </div>
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor="mb-folder">Folder</label>
          <input id="mb-folder" value={f.mailbox} onChange={set('mailbox')} required />
        </div>
        <div className="field">
          <label htmlFor="mb-seed">Drill address (delivered to this mailbox)</label>
          <input id="mb-seed" type="email" value={f.seedAddress} onChange={set('seedAddress')} />
        </div>
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save backup mailbox'}
      </button>
      {saved && (
        <span role="status" className="small">
          {' '}
          Saved.
        </span>
      )}
    </form>
  );
}
