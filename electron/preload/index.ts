/**
 * The preload: exposes `window.understudy` through contextBridge as named functions generated from
 * the contract's call names — never ipcRenderer itself (Electron security checklist #20). Files are
 * chosen in the main process's own dialogs (pickFile): the page holds an opaque token for each,
 * never a path, and the main process refuses any path it did not hand out itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { contract } from '../engine/api/contract';

const CALL_PREFIX = 'understudy:call:';
const EVENT_CHANNEL = 'understudy:event';

type Listener = (payload: unknown) => void;
/** A file chosen in main's dialog: its name and size to show, and the token that stands for it. */
interface PickedFile {
  name: string;
  size: number;
  token: string;
}
const isPicked = (f: unknown): f is PickedFile =>
  typeof f === 'object' && f !== null && typeof (f as PickedFile).token === 'string';
const chooseInTheApp = {
  ok: false,
  error: {
    kind: 'user',
    code: 'path_not_chosen',
    message: 'Choose the file with the “Choose file…” button.',
    safe: 'Nothing was read or written.',
  },
};
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
  pickFile: (call: string, field: string, suggestedName?: string) =>
    ipcRenderer.invoke('understudy:choosePath', call, field, suggestedName),
  async previewImport(file: File | PickedFile, opts: { format?: string; map?: Record<string, string> }) {
    if (isPicked(file)) return ipcRenderer.invoke('understudy:previewImport', file.token, opts);
    const head = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
    return ipcRenderer.invoke('understudy:previewImport', head, opts);
  },
  importFile(
    file: File | PickedFile,
    req: { list: string; format: string; map: Record<string, string>; taskId: string; status?: string },
  ) {
    if (!isPicked(file)) return Promise.resolve(chooseInTheApp);
    return ipcRenderer.invoke(`${CALL_PREFIX}importList`, { ...req, file: file.token });
  },
  restoreFile(file: File | PickedFile) {
    if (!isPicked(file)) return Promise.resolve(chooseInTheApp);
    return ipcRenderer.invoke(`${CALL_PREFIX}requestRestore`, { file: file.token });
  },
  importCodesFile(file: File | PickedFile, batch: string) {
    if (!isPicked(file)) return Promise.resolve(chooseInTheApp);
    return ipcRenderer.invoke(`${CALL_PREFIX}importCodes`, { file: file.token, batch });
  },
  async reportHtml(id: number) {
    const r = await ipcRenderer.invoke(`${CALL_PREFIX}incidentReport`, { id });
    return r.ok ? { ok: true, value: { html: r.value.html } } : r;
  },
  async saveReport(id: number) {
    const picked = await ipcRenderer.invoke(
      'understudy:choosePath',
      'incidentReport',
      'out',
      `incident-${id}-report.html`,
    );
    if (!picked.ok) return picked;
    return ipcRenderer.invoke(`${CALL_PREFIX}incidentReport`, { id, out: picked.value.token });
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
    status: () => ipcRenderer.invoke('understudy:secrets:status'),
    unlock: (passphrase: string) => ipcRenderer.invoke('understudy:secrets:unlock', passphrase),
  },
};

contextBridge.exposeInMainWorld('understudy', bridge);
