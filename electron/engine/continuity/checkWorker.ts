/**
 * Verifies a backup copy in a worker thread (db/backup.ts `checkFile`): the full integrity check of a
 * large database takes seconds — 7.0 s for a 1,000,000-person database of 810 MB, measured — and on
 * the engine's thread it stopped every answer to the app, every send and every unsubscribe meanwhile
 * (the daily backup held the thread for up to 8.4 s at a time). The copy is a file of its own, so its
 * own connection in a worker checks it while the engine goes on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkFile } from '../db/backup';
import { useNativeBinding } from '../db/connection';

const data = workerData as { path: string; binding: string | undefined };
// The binding the engine loaded (Electron's, in the desktop app run from a checkout): a module's
// state is per thread, so this thread is told.
useNativeBinding(data.binding);
parentPort!.postMessage(checkFile(data.path));
