/** App slice: which screen is showing, the engine connection, the theme, the last notice. */
import type { StateCreator } from 'zustand';
import type { Store } from './index';
import { SCREENS, type Screen } from './screens';
import type { ConnectionProblem } from '../api/bridge';
export { SCREENS, type Screen };

export type Theme = 'system' | 'light' | 'dark';

export interface Notice {
  kind: 'info' | 'success' | 'error';
  text: string;
}

export interface AppSlice {
  screen: Screen;
  connected: boolean;
  /** Why the engine cannot be reached, when known (browser mode). */
  connectionProblem: ConnectionProblem | null;
  theme: Theme;
  notice: Notice | null;
  setScreen(s: Screen): void;
  setConnected(c: boolean): void;
  setConnectionProblem(p: ConnectionProblem | null): void;
  setTheme(t: Theme): void;
  notify(n: Notice | null): void;
}

export const createAppSlice: StateCreator<Store, [], [], AppSlice> = (set) => ({
  screen: 'dashboard',
  connected: false,
  connectionProblem: null,
  theme: 'system',
  notice: null,
  setScreen: (screen) => set({ screen }),
  setConnected: (connected) => set({ connected }),
  setConnectionProblem: (connectionProblem) => set({ connectionProblem }),
  setTheme: (theme) => set({ theme }),
  notify: (notice) => set({ notice }),
});
