/**
 * The tray icon keeps Understudy running when the window is closed, so the scheduler and the health
 * monitor keep watching; native notifications show what the engine's `notification` channel says a
 * person should see now (incidents opening and closing, sends finishing or failing).
 */
import { Menu, Notification, Tray, nativeImage } from 'electron';
import type { NotificationEvent } from '../engine/api/continuity';

export function createTray(icon: string, actions: { show(): void; quit(): void }): Tray {
  const tray = new Tray(nativeImage.createFromPath(icon));
  tray.setToolTip('Understudy: watching your providers and scheduled campaigns');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Understudy', click: actions.show },
      { type: 'separator' },
      { label: 'Quit (stops scheduled sending)', click: actions.quit },
    ]),
  );
  tray.on('click', actions.show);
  return tray;
}

/** The engine's `notification` channel payload: what a person should see now. */
export type NotificationLike = Pick<NotificationEvent, 'title' | 'body' | 'severity'>;

export function notify(n: NotificationLike, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const note = new Notification({
    title: n.title,
    body: n.body,
    urgency: n.severity === 'error' ? 'critical' : 'normal',
  });
  note.on('click', onClick);
  note.show();
}
