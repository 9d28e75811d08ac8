/** App slice: which screen is showing, the engine connection, the theme, the last notice. */
import type { StateCreator } from 'zustand';
import type { Store } from './index';

export type Screen =
  | 'dashboard'
  | 'lists'
  | 'suppressions'
  | 'campaigns'
  | 'providers'
  | 'readiness'
  | 'incidents'
  | 'backups'
  | 'settings';
export const SCREENS: { id: Screen; label: string }[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'lists', label: 'Lists' },
  { id: 'suppressions', label: 'Suppressions' },
  { id: 'campaigns', label: 'Campaigns' },
  { id: 'providers', label: 'Providers' },
  { id: 'readiness', label: 'Readiness' },
  { id: 'incidents', label: 'Incidents' },
  { id: 'backups', label: 'Backups' },
  { id: 'settings', label: 'Settings' },
];

export type Theme = 'system' | 'light' | 'dark';

export interface Notice {
  kind: 'info' | 'success' | 'error';
  text: string;
}

export interface AppSlice {
  screen: Screen;
  connected: boolean;
  theme: Theme;
  notice: Notice | null;
  setScreen(s: Screen): void;
  setConnected(c: boolean): void;
  setTheme(t: Theme): void;
  notify(n: Notice | null): void;
}

export const createAppSlice: StateCreator<Store, [], [], AppSlice> = (set) => ({
  screen: 'dashboard',
  connected: false,
  theme: 'system',
  notice: null,
  setScreen: (screen) => set({ screen }),
  setConnected: (connected) => set({ connected }),
  setTheme: (theme) => set({ theme }),
  notify: (notice) => set({ notice }),
});
