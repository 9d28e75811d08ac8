/** The window: navigation, connection status, the current screen, and the engine's event feed. */
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from './store';
import { SCREENS, type Screen, type Theme } from './store/app';
import { api } from './api/client';
import { Dashboard } from './screens/Dashboard';
import { Lists } from './screens/Lists';
import { Suppressions } from './screens/Suppressions';
import { Campaigns } from './screens/campaigns/Campaigns';
import { Providers } from './screens/Providers';
import { Incidents } from './screens/Incidents';
import { Runbook } from './screens/Runbook';
import { Backups } from './screens/Backups';
import { Settings } from './screens/Settings';
import { Readiness } from './screens/Readiness';
import { useResource } from './components/Resource';
import { setTimeZone } from './components/format';

const VIEWS: Record<Screen, () => React.JSX.Element> = {
  dashboard: Dashboard,
  readiness: Readiness,
  lists: Lists,
  suppressions: Suppressions,
  campaigns: Campaigns,
  providers: Providers,
  incidents: Incidents,
  runbook: Runbook,
  backups: Backups,
  settings: Settings,
};

/** Every date in the UI is shown in the zone of the continuity settings (the computer's until they load). */
function useSettingsZone(): void {
  const settings = useResource('continuitySettings');
  setTimeZone(settings.value?.timeZone ?? null);
}

export function App() {
  useSettingsZone();
  const { screen, setScreen, connected, problem, theme, notice, notify } = useStore(
    useShallow((s) => ({
      screen: s.screen,
      setScreen: s.setScreen,
      connected: s.connected,
      problem: s.connectionProblem,
      theme: s.theme,
      notice: s.notice,
      notify: s.notify,
    })),
  );

  useEffect(() => {
    const b = api();
    const offs = [
      b.onConnection((c) => useStore.getState().setConnected(c)),
      b.onConnectionProblem?.((p) => useStore.getState().setConnectionProblem(p)) ?? (() => undefined),
      b.on('event', (ev) => {
        useStore.getState().pushEvent(ev);
        if (ev.listId !== null && ev.type.startsWith('import')) void useStore.getState().loadLists();
        if (ev.severity !== 'debug') useStore.getState().bumpData();
      }),
      b.on('import.progress', (p) => useStore.getState().onImportProgress(p)),
      b.on('send.progress', (p) => useStore.getState().onSendProgress(p)),
      b.on('health.changed', () => useStore.getState().bumpData()),
    ];
    try {
      const saved = localStorage.getItem('understudy.theme') as Theme | null;
      if (saved) useStore.getState().setTheme(saved);
    } catch {
      // No storage: keep the default theme.
    }
    const fromHash = location.hash.slice(1) as Screen;
    if (SCREENS.some((s) => s.id === fromHash)) setScreen(fromHash);
    return () => offs.forEach((off) => off());
  }, [setScreen]);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // The address bar follows the screen, and Back/Forward move between screens: each change of screen is
  // a history entry (the first render only names the screen it opened on).
  const routed = useRef(false);
  useEffect(() => {
    const wanted = `#${screen}`;
    if (location.hash !== wanted) {
      const fromHash = location.hash.slice(1);
      if (!routed.current && SCREENS.some((s) => s.id === fromHash)) {
        // The page opened on another screen's address: the effect above moves there; no entry yet.
      } else if (!routed.current || !location.hash) history.replaceState(null, '', wanted);
      else history.pushState(null, '', wanted);
    }
    routed.current = true;
    document.title = `${SCREENS.find((s) => s.id === screen)?.label ?? ''} · Understudy`;
  }, [screen]);
  useEffect(() => {
    const onPop = () => {
      const id = location.hash.slice(1);
      const known = SCREENS.find((s) => s.id === id);
      if (known) setScreen(known.id);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, [setScreen]);

  const View = VIEWS[screen];
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand" aria-label="Understudy">
          <span className="brand-mark" aria-hidden="true">
            U
          </span>{' '}
          Understudy
        </div>
        <nav aria-label="Main">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className={s.id === screen ? 'nav-item active' : 'nav-item'}
                  aria-current={s.id === screen ? 'page' : undefined}
                  onClick={() => setScreen(s.id)}
                >
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div
          className={connected ? 'conn ok' : 'conn down'}
          role="status"
          aria-live="polite"
          data-testid="connection"
        >
          <span className="dot" aria-hidden="true" />
          {connected
            ? 'Engine connected'
            : problem === 'signed_out'
              ? 'Understudy was started again'
              : problem === 'unreachable'
                ? 'Understudy is not answering'
                : 'Connecting to the engine…'}
        </div>
      </aside>
      <main id="main" tabIndex={-1}>
        {!connected && problem && (
          <div className="app-notice error" role="alert" data-testid="connection-problem">
            <span>
              {problem === 'signed_out'
                ? 'Understudy was started again, so this page is signed out. Open the new link it gave when it started (nothing you saved is lost).'
                : 'Understudy is not answering at this address. If you closed it, start it again and open the new link it gives; this page keeps trying meanwhile.'}
            </span>
          </div>
        )}
        {notice && (
          <div
            className={`app-notice ${notice.kind}`}
            role={notice.kind === 'error' ? 'alert' : 'status'}
            data-testid="app-notice"
          >
            <span>{notice.text}</span>
            <button type="button" className="link" onClick={() => notify(null)}>
              Dismiss
            </button>
          </div>
        )}
        <View />
      </main>
    </div>
  );
}
