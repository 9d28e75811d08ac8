/**
 * Browser mode's implementation of window.understudy: calls are POST /api/<name> (the session cookie
 * carries the token), events arrive over one WebSocket that reconnects with backoff, uploads go
 * through XMLHttpRequest so the wizard can show upload progress and abort it.
 */
import { contract, type CallName } from '../../../electron/engine/api/contract';
import type { Envelope } from './types';
import type {
  BridgeExtras,
  CallFns,
  CallResult,
  InputArgs,
  ChosenFile,
  ExportDone,
  ImportPreview,
  ConnectionProblem,
  RestoreCheck,
  UnderstudyBridge,
} from './bridge';
import type { ImportResult } from './types';

const PREVIEW_BYTES = 64 * 1024;

function networkError(what: string): Envelope<never> {
  return {
    ok: false,
    error: {
      kind: 'user',
      code: 'offline',
      message: `Could not reach the Understudy server (${what}).`,
      safe: 'Your data is on the server and was not changed by this attempt.',
      next: 'Check that Understudy is still running on the computer that serves this page, then try again.',
    },
  };
}

async function postJson(path: string, body: unknown): Promise<Envelope<unknown>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  } catch (e) {
    return networkError((e as Error).message);
  }
  return readEnvelope(res);
}

async function readEnvelope(res: Response): Promise<Envelope<unknown>> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) return (await res.json()) as Envelope<unknown>;
  const text = await res.text();
  return {
    ok: false,
    error: {
      kind: 'user',
      code: res.status === 401 ? 'signed_out' : `http_${res.status}`,
      message: text || `The server answered ${res.status}.`,
      safe: 'Nothing was changed.',
      ...(res.status === 401
        ? { next: 'Open the sign-in link Understudy gave when it started, to sign in again.' }
        : {}),
    },
  };
}

/** Browser mode reads only files the person chose in the page; they travel as uploads. */
function notUploadable(): Envelope<never> {
  return {
    ok: false,
    error: {
      kind: 'user',
      code: 'not_a_file',
      message: 'Choose the file from your computer with the file button.',
      safe: 'Nothing was read or written.',
    },
  };
}

/** POSTs a file as the raw body to one of the server's upload routes. */
async function upload(path: string, file: ChosenFile): Promise<Envelope<unknown>> {
  if (!(file instanceof Blob)) return notUploadable();
  try {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/octet-stream' },
      body: file,
    });
    return readEnvelope(res);
  } catch (e) {
    return networkError((e as Error).message);
  }
}

// eslint-disable-next-line max-lines-per-function -- the bridge object: its methods share one WebSocket and its listeners
export function createBrowserBridge(): UnderstudyBridge {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const connListeners = new Set<(c: boolean) => void>();
  const problemListeners = new Set<(p: ConnectionProblem | null) => void>();
  let problem: ConnectionProblem | null = null;
  const setProblem = (p: ConnectionProblem | null) => {
    if (p === problem) return;
    problem = p;
    for (const l of problemListeners) l(p);
  };
  const uploads = new Map<string, XMLHttpRequest>();
  let connected = false;
  let retry = 0;

  const setConnected = (c: boolean) => {
    if (c === connected) return;
    connected = c;
    for (const l of connListeners) l(c);
  };

  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/events`);
    ws.onopen = () => {
      retry = 0;
      setProblem(null);
      setConnected(true);
    };
    ws.onmessage = (m) => {
      let msg: { channel: string; payload: unknown };
      try {
        msg = JSON.parse(String(m.data));
      } catch {
        return;
      }
      for (const l of listeners.get(msg.channel) ?? []) l(msg.payload);
    };
    ws.onclose = () => {
      setConnected(false);
      retry = Math.min(retry + 1, 6);
      // A WebSocket does not say why it was refused: ask the server with a call that changes nothing.
      // 401 means it runs but no longer knows this tab (started again, with a new link): say so, and stop
      // knocking. No answer three times in a row: say nothing answers here, and keep trying.
      void fetch('/api/listLists', { credentials: 'same-origin' }).then(
        (res) => {
          if (res.status === 401) return setProblem('signed_out');
          // Backoff with jitter: 0.5 s, 1 s, 2 s ... up to ~30 s.
          setTimeout(connect, 250 * 2 ** retry * (0.5 + Math.random()));
        },
        () => {
          if (retry >= 3) setProblem('unreachable');
          setTimeout(connect, 250 * 2 ** retry * (0.5 + Math.random()));
        },
      );
    };
  };
  connect();

  const extras: BridgeExtras = {
    mode: 'browser',
    calls: Object.keys(contract),
    // The wire's one unchecked step: the engine validated the answer against the contract.
    call: <N extends CallName>(name: N, ...[input]: InputArgs<N>) =>
      postJson(`/api/${encodeURIComponent(name)}`, input) as Promise<CallResult<N>>,
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      // The engine emits on a channel only the payload api/events.ts declares for it.
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    onConnection(listener) {
      connListeners.add(listener);
      listener(connected);
      return () => connListeners.delete(listener);
    },
    onConnectionProblem(listener) {
      problemListeners.add(listener);
      listener(problem);
      return () => problemListeners.delete(listener);
    },
    async previewImport(file, opts) {
      if (!(file instanceof Blob)) return notUploadable();
      const q = new URLSearchParams({ format: opts.format ?? 'auto', map: JSON.stringify(opts.map ?? {}) });
      try {
        const res = await fetch(`/preview?${q}`, {
          method: 'POST',
          credentials: 'same-origin',
          body: file.slice(0, PREVIEW_BYTES),
        });
        return (await readEnvelope(res)) as Envelope<ImportPreview>;
      } catch (e) {
        return networkError((e as Error).message);
      }
    },
    importFile(file, req, onUpload) {
      if (!(file instanceof Blob)) return Promise.resolve(notUploadable());
      const q = new URLSearchParams({
        list: req.list,
        format: req.format,
        map: JSON.stringify(req.map),
        taskId: req.taskId,
        name: file.name,
        ...(req.status ? { status: req.status } : {}),
      });
      return new Promise<Envelope<ImportResult>>((resolve) => {
        const xhr = new XMLHttpRequest();
        uploads.set(req.taskId, xhr);
        xhr.open('POST', `/upload/import?${q}`);
        xhr.setRequestHeader('content-type', 'application/octet-stream');
        xhr.upload.onprogress = (e) => onUpload?.(e.loaded, e.total || file.size);
        xhr.onload = () => {
          uploads.delete(req.taskId);
          try {
            resolve(JSON.parse(xhr.responseText) as Envelope<ImportResult>);
          } catch {
            resolve(networkError(`unexpected answer ${xhr.status}`));
          }
        };
        xhr.onerror = () => {
          uploads.delete(req.taskId);
          resolve(networkError('the upload failed'));
        };
        xhr.onabort = () => {
          uploads.delete(req.taskId);
          resolve({
            ok: false,
            error: {
              kind: 'user',
              code: 'cancelled',
              message: 'The import was cancelled during the upload.',
              safe: 'Nothing was imported; the list is unchanged.',
            },
          });
        };
        xhr.send(file);
      });
    },
    restoreFile(file) {
      const q = new URLSearchParams({ name: file.name });
      return upload(`/upload/restore?${q}`, file) as Promise<Envelope<RestoreCheck>>;
    },
    importCodesFile(file, batch) {
      const q = new URLSearchParams({ name: file.name, batch });
      return upload(`/upload/codes?${q}`, file) as ReturnType<BridgeExtras['importCodesFile']>;
    },
    async reportHtml(id) {
      try {
        const res = await fetch(`/reports/${id}`, { credentials: 'same-origin' });
        if (res.ok && (res.headers.get('content-type') ?? '').startsWith('text/html'))
          return { ok: true, value: { html: await res.text() } };
        return (await readEnvelope(res)) as Envelope<never>;
      } catch (e) {
        return networkError((e as Error).message);
      }
    },
    async saveReport(id) {
      // The server answers with Content-Disposition: attachment, so this downloads, nothing more.
      const a = document.createElement('a');
      a.href = `/reports/${id}`;
      a.download = `incident-${id}-report.html`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      return { ok: true, value: null };
    },
    abortUpload(taskId) {
      uploads.get(taskId)?.abort();
    },
    async exportList(list) {
      try {
        const res = await fetch(`/export?${new URLSearchParams({ list })}`, {
          method: 'POST',
          credentials: 'same-origin',
        });
        return (await readEnvelope(res)) as Envelope<ExportDone>;
      } catch (e) {
        return networkError((e as Error).message);
      }
    },
    fileUrl(path) {
      const m = /[\\/](rejects|exports)[\\/]([^\\/]+)$/.exec(path);
      return m ? `/files/${m[1]}/${encodeURIComponent(m[2]!)}` : null;
    },
    revealFile() {
      // Browser mode downloads files through fileUrl instead.
    },
  };

  const fns = Object.fromEntries(
    (Object.keys(contract) as CallName[]).map((name) => [
      name,
      (input?: unknown) => postJson(`/api/${encodeURIComponent(name)}`, input),
    ]),
  ) as unknown as CallFns;
  return Object.assign(fns, extras);
}
