/**
 * The one hardened window, following Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security): context isolation, the sandbox, no
 * Node integration, no webview, navigation and new windows denied, links opened in the system
 * browser only when they parse as http(s), every permission request refused.
 */
import { BrowserWindow, app, session, shell, type WebContents } from 'electron';
import type Store from 'electron-store';
import { APP_ORIGIN } from './channels';
import type { Prefs } from './prefs';

export function isAppUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Only http(s) links leave the app, and only to the system browser. */
export function openExternalSafely(raw: string): void {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return;
  }
  if (u.protocol === 'https:' || u.protocol === 'http:') void shell.openExternal(u.href);
}

/** Applies to every web contents the app ever creates (checklist #13, #14, #12). */
export function lockDownAllContents(): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternalSafely(url);
      return { action: 'deny' };
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export function createMainWindow(prefs: Store<Prefs>, preload: string): BrowserWindow {
  const b = prefs.get('window');
  const win = new BrowserWindow({
    ...(b.x !== undefined && b.y !== undefined ? { x: b.x, y: b.y } : {}),
    width: b.width,
    height: b.height,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Understudy',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
    },
  });
  if (b.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = () => {
    if (win.isDestroyed()) return;
    const maximized = win.isMaximized();
    prefs.set('window', { ...(maximized ? prefs.get('window') : win.getNormalBounds()), maximized });
  };
  win.on('resize', save);
  win.on('move', save);
  win.on('close', save);
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
