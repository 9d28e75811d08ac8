/** Backups: the verified backups on disk, taking one now, and arranging a restore (applied at restart). */
import { useState } from 'react';
import { useStore } from '../store';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import type { ApiError } from '../api/types';
import type { Backup } from '../api/shapes';
import type { ChosenFile } from '../api/bridge';
import { api } from '../api/client';
import { formatDateTime } from '../components/format';
import { useConfirm } from '../components/Modal';
import { plural } from '../../../electron/engine/api/words';

const REPLACES = 'The current database is backed up first, then replaced when Understudy restarts.';
const RESTORE_ARRANGED =
  'The backup checked out. Restart Understudy to restore it; your current data is kept as a pre-restore backup.';

export function Backups() {
  const backups = useResource('listBackups');
  const act = useStore((s) => s.act);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const take = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    const r = await act('takeBackup', {});
    setBusy(false);
    if (!r.ok) return setError(r.error);
    const b = r.value;
    setDone(
      `Backup taken and verified (${(b.sizeBytes / 1024 / 1024).toFixed(1)} MB, integrity ${b.integrity}, ${plural(b.lists, 'list')} exported as CSV).`,
    );
    backups.reload();
  };
  const [ask, confirmDialog] = useConfirm();
  const restore = async (b: Backup) => {
    const sure = await ask({
      title: `Restore the backup of ${formatDateTime(b.createdAt)}?`,
      body: REPLACES,
      confirmLabel: 'Restore',
      danger: true,
    });
    if (!sure) return;
    setError(null);
    const r = await act('restoreBackup', { id: b.id });
    if (!r.ok) return setError(r.error);
    setDone(RESTORE_ARRANGED);
  };
  /** A backup file from elsewhere: uploaded in browser mode, chosen in the app's own window on the desktop. */
  const restoreFrom = async (file: ChosenFile) => {
    const sure = await ask({
      title: `Restore the backup “${file.name}”?`,
      body: REPLACES,
      confirmLabel: 'Restore',
      danger: true,
    });
    if (!sure) return;
    setError(null);
    setDone(null);
    const r = await api().restoreFile(file);
    if (!r.ok) return setError(r.error);
    setDone(RESTORE_ARRANGED);
  };
  const pickFile = api().pickFile?.bind(api());
  return (
    <section className="screen" aria-labelledby="backups-title">
      {confirmDialog}
      <header className="screen-head">
        <h1 id="backups-title">Backups</h1>
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void take()}>
            {busy ? 'Taking a backup…' : 'Back up now'}
          </button>
          {pickFile ? (
            <button
              type="button"
              onClick={() =>
                void pickFile('requestRestore', 'file').then((r) =>
                  r.ok ? restoreFrom(r.value) : r.error.code === 'cancelled' ? undefined : setError(r.error),
                )
              }
            >
              Restore from a file…
            </button>
          ) : (
            <label className="button">
              Restore from a file…
              <input
                type="file"
                className="sr-only"
                accept=".sqlite,.db,application/vnd.sqlite3,application/octet-stream"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = '';
                  if (f) void restoreFrom(f);
                }}
              />
            </label>
          )}
        </div>
      </header>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      {done && (
        <p className="notice success" role="status">
          {done}
        </p>
      )}
      <BackupPlaces />
      <article className="card">
        <ResourceView res={backups} what="Backups">
          {(v) => {
            const { dir, backups: list } = v;
            return (
              <>
                <p className="muted">Kept in {dir}</p>
                {list.length === 0 ? (
                  <p className="muted">No backups yet.</p>
                ) : (
                  <table className="data" data-testid="backups-table">
                    <caption className="sr-only">Backups, newest first</caption>
                    <thead>
                      <tr>
                        <th scope="col">Taken</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Size</th>
                        <th scope="col">Integrity</th>
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((b) => (
                        <tr key={b.id}>
                          <td>{formatDateTime(b.createdAt)}</td>
                          <td>{b.kind}</td>
                          <td>{(b.sizeBytes / 1024 / 1024).toFixed(1)} MB</td>
                          <td>{b.integrity}</td>
                          <td>
                            <button type="button" onClick={() => void restore(b)}>
                              Restore…
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            );
          }}
        </ResourceView>
      </article>
    </section>
  );
}

interface BackupSettingsT {
  mirrorDir?: string;
  encrypt: boolean;
  intervalMinutes: number;
}

/**
 * Where the copies go (issue 14 §4): a second folder on another disk or a synced cloud folder, so a lost
 * or broken computer does not take the backups with it; and whether each copy is encrypted (only the
 * passphrase opens it, so it can sit in a cloud folder). The same settings the engine uses.
 */
function BackupPlaces() {
  const settings = useResource('continuitySettings');
  const act = useStore((s) => s.act);
  const b = (settings.value as { backups: BackupSettingsT } | null)?.backups ?? null;
  const [mirror, setMirror] = useState<string | null>(null);
  const [encrypt, setEncrypt] = useState<boolean | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (!b) return null;
  const mirrorValue = mirror ?? b.mirrorDir ?? '';
  const encryptValue = encrypt ?? b.encrypt;
  const changed = mirrorValue.trim() !== (b.mirrorDir ?? '') || encryptValue !== b.encrypt;
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const r = await act('updateContinuitySettings', {
      backups: { mirrorDir: mirrorValue.trim(), encrypt: encryptValue },
    });
    if (!r.ok) return r.error && setError(r.error);
    setMirror(null);
    setEncrypt(null);
    settings.reload();
    setSaved(
      [
        mirrorValue.trim()
          ? `Each backup is now also copied to ${mirrorValue.trim()}.`
          : 'Backups are kept on this computer only.',
        encryptValue
          ? 'New backups are encrypted: keep your passphrase somewhere other than this computer.'
          : 'New backups are not encrypted.',
      ].join(' '),
    );
  };
  return (
    <article className="card" aria-labelledby="backup-places">
      <h2 id="backup-places">Where backups go</h2>
      <form onSubmit={save} className="form-grid" onChange={() => setSaved(null)}>
        <div className="field">
          <label htmlFor="backup-mirror">Second backup folder</label>
          <input
            id="backup-mirror"
            value={mirrorValue}
            placeholder="e.g. a USB disk or your Dropbox folder"
            onChange={(e) => setMirror(e.target.value)}
          />
          <p className="muted small">
            Every backup is also copied here, so a lost or broken computer does not lose them. Leave it empty
            to keep backups on this computer only.
          </p>
        </div>
        <div className="field">
          <label>
            <input type="checkbox" checked={encryptValue} onChange={(e) => setEncrypt(e.target.checked)} />{' '}
            Encrypt backups
          </label>
          <p className="muted small">
            Only your passphrase opens an encrypted backup — safe in a cloud folder, but lost for good without
            the passphrase. Lists are then not exported as plain CSV beside it.
          </p>
        </div>
        <div className="action-bar">
          <button type="submit" disabled={!changed}>
            Save
          </button>
          {saved && (
            <span className="muted" role="status">
              {saved}
            </span>
          )}
        </div>
      </form>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </article>
  );
}
