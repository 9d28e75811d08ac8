/** The one bridge the app uses: the desktop app's preload if present, else browser mode's. */
import { createBrowserBridge } from './browser';
import type { UnderstudyBridge } from './bridge';

let bridge: UnderstudyBridge | undefined;

export function api(): UnderstudyBridge {
  if (!bridge) bridge = window.understudy ?? createBrowserBridge();
  return bridge;
}

/** Test hook: replace the bridge. */
export function setBridge(b: UnderstudyBridge | undefined): void {
  bridge = b;
}
