/**
 * What the renderer talks to: `window.understudy`. In the desktop app the preload builds it from the
 * contract's call names over IPC; in browser mode src/api/browser.ts builds the same shape over
 * fetch and WebSocket. Every call returns an envelope, never throws.
 */
import type { CallInput, CallName, CallOutput } from '../../../electron/engine/api/contract';
import type { Envelope } from '../../../electron/engine/api/common';
import type { EventChannel, EventPayload } from '../../../electron/engine/api/events';
import type { ImportResult, ImportFormat, SubscriberStatusT } from './types';

/**
 * The input argument of a call, as the contract says: optional when the call's input may be left out
 * (an empty object or a default), required otherwise. A name that is not in the contract, or an input
 * of the wrong shape, does not compile.
 */
export type InputArgs<N extends CallName> =
  Record<never, never> extends CallInput<N> ? [input?: CallInput<N>] : [input: CallInput<N>];

/** What a call answers: its contract output in an envelope (never a thrown error). */
export type CallResult<N extends CallName> = Envelope<CallOutput<N>>;

export type CallFns = {
  [N in CallName]: (...args: InputArgs<N>) => Promise<CallResult<N>>;
};

export interface ImportPreview {
  encoding: string;
  delimiter: string;
  format: string;
  detectedFormat: string;
  header: string[];
  targets: string[];
  sample: string[][];
  /** `columns`: columns about consent whose meaning the person must say before importing. */
  problem: { message: string; next?: string; columns?: string[] } | null;
}

/**
 * Desktop app: a file chosen in the main process's own open/save dialog. The page never sees its
 * path, only an opaque one-time token the main process swaps back (a path from the page is refused).
 */
export interface PickedFile {
  name: string;
  size: number;
  token: string;
}

/** A file to read: from an `<input type=file>` (browser mode, uploaded) or picked (desktop app). */
export type ChosenFile = File | PickedFile;

/** What a restore request checked (the restore itself happens at the next start). */
export interface RestoreCheck {
  path: string;
  schemaVersion: number;
  integrity: string;
  counts: Record<string, number>;
}

export interface FileImportRequest {
  list: string;
  format: ImportFormat;
  map: Record<string, string>;
  taskId: string;
  status?: SubscriberStatusT;
}

export interface ExportDone {
  list: string;
  rows: number;
  out: string;
  /** Browser mode: where to download the file. */
  download?: string;
}

/** Why the engine cannot be reached (see onConnectionProblem). */
export type ConnectionProblem = 'signed_out' | 'unreachable';

export interface BridgeExtras {
  readonly mode: 'electron' | 'browser';
  /** Call names this build of the engine answers (the contract's, shown under Settings → About). */
  readonly calls: readonly string[];
  /** A call chosen at run time by its name, typed like the named functions. */
  call<N extends CallName>(name: N, ...args: InputArgs<N>): Promise<CallResult<N>>;
  /** Subscribes to an engine event channel (api/events.ts); returns the unsubscribe function. */
  on<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void;
  /** Connection to the engine (browser mode: the WebSocket). */
  onConnection(listener: (connected: boolean) => void): () => void;
  /**
   * Browser mode: why the engine cannot be reached while disconnected — `signed_out` (it answers but no
   * longer knows this tab: Understudy was started again with a new link), `unreachable` (nothing
   * answers at this address after several tries), or null (connected, or still trying).
   */
  onConnectionProblem?(listener: (problem: ConnectionProblem | null) => void): () => void;
  /**
   * Desktop app only: the main process's own dialog for one path field of a call (`importList`
   * `file`, `requestRestore` `file`, `importCodes` `file`, `incidentReport` `out`). Browser mode
   * has no such thing: files are uploaded and downloaded instead.
   */
  pickFile?(call: string, field: string, suggestedName?: string): Promise<Envelope<PickedFile>>;
  previewImport(
    file: ChosenFile,
    opts: { format?: string; map?: Record<string, string> },
  ): Promise<Envelope<ImportPreview>>;
  importFile(
    file: ChosenFile,
    req: FileImportRequest,
    onUpload?: (sent: number, total: number) => void,
  ): Promise<Envelope<ImportResult>>;
  /** Arranges a restore from a backup file from elsewhere (browser mode uploads it). */
  restoreFile(file: ChosenFile): Promise<Envelope<RestoreCheck>>;
  /** Compensation codes from a CSV into a batch (browser mode uploads it). */
  importCodesFile(
    file: ChosenFile,
    batch: string,
  ): Promise<Envelope<{ batch: string; added: number; duplicates: number; free: number }>>;
  /** An incident's report as HTML, to show in the app; nothing is saved. */
  reportHtml(id: number): Promise<Envelope<{ html: string }>>;
  /** Saves an incident's report: a download in browser mode, a save dialog in the desktop app. */
  saveReport(id: number): Promise<Envelope<unknown>>;
  /** Cancels an upload still in flight (the import itself is cancelled with cancelTask). */
  abortUpload(taskId: string): void;
  exportList(list: string): Promise<Envelope<ExportDone>>;
  /** A link for a file the engine wrote (reject report, export), or null where files are opened natively. */
  fileUrl(path: string): string | null;
  /** Desktop app: show a file in the system's file manager. */
  revealFile(path: string): void;
  /** Desktop app only: where passwords are kept (safeStorage) and consent for Linux's weak fallback. */
  readonly secrets?: {
    describe(): Promise<Envelope<SecretInfo>>;
    allowBasicText(): Promise<Envelope<SecretInfo>>;
    /** Whether saved passwords are open, or a passphrase must be chosen (or entered once). */
    status?(): Promise<Envelope<{ state: 'ready' | 'choose' | 'migrate' | 'unlock'; message?: string }>>;
    unlock?(passphrase: string): Promise<Envelope<{ migrated: number; remembered: boolean }>>;
  };
}

export interface SecretInfo {
  backend: string;
  secure: boolean;
  warning?: string;
}

export type UnderstudyBridge = CallFns & BridgeExtras;

declare global {
  interface Window {
    understudy?: UnderstudyBridge;
  }
}
