/**
 * The desktop app's main process: one instance, one hardened window, the engine in a utility process,
 * a tray icon that keeps it running, notifications, preferences and safeStorage secrets. Thin on
 * purpose: everything the app does is in the engine, reached through the contract.
 */
import { app, BrowserWindow, dialog, type BrowserWindow as Win } from 'electron';
import { fileURLToPath } from 'node:url';
import { defaultDbPath, userDataDir } from '../engine/paths';
import { EVENT_CHANNEL } from './channels';
import { EngineClient } from './engineClient';
import { registerIpc } from './ipc';
import { appPaths } from './paths';
import { openPrefs } from './prefs';
import { handleAppProtocol, registerScheme } from './protocol';
import { createAppSecrets } from './secrets';
import { createTray, notify, type NotificationLike } from './tray';
import { createMainWindow, lockDownAllContents } from './window';

const mainDir = fileURLToPath(new URL('.', import.meta.url));

// Same data folder as the CLI and browser mode (engine/paths.ts), so all three see one database.
app.setPath('userData', userDataDir());
app.enableSandbox();
registerScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  let win: Win | undefined;
  let quitting = false;
  await app.whenReady();
  const prefs = openPrefs();
  const paths = appPaths(mainDir);
  lockDownAllContents();
  handleAppProtocol(paths.renderer);

  const openWindow = (): Win => {
    const w = createMainWindow(prefs, paths.preload);
    w.on('close', (e) => {
      // Closing the window hides it: the engine keeps the schedule and the health checks running.
      if (!quitting && prefs.get('keepRunningInTray')) {
        e.preventDefault();
        w.hide();
      }
    });
    return w;
  };
  const show = () => {
    if (!win || win.isDestroyed()) win = openWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  app.on('second-instance', show);

  // One secret file shared with the command line; its key comes from the keychain, or the window
  // asks for the passphrase (Settings → Passwords) and nothing that needs a password works until then.
  const secrets = createAppSecrets(defaultDbPath(), () => prefs.get('allowBasicTextSecrets'));
  const secretsStatus = await secrets.open().catch(() => undefined);
  const engine = new EngineClient({
    hostScript: paths.engineHost,
    dbPath: defaultDbPath(),
    ...(paths.nativeBinding ? { nativeBinding: paths.nativeBinding } : {}),
    secrets,
    onEvent(channel, payload) {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send(EVENT_CHANNEL, channel, payload);
      if (channel === 'notification') notify(payload as NotificationLike, show);
    },
    onFatal(message) {
      dialog.showErrorBox('Understudy cannot open its database', message);
    },
  });
  registerIpc({
    engine,
    userData: app.getPath('userData'),
    secrets,
    allowBasicText: () => prefs.set('allowBasicTextSecrets', true),
  });
  try {
    await engine.start();
  } catch {
    // onFatal has told the user; the window still opens so they can read it and quit.
  }

  createTray(paths.trayIcon, {
    show,
    quit: () => {
      quitting = true;
      app.quit();
    },
  });
  win = openWindow();
  if (secretsStatus && secretsStatus.state !== 'ready' && secretsStatus.state !== 'choose') {
    notify(
      { title: 'Your saved passwords need the passphrase', body: secretsStatus.message, severity: 'warning' },
      show,
    );
  }
  app.on('activate', show);
  app.on('window-all-closed', () => {
    if (!prefs.get('keepRunningInTray')) app.quit();
  });
  // Quit closes the database cleanly first (the engine host folds the WAL back in).
  let engineClosed = false;
  app.on('before-quit', (e) => {
    quitting = true;
    if (engineClosed) return;
    e.preventDefault();
    void engine.close().finally(() => {
      engineClosed = true;
      app.quit();
    });
  });
}
