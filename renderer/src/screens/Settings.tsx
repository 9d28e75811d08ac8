/** Settings: appearance (kept in this browser or the desktop app's preferences) and where data lives. */
import { useStore } from '../store';
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { SecretInfo } from '../api/bridge';
import type { Theme } from '../store/app';
import { SendingSettings, ContinuitySettings } from './SettingsSending';
import { BackupMailbox } from '../components/BackupMailbox';

export function Settings() {
  const theme = useStore((s) => s.theme);
  const setTheme = useStore((s) => s.setTheme);
  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen-head">
        <h1 id="settings-title">Settings</h1>
      </header>
      <SendingSettings />
      {api().secrets && <Passwords />}
      <ContinuitySettings />
      <BackupMailbox />
      <article className="card">
        <h2>Appearance</h2>
        <fieldset className="radio-row">
          <legend>Theme</legend>
          {(['system', 'light', 'dark'] as Theme[]).map((t) => (
            <label key={t}>
              <input
                type="radio"
                name="theme"
                value={t}
                checked={theme === t}
                onChange={() => {
                  setTheme(t);
                  try {
                    localStorage.setItem('understudy.theme', t);
                  } catch {
                    // Storage may be disabled; the choice then lasts for this session.
                  }
                }}
              />{' '}
              {t === 'system' ? 'Follow the system' : t[0]!.toUpperCase() + t.slice(1)}
            </label>
          ))}
        </fieldset>
      </article>
      <article className="card">
        <h2>About this window</h2>
        <p>
          Running {api().mode === 'electron' ? 'as the desktop app' : 'in your web browser (browser mode)'};
          the engine answers {api().calls.length} calls.
        </p>
        <details>
          <summary>Engine calls</summary>
          <p className="muted mono">{api().calls.join(', ')}</p>
        </details>
      </article>
    </section>
  );
}

/** Desktop app: where SMTP passwords are kept, and explicit consent before using Linux's weak fallback. */
function Passwords() {
  const [info, setInfo] = useState<SecretInfo | null>(null);
  useEffect(() => {
    void api()
      .secrets!.describe()
      .then((r) => r.ok && setInfo(r.value));
  }, []);
  if (!info) return null;
  return (
    <article className="card">
      <h2>Passwords</h2>
      <Passphrase
        onOpen={() =>
          void api()
            .secrets!.describe()
            .then((r) => r.ok && setInfo(r.value))
        }
      />
      {info.secure ? (
        <p>Passwords are encrypted with your system keychain ({info.backend}).</p>
      ) : (
        <>
          <p className="test-fail">{info.warning}</p>
          {info.backend === 'basic_text' && (
            <button
              type="button"
              onClick={() => {
                // The app asks in its own window (the main process decides, not this page).
                void api()
                  .secrets!.allowBasicText()
                  .then(
                    (r) =>
                      r.ok &&
                      setInfo({
                        ...r.value,
                        warning: 'You allowed weaker storage for passwords on this computer.',
                      }),
                  );
              }}
            >
              Allow weaker password storage on this computer
            </button>
          )}
        </>
      )}
    </article>
  );
}

type SecretsState = 'ready' | 'choose' | 'migrate' | 'unlock';

/**
 * The passphrase of saved passwords: chosen once (or entered once, when they were set up on another
 * computer or in the command line); the app then keeps its key in the system keychain.
 */
function Passphrase({ onOpen }: { onOpen: () => void }) {
  const [state, setState] = useState<{ state: SecretsState; message?: string } | null>(null);
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<{ message: string; next?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void api()
      .secrets!.status?.()
      .then((r) => r.ok && setState(r.value));
  }, []);
  if (!state || state.state === 'ready') return null;
  const choosing = state.state !== 'unlock';
  const mismatch = choosing && again !== '' && again !== pass;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!pass || mismatch) return;
        setBusy(true);
        setError(null);
        void api().secrets!.unlock!(pass).then((r) => {
          setBusy(false);
          if (r.ok) {
            setPass('');
            setAgain('');
            setState({ state: 'ready' });
            onOpen();
          } else {
            setError({ message: r.error.message, ...(r.error.next ? { next: r.error.next } : {}) });
          }
        });
      }}
    >
      <p>{state.message}</p>
      <label>
        {choosing ? 'Choose a passphrase' : 'Passphrase'}{' '}
        <input type="password" autoComplete="off" value={pass} onChange={(e) => setPass(e.target.value)} />
      </label>
      {choosing && (
        <label>
          Type it again{' '}
          <input
            type="password"
            autoComplete="off"
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
        </label>
      )}
      {mismatch && <p className="test-fail">The two passphrases differ.</p>}
      {error && (
        <p className="test-fail" role="alert">
          {error.message} {error.next}
        </p>
      )}
      <button type="submit" disabled={busy || !pass || (choosing && again !== pass)}>
        {choosing ? 'Save the passphrase' : 'Open saved passwords'}
      </button>
    </form>
  );
}
