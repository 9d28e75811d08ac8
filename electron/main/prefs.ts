/** Preferences (window bounds, theme, defaults) with electron-store; never secrets, never list data. */
import Store from 'electron-store';

export interface Prefs {
  window: { x?: number; y?: number; width: number; height: number; maximized: boolean };
  theme: 'system' | 'light' | 'dark';
  /** The user allowed secrets under Linux's 'basic_text' safeStorage backend. */
  allowBasicTextSecrets: boolean;
  /** Keep running in the tray when the window is closed (the scheduler and monitor keep working). */
  keepRunningInTray: boolean;
}

export function openPrefs(): Store<Prefs> {
  return new Store<Prefs>({
    name: 'preferences',
    defaults: {
      window: { width: 1280, height: 820, maximized: false },
      theme: 'system',
      allowBasicTextSecrets: false,
      keepRunningInTray: true,
    },
    schema: {
      window: {
        type: 'object',
        properties: {
          x: { type: 'number' },
          y: { type: 'number' },
          width: { type: 'number', minimum: 640 },
          height: { type: 'number', minimum: 480 },
          maximized: { type: 'boolean' },
        },
      },
      theme: { type: 'string', enum: ['system', 'light', 'dark'] },
      allowBasicTextSecrets: { type: 'boolean' },
      keepRunningInTray: { type: 'boolean' },
    },
    clearInvalidConfig: true,
  });
}
