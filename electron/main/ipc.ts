/**
 * IPC generated from the API contract: one ipcMain.handle per call name, each checking that the
 * sender is our own page (VS Code's validatedIpcMain does the same: src/vs/base/parts/ipc/electron-main/ipcMain.ts),
 * then handing the raw input to the engine host, where the dispatcher parses it with zod. Results
 * cross back as envelopes.
 *
 * A call that names a file (a `paths` field in the contract) gets only paths this process's own
 * open/save dialogs returned: the renderer holds an opaque one-time token (pathGrants.ts), never a
 * path it could have made up. Weaker password storage needs a native confirmation shown from here.
 */
import { BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { relative, isAbsolute, basename } from 'node:path';
import { contract, type CallName } from '../engine/api/contract';
import type { Envelope } from '../engine/api/common';
import { pathFields } from '../engine/api/define';
import { CALL_PREFIX, EXTRA } from './channels';
import { PathGrants } from './pathGrants';
import { isAppUrl } from './window';
import type { EngineClient } from './engineClient';
import type { AppSecretStore } from './secrets';
import { isUnderstudyError } from '../engine/errors';

const refused: Envelope<never> = {
  ok: false,
  error: {
    kind: 'user',
    code: 'refused',
    message: 'This request did not come from the Understudy window.',
    safe: 'Nothing was changed.',
  },
};

const notChosen = (field: string): Envelope<never> => ({
  ok: false,
  error: {
    kind: 'user',
    code: 'path_not_chosen',
    message: `The file for "${field}" was not chosen in Understudy's own open or save window.`,
    safe: 'Nothing was read or written.',
    next: 'Choose the file again with the button in the app.',
  },
});

const cancelled = (safe: string): Envelope<never> => ({
  ok: false,
  error: { kind: 'user', code: 'cancelled', message: 'Cancelled.', safe },
});

const PREVIEW_BYTES = 64 * 1024;

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
  secrets: AppSecretStore;
  allowBasicText: () => void;
}): void {
  const { engine, userData } = opts;
  const grants = new PathGrants();
  for (const [name, def] of Object.entries(contract)) {
    const fields = pathFields(def).map(([f]) => f);
    handle(`${CALL_PREFIX}${name}`, (_e, input) => {
      const r = grants.resolve(name, fields, input ?? {});
      if (!r.ok) return notChosen(r.field);
      // A file chosen in our own save dialog was confirmed there when it already existed.
      const saves = fields.filter((f) => contract[name as CallName].paths?.[f] === 'save');
      const given = r.input as Record<string, unknown>;
      const confirmed = saves.some((f) => given[f] !== undefined);
      return engine.call(name, confirmed ? { ...given, force: true } : r.input);
    });
  }
  handle(EXTRA.callNames, () => Object.keys(contract));
  // The renderer asks for a file for one path field of one call; the dialog is ours, the path stays here.
  handle(EXTRA.choosePath, async (e, call, field, suggested) => {
    if (typeof call !== 'string' || !Object.hasOwn(contract, call) || typeof field !== 'string')
      return refused;
    const paths = contract[call as CallName].paths ?? {};
    const use = Object.hasOwn(paths, field) ? paths[field] : undefined;
    if (use !== 'open' && use !== 'save') return refused;
    const win = BrowserWindow.fromWebContents(e.sender)!;
    let path: string | undefined;
    if (use === 'open') {
      const r = await dialog.showOpenDialog(win, { properties: ['openFile'] });
      path = r.canceled ? undefined : r.filePaths[0];
    } else {
      const name = typeof suggested === 'string' ? basename(suggested).slice(0, 120) : '';
      const r = await dialog.showSaveDialog(win, {
        ...(name ? { defaultPath: name } : {}),
        properties: ['showOverwriteConfirmation'],
      });
      path = r.canceled ? undefined : r.filePath;
    }
    if (!path) return cancelled('Nothing was read or written.');
    let size = 0;
    try {
      size = use === 'open' ? statSync(path).size : 0;
    } catch {
      // The engine's own error (missing file, a folder) is clearer; it comes with the call.
    }
    return { ok: true, value: { token: grants.grant(call, field, path), name: basename(path), size } };
  });
  // The import wizard's preview: the first bytes of the file, given as bytes or as a granted token.
  handle(EXTRA.previewImport, (_e, source, options) => {
    let head: Uint8Array;
    if (source instanceof Uint8Array && source.byteLength <= 256 * 1024) head = source;
    else {
      const path = grants.peek(source, 'importList', 'file');
      if (!path) return notChosen('file');
      try {
        head = readHead(path, PREVIEW_BYTES);
      } catch (err) {
        return {
          ok: false,
          error: {
            kind: 'user',
            code: 'unreadable',
            message: `The file could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
            safe: 'Nothing was imported.',
            next: 'Check that it is a file you may read, then choose it again.',
          },
        };
      }
    }
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
      properties: ['showOverwriteConfirmation'],
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
    // The path comes from our own dialog and never leaves this process.
    // Replacing an existing file was confirmed in that dialog.
    return engine.call('exportList', { list, out: choice.filePath, force: true });
  });
  handle(EXTRA.revealFile, (_e, path) => {
    // Only files the engine wrote in the data folder (reject reports, exports, backups).
    if (typeof path !== 'string' || !isAbsolute(path)) return refused;
    const rel = relative(userData, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return refused;
    shell.showItemInFolder(path);
    return { ok: true, value: basename(path) };
  });
  handle(EXTRA.describeSecrets, () => ({ ok: true, value: opts.secrets.describe() }));
  handle(EXTRA.secretsStatus, () => ({ ok: true, value: opts.secrets.status() }));
  // The passphrase goes from the window to this process only; the engine host never sees it.
  handle(EXTRA.unlockSecrets, async (_e, passphrase) => {
    if (typeof passphrase !== 'string' || passphrase === '') return refused;
    try {
      return { ok: true, value: await opts.secrets.unlock(passphrase) };
    } catch (e) {
      if (isUnderstudyError(e)) return { ok: false, error: e.toJSON() };
      throw e;
    }
  });
  // Weaker storage is consented to in a native dialog of this process, never by a renderer call alone.
  handle(EXTRA.allowBasicText, async (e) => {
    const win = BrowserWindow.fromWebContents(e.sender)!;
    const { response } = await dialog.showMessageBox(win, {
      type: 'warning',
      title: 'Weaker password storage',
      message: 'Store passwords with a fixed key on this computer?',
      detail:
        'No system keyring (GNOME Keyring or KWallet) was found. Passwords would be protected only by a key built into the app: anyone who can read your files could recover them. Installing and unlocking a keyring is safer.',
      buttons: ['Keep passwords unsaved', 'Store with weaker protection'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    });
    if (response !== 1) return cancelled('Passwords are still not stored anywhere.');
    opts.allowBasicText();
    return { ok: true, value: opts.secrets.describe() };
  });
}

function readHead(path: string, max: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return new Uint8Array(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
