/**
 * Makes and verifies a backup copy in a worker thread (db/backup.ts `checkFile`): the full integrity check of a
 * large database takes seconds — 7.0 s for a 1,000,000-person database of 810 MB, measured — and on
 * the engine's thread it stopped every answer to the app, every send and every unsubscribe meanwhile
 * (the daily backup held the thread for up to 8.4 s at a time). The copy is a file of its own, so its
 * own connection in a worker checks it while the engine goes on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkFile, copyDatabaseFile, type CopyResult, type FileCheck } from '../db/backup';
import { useNativeBinding } from '../db/connection';

/** `copyFrom`: first copy the database there to `path` (backups.ts), then check the copy. */
export interface CheckWork {
  path: string;
  binding: string | undefined;
  copyFrom?: string;
}

export type CheckReply =
  | { ok: true; copy: CopyResult | null; check: FileCheck }
  | { ok: false; message: string; code: string | null };

const data = workerData as CheckWork;
// The binding the engine loaded (Electron's, in the desktop app run from a checkout): a module's
// state is per thread, so this thread is told.
useNativeBinding(data.binding);
void (async () => {
  let reply: CheckReply;
  try {
    const copy = data.copyFrom ? await copyDatabaseFile(data.copyFrom, data.path) : null;
    reply = { ok: true, copy, check: checkFile(data.path) };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    reply = {
      ok: false,
      message: (e as Error).message ?? String(e),
      code: typeof code === 'string' ? code : null,
    };
  }
  parentPort!.postMessage(reply);
})();
