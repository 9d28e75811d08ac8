/** Handlers for the lists area of the contract. */
import { randomUUID } from 'node:crypto';
import type { listsCalls } from '../api/contract';
import type { HandlersFor } from './types';
import { listSummaries, querySubscribers } from '../mirror/lists';
import { importFile } from '../mirror/csv/importer';
import { exportList } from '../mirror/csv/exporter';
import { subscriberDetail, unsubscribeByHand } from '../mirror/subscriberDetail';

export const listsHandlers: HandlersFor<typeof listsCalls> = {
  listLists: (engine) => listSummaries(engine),
  querySubscribers: (engine, q) => querySubscribers(engine, q),
  subscriberDetail: (engine, q) => subscriberDetail(engine, q),
  unsubscribeSubscriber: (engine, q) => unsubscribeByHand(engine, q),
  importList: async (engine, req, ctx) => {
    const taskId = req.taskId ?? randomUUID();
    const signal = ctx.tasks.start(taskId);
    try {
      return await importFile(engine, req, {
        signal,
        onProgress: (p) => engine.bus.emit('import.progress', { ...p, taskId }),
      });
    } finally {
      ctx.tasks.finish(taskId);
    }
  },
  cancelTask: (_engine, { taskId }, ctx) => ({ cancelled: ctx.tasks.cancel(taskId) }),
  exportList: (engine, { list, out, force }) => exportList(engine, list, out, { force: force === true }),
};
