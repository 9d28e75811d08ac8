/**
 * The tray icon keeps Understudy running when the window is closed, so the scheduler and the health
 * monitor keep watching; native notifications say when an incident opens or closes and when a send
 * finishes or fails (from the engine's durable timeline events).
 */
import { Menu, Notification, Tray, nativeImage } from 'electron';

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

interface TimelineEventLike {
  type: string;
  severity: string;
  message: string;
}

/** Which timeline events deserve a notification: incidents opening/closing, sends finishing/failing. */
export function notificationFor(e: TimelineEventLike): { title: string; body: string } | null {
  if (/^incident\.(opened|open)$/.test(e.type)) return { title: 'A provider is down', body: e.message };
  if (/^incident\.(closed|resolved)$/.test(e.type)) return { title: 'Incident resolved', body: e.message };
  if (/^(campaign|send|run)\.(finished|completed|sent)$/.test(e.type))
    return { title: 'Campaign sent', body: e.message };
  if (/^(campaign|send|run)\.failed$/.test(e.type)) return { title: 'Sending failed', body: e.message };
  return null;
}

export function notify(e: TimelineEventLike, onClick: () => void): void {
  const n = notificationFor(e);
  if (!n || !Notification.isSupported()) return;
  const note = new Notification({
    title: n.title,
    body: n.body,
    urgency: e.severity === 'error' ? 'critical' : 'normal',
  });
  note.on('click', onClick);
  note.show();
}
