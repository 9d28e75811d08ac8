/** Handlers for the sending area of the contract: providers, campaigns, sending them. */
import { relayApiFor } from '../sending/feedback/registry';
import { randomUUID } from 'node:crypto';
import type { sendingCalls } from '../api/sending';
import type { HandlersFor, HandlerContext } from './types';
import type { Engine } from '../engine';
import {
  addProvider,
  cancelCampaign,
  createCampaign,
  getCampaign,
  getSendingSettings,
  listCampaigns,
  listProviders,
  pauseCampaign,
  removeProvider,
  resumeCampaign,
  retryFailed,
  runCampaign,
  sendTest,
  setSendingSetting,
  unsetSendingSetting,
  testProvider,
  updateCampaign,
  updateProvider,
  PRESETS,
  type RunOptions,
} from '../sending';
import { toApiCampaign, requireCampaign } from '../sending/campaigns';
import { previewCampaign } from '../sending/preview';
import { tryCustodyNow } from '../mirror/esp/custody';
import { secretsStatus, unlockSecrets } from '../continuity/unlock';

/** Runs a long send as a cancellable task; cancelling it pauses the campaign (resumable). */
async function asTask<T>(
  engine: Engine,
  ctx: HandlerContext,
  taskId: string | undefined,
  fn: (o: RunOptions) => Promise<T>,
): Promise<T> {
  const id = taskId ?? randomUUID();
  const signal = ctx.tasks.start(id);
  try {
    return await fn({ signal, taskId: id });
  } finally {
    ctx.tasks.finish(id);
  }
}

export const sendingHandlers: HandlersFor<typeof sendingCalls> = {
  listProviders: (engine) => listProviders(engine),
  secretsStatus: (engine) => secretsStatus(engine),
  unlockSecrets: (engine, { passphrase }) => unlockSecrets(engine, passphrase),
  listProviderPresets: () =>
    Object.values(PRESETS).map((p) => ({
      name: p.name,
      label: p.label,
      host: p.host,
      port: p.port,
      tls: p.tls,
      auth: p.auth,
      perSecond: p.caps.perSecond,
      perMinute: p.caps.perMinute,
      perHour: p.caps.perHour,
      perDay: p.caps.perDay,
      maxConnections: p.maxConnections,
      note: p.note,
      relayApi: relayApiFor(p.name)?.label ?? null,
      relayApiKeyWords: relayApiFor(p.name)?.keyWords ?? null,
    })),
  addProvider: (engine, input) => addProvider(engine, input),
  updateProvider: (engine, { current, ...input }) => updateProvider(engine, current, input),
  removeProvider: async (engine, { name }) => ({ removed: await removeProvider(engine, name) }),
  testProvider: (engine, { name }) => testProvider(engine, name),
  listCampaigns: (engine) => listCampaigns(engine),
  getCampaign: (engine, { id }) => getCampaign(engine, id),
  previewCampaign: (engine, { id, as }) => previewCampaign(engine, id, as || undefined),
  createCampaign: (engine, input) => createCampaign(engine, input),
  updateCampaign: (engine, { id, ...input }) => updateCampaign(engine, id, input),
  sendCampaign: (engine, { id, via, dryRun, taskId, skipRisky }, ctx) =>
    asTask(engine, ctx, taskId, (o) =>
      runCampaign(engine, id, { ...o, ...(via ? { via } : {}), dryRun, ...(skipRisky ? { skipRisky } : {}) }),
    ),
  sendTest: (engine, { id, to, as, via }) =>
    sendTest(engine, id, { to, ...(as ? { as } : {}), ...(via ? { via } : {}) }),
  pauseCampaign: async (engine, { id }) => {
    const c = pauseCampaign(engine, id);
    await tryCustodyNow(engine, id);
    return c;
  },
  resumeCampaign: (engine, { id, taskId }, ctx) =>
    asTask(engine, ctx, taskId, (o) => resumeCampaign(engine, id, o)),
  cancelCampaign: async (engine, { id }) => {
    const c = cancelCampaign(engine, id);
    await tryCustodyNow(engine, id);
    return c;
  },
  retryFailed: (engine, { id, taskId }, ctx) =>
    asTask(engine, ctx, taskId, (o) => retryFailed(engine, id, o)),
  getSendingSettings: (engine) => getSendingSettings(engine) as Record<string, string>,
  setSendingSetting: (engine, { key, value }) => {
    setSendingSetting(engine, key, value);
    return getSendingSettings(engine) as Record<string, string>;
  },
  unsetSendingSetting: (engine, { key }) => {
    const r = unsetSendingSetting(engine, key);
    return { ...r, settings: getSendingSettings(engine) as Record<string, string> };
  },
};

// Kept for callers that want the API shape of one campaign.
export const campaignOf = (engine: Engine, id: number) => toApiCampaign(engine, requireCampaign(engine, id));
