/**
 * The sync's writer thread (writer.ts): its own connection to the engine's database, writing each
 * group it is sent in one transaction, in order, answering each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, useNativeBinding } from '../../db/connection';
import { EspSyncRepo } from '../../db/repos/espSync';
import { CLOSE, writeGroup, type WriteGroup, type WriterData, type WriterReply } from './writeGroup';

const data = workerData as WriterData;
useNativeBinding(data.binding);
// The engine opened (checked, migrated) this file already; this connection only writes groups.
const db = openDatabase(data.path, { skipCheck: true });
const repo = new EspSyncRepo(db);
let failed = false;

parentPort!.on('message', (g: WriteGroup | typeof CLOSE) => {
  if (g === CLOSE) {
    db.close();
    parentPort!.close();
    return;
  }
  let reply: WriterReply;
  if (failed) reply = { ok: false, code: null, message: 'an earlier group failed', skipped: true };
  else
    try {
      reply = { ok: true, result: writeGroup(repo, g) };
    } catch (e) {
      failed = true;
      const code = (e as { code?: unknown }).code;
      reply = {
        ok: false,
        code: typeof code === 'string' ? code : null,
        message: (e as Error).message ?? String(e),
        skipped: false,
      };
    }
  parentPort!.postMessage(reply);
});
