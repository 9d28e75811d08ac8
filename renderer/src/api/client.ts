/** The one bridge the app uses: the desktop app's preload if present, else browser mode's. */
import { createBrowserBridge } from './browser';
import type { UnderstudyBridge } from './bridge';

let bridge: UnderstudyBridge | undefined;

export function api(): UnderstudyBridge {
  if (!bridge) bridge = window.understudy ?? createBrowserBridge();
  return bridge;
}

/** Whether the engine answers a call (screens whose engine area has not landed show "not available yet"). */
export function has(name: string): boolean {
  return api().calls.includes(name);
}

/** Test hook: replace the bridge. */
export function setBridge(b: UnderstudyBridge | undefined): void {
  bridge = b;
}
