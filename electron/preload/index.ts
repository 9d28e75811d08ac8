/**
 * The preload: exposes `window.understudy` through contextBridge as named functions generated from
 * the contract's call names — never ipcRenderer itself (Electron security checklist #20). Files
 * chosen in the page are turned into paths here (webUtils), because the sandboxed page has none.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { contract } from '../engine/api/contract';

const CALL_PREFIX = 'understudy:call:';
const EVENT_CHANNEL = 'understudy:event';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
ipcRenderer.on(EVENT_CHANNEL, (_e, channel: string, payload: unknown) => {
  for (const l of listeners.get(channel) ?? []) l(payload);
});

const names = Object.keys(contract);
const calls = Object.fromEntries(
  names.map((name) => [name, (input?: unknown) => ipcRenderer.invoke(`${CALL_PREFIX}${name}`, input ?? {})]),
);

const bridge = {
  ...calls,
  mode: 'electron' as const,
  calls: names,
  call: (name: string, input?: unknown) =>
    names.includes(name)
      ? ipcRenderer.invoke(`${CALL_PREFIX}${name}`, input ?? {})
      : Promise.resolve({
          ok: false,
          error: { kind: 'user', code: 'unknown_call', message: `There is no call named "${name}".` },
        }),
  on(channel: string, listener: Listener) {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
  onConnection(listener: (c: boolean) => void) {
    listener(true);
    return () => undefined;
  },
  async previewImport(file: File, opts: { format?: string; map?: Record<string, string> }) {
    const head = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
    return ipcRenderer.invoke('understudy:previewImport', head, opts);
  },
  importFile(
    file: File,
    req: { list: string; format: string; map: Record<string, string>; taskId: string; status?: string },
  ) {
    const path = webUtils.getPathForFile(file);
    return ipcRenderer.invoke(`${CALL_PREFIX}importList`, { ...req, file: path });
  },
  abortUpload() {
    // Nothing is uploaded in the desktop app: the engine reads the file where it is.
  },
  exportList: (list: string) => ipcRenderer.invoke('understudy:exportList', list),
  fileUrl: () => null,
  revealFile: (path: string) => void ipcRenderer.invoke('understudy:revealFile', path),
  secrets: {
    describe: () => ipcRenderer.invoke('understudy:secrets:describe'),
    allowBasicText: () => ipcRenderer.invoke('understudy:secrets:allowBasicText'),
  },
};

contextBridge.exposeInMainWorld('understudy', bridge);
