/**
 * Names shared by the main process, the preload and the engine host. IPC channel names are derived
 * from the contract's call names, so a call added to the contract is wired everywhere at once.
 */
export const CALL_PREFIX = 'understudy:call:';
export const EVENT_CHANNEL = 'understudy:event';
export const EXTRA = {
  previewImport: 'understudy:previewImport',
  importPath: 'understudy:importPath',
  exportList: 'understudy:exportList',
  revealFile: 'understudy:revealFile',
  callNames: 'understudy:callNames',
  /** Main's own open/save dialog for one path field of a call → an opaque token, never the path. */
  choosePath: 'understudy:choosePath',
  describeSecrets: 'understudy:secrets:describe',
  allowBasicText: 'understudy:secrets:allowBasicText',
  /** Whether saved passwords are open, or the passphrase must be chosen or entered once. */
  secretsStatus: 'understudy:secrets:status',
  /** The passphrase, from the Passwords settings, to main only (which keeps its key in the keychain). */
  unlockSecrets: 'understudy:secrets:unlock',
} as const;

/** The only origin the app's own pages are served from (protocol.handle, not file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'understudy';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Messages between the main process and the engine host (utility process), over a MessagePort. */
export type HostRequest =
  | { id: number; kind: 'call'; name: string; input: unknown }
  | { id: number; kind: 'preview'; head: Uint8Array; format?: string; map?: Record<string, string> }
  | { id: number; kind: 'secretReply'; ok: boolean; value?: string; error?: string }
  | { id: number; kind: 'close' };

export type HostMessage =
  | { kind: 'ready'; dbPath: string }
  | { kind: 'fatal'; error: { message: string; safe?: string; next?: string } }
  | { kind: 'reply'; id: number; envelope: unknown }
  | { kind: 'event'; channel: string; payload: unknown }
  | { kind: 'secret'; id: number; op: 'get' | 'set' | 'delete'; ref: string; value?: string }
  | { kind: 'closed' };
