/** Handlers for the continuity area of the contract. */
import type { continuityCalls } from '../api/continuity';
import type { HandlersFor } from './types';
import type { Engine } from '../engine';
import { createContinuity } from '../continuity/adapters';
import { readSettings, updateSettings } from '../continuity/settings';
import { policyInForce, setCampaignPolicy } from '../continuity/policy';
import { requireCampaign } from '../sending/campaigns';
import { displayTime } from '../time';
import { addNote, requireIncident, timeline } from '../continuity/incidents';
import { writeReport } from '../continuity/report';
import { backupsDir, requestRestore, takeBackup } from '../continuity/backups';
import { runDrills } from '../continuity/drills';
import { processInbox } from '../continuity/inbox';
import { configureMailbox, mailboxSettings } from '../continuity/mailbox';
import { userError } from '../errors';
import { createNotice, importCodes, sendStakeholderUpdate } from '../continuity/communication';

const service = (engine: Engine) => createContinuity(engine);

export const continuityHandlers: HandlersFor<typeof continuityCalls> = {
  continuitySettings: (engine) => readSettings(engine),
  updateContinuitySettings: (engine, patch) => updateSettings(engine, patch),
  scheduleList: (engine) => {
    const zone = readSettings(engine).timeZone;
    return engine.repos.schedules.upcoming().map((c) => ({
      id: c.id,
      name: c.name,
      subject: c.subject,
      status: c.status,
      provider: c.providerName,
      scheduledAt: c.scheduledAt,
      timeZone: c.timeZone,
      shown: c.scheduledAt ? displayTime(c.scheduledAt, c.timeZone ?? zone) : null,
      note: c.note,
      hold: c.hold,
      waitUntil: c.waitUntil,
      outagePolicy: policyInForce(engine, c.outagePolicy),
    }));
  },
  campaignPolicy: (engine, { campaignId }) =>
    policyInForce(engine, requireCampaign(engine, campaignId).outagePolicy),
  setCampaignPolicy: (engine, { campaignId, outage, waitMinutes }) =>
    setCampaignPolicy(engine, campaignId, outage, waitMinutes),
  scheduleCampaign: async (engine, { campaignId, at, timeZone, sendNow }) => {
    const r = await service(engine).scheduler.schedule(campaignId, at ?? null, timeZone, {
      sendNow: sendNow === true,
    });
    return { utc: r.utc, shown: r.shown, note: r.note };
  },
  pauseScheduled: async (engine, { campaignId }) => ({
    message: await service(engine).scheduler.pause(campaignId),
  }),
  resumeScheduled: async (engine, { campaignId }) => ({
    message: await service(engine).scheduler.resume(campaignId),
  }),
  cancelScheduled: async (engine, { campaignId }) => ({
    message: await service(engine).scheduler.cancel(campaignId),
  }),
  decideCatchUp: async (engine, { campaignId, decision }) => ({
    message: await service(engine).scheduler.decideCatchUp(campaignId, decision),
  }),
  healthStatus: (engine) => service(engine).monitor.view(),
  checkHealthNow: (engine) => service(engine).monitor.tick(true),
  listIncidents: (engine, { limit }) => engine.repos.incidents.list(limit),
  getIncident: (engine, { id }) => ({ ...requireIncident(engine, id), timeline: timeline(engine, id) }),
  addIncidentNote: (engine, { id, text }) => addNote(engine, id, text),
  incidentReport: (engine, { id, out, force }) => {
    const r = writeReport(engine, id, out, readSettings(engine).timeZone, { force });
    return { html: r.html, out: r.out };
  },
  listBackups: (engine) => ({ dir: backupsDir(engine), backups: engine.repos.backups.list() }),
  takeBackup: (engine) => takeBackup(engine, { kind: 'manual' }),
  requestRestore: (engine, { file }) => requestRestore(engine, file),
  restoreBackup: (engine, { id }) => requestRestore(engine, requireBackup(engine, id).path),
  runDrill: (engine, { provider }) => runDrills(engine, { provider }),
  listDrills: (engine) => engine.repos.drills.list(),
  setupMailbox: async (engine, input) => {
    if (!input.password && !mailboxSettings(engine)?.secretRef)
      throw userError('The backup mailbox needs its password.', {
        code: 'mailbox_password_missing',
        safe: 'Nothing was saved.',
        next: 'Type the password of the mailbox account.',
      });
    const m = await configureMailbox(engine, input);
    return {
      host: m.host,
      port: m.port,
      secure: m.secure,
      user: m.user,
      mailbox: m.mailbox,
      ...(m.seedAddress ? { seedAddress: m.seedAddress } : {}),
      pollMinutes: m.pollMinutes,
    };
  },
  processInbox: (engine) => processInbox(engine),
  importCodes: (engine, { file, batch }) => importCodes(engine, file, batch),
  createNotice: (engine, input) => {
    const r = createNotice(engine, input);
    return { campaignId: r.campaign.id, codes: r.codes };
  },
  sendStakeholderUpdate: (engine, { to, from, note }) =>
    sendStakeholderUpdate(engine, {
      to,
      from,
      zone: readSettings(engine).timeZone,
      ...(note ? { note } : {}),
    }),
};

/** One of the backups Understudy took and still has on disk. */
function requireBackup(engine: Engine, id: number): { path: string } {
  const b = engine.repos.backups.byId(id);
  if (!b || b.deletedAt) {
    throw userError(`There is no backup number ${id} on this computer.`, {
      code: 'backup_not_found',
      safe: 'Nothing was changed; the database stays as it is.',
      next: 'Choose a backup from the list on the Backups screen.',
    });
  }
  return b;
}
