/**
 * IPC generated from the API contract: one ipcMain.handle per call name, each checking that the
 * sender is our own page (VS Code's validatedIpcMain does the same: src/vs/base/parts/ipc/electron-main/ipcMain.ts),
 * then handing the raw input to the engine host, where the dispatcher parses it with zod. Results
 * cross back as envelopes.
 */
import { BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { relative, isAbsolute, basename } from 'node:path';
import { contract } from '../engine/api/contract';
import type { Envelope } from '../engine/api/common';
import { CALL_PREFIX, EXTRA } from './channels';
import { isAppUrl } from './window';
import type { EngineClient } from './engineClient';
import type { SafeStorageSecretStore } from './secrets';

const refused: Envelope<never> = {
  ok: false,
  error: {
    kind: 'user',
    code: 'refused',
    message: 'This request did not come from the Understudy window.',
    safe: 'Nothing was changed.',
  },
};

function fromOurPage(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  if (!frame || frame !== e.sender.mainFrame) return false;
  return isAppUrl(frame.url);
}

function handle(channel: string, fn: (e: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, (e, ...args) => (fromOurPage(e) ? fn(e, ...args) : refused));
}

export function registerIpc(opts: {
  engine: EngineClient;
  userData: string;
  secrets: SafeStorageSecretStore;
  allowBasicText: () => void;
}): void {
  const { engine, userData } = opts;
  for (const name of Object.keys(contract)) {
    handle(`${CALL_PREFIX}${name}`, (_e, input) => engine.call(name, input));
  }
  handle(EXTRA.callNames, () => Object.keys(contract));
  handle(EXTRA.previewImport, (_e, head, options) => {
    if (!(head instanceof Uint8Array) || head.byteLength > 256 * 1024) return refused;
    const o = (options ?? {}) as { format?: string; map?: Record<string, string> };
    return engine.preview(head, typeof o.format === 'string' ? o.format : undefined, o.map);
  });
  handle(EXTRA.exportList, async (e, list) => {
    if (typeof list !== 'string') return refused;
    const win = BrowserWindow.fromWebContents(e.sender);
    const safe = list.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || 'list';
    const choice = await dialog.showSaveDialog(win!, {
      title: `Export “${list}”`,
      defaultPath: `${safe}.csv`,
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    });
    if (choice.canceled || !choice.filePath) {
      return {
        ok: false,
        error: {
          kind: 'user',
          code: 'cancelled',
          message: 'Export cancelled.',
          safe: 'Nothing was written.',
        },
      };
    }
    return engine.call('exportList', { list, out: choice.filePath });
  });
  handle(EXTRA.revealFile, (_e, path) => {
    // Only files the engine wrote in the data folder (reject reports, exports, backups).
    if (typeof path !== 'string' || !isAbsolute(path)) return refused;
    const rel = relative(userData, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return refused;
    shell.showItemInFolder(path);
    return { ok: true, value: basename(path) };
  });
  handle('understudy:secrets:describe', () => ({ ok: true, value: opts.secrets.describe() }));
  handle('understudy:secrets:allowBasicText', () => {
    opts.allowBasicText();
    return { ok: true, value: opts.secrets.describe() };
  });
}
