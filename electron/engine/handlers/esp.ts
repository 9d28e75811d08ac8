/** Handlers for the ESP area of the contract: connections, sync, unschedule, push-back. */
import { randomUUID } from 'node:crypto';
import type { espCalls } from '../api/esp';
import type { HandlersFor } from './types';
import { addConnection } from '../mirror/esp/connections';
import { checkEspHealth } from '../mirror/esp/probe';
import { syncEsp } from '../mirror/esp/sync';
import { unscheduleAtEsp } from '../mirror/esp/unschedule';
import { pushBack } from '../mirror/esp/pushback';
import { mirrorAge } from '../mirror/esp/freshness';

export const espHandlers: HandlersFor<typeof espCalls> = {
  espConnections(engine) {
    const repos = engine.repos;
    return repos.espSync.providers().map((p) => ({
      mirrorAsOf: mirrorAge(engine, p.id).asOf,
      stale: mirrorAge(engine, p.id).stale,
      id: p.id,
      name: p.name,
      type: p.type,
      baseUrl: (p.config.baseUrl as string | null | undefined) ?? null,
      health: p.health,
      healthChangedAt: p.healthChangedAt,
      lastSync:
        repos.espSync
          .checkpoints(p.id)
          .map((c) => c.updatedAt)
          .sort()
          .pop() ?? null,
      lists: repos.espSync.listsOfProvider(p.id).length,
      pushBack: repos.espPushback.countByState(p.id),
    }));
  },
  async espAdd(engine, input) {
    const r = await addConnection(engine, {
      kind: input.kind,
      name: input.name,
      apiKey: input.apiKey,
      baseUrl: input.baseUrl,
      statusUrl: input.statusUrl,
    });
    return { id: r.provider.id, name: r.provider.name, account: r.account, replaced: r.replaced };
  },
  espHealth(engine, input) {
    return checkEspHealth(engine, { esp: input.esp });
  },
  async espSync(engine, input, ctx) {
    const id = input.taskId ?? randomUUID();
    const signal = ctx.tasks.start(id);
    try {
      return await syncEsp(engine, { esp: input.esp, full: input.full, signal });
    } finally {
      ctx.tasks.finish(id);
    }
  },
  espUnschedule(engine, input) {
    return unscheduleAtEsp(engine, input.campaignId);
  },
  espPushBack(engine, input) {
    return pushBack(engine, { esp: input.esp });
  },
};
