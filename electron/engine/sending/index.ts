/**
 * The sending engine's public face (issue 3): what the scheduler, the handlers and the CLI call.
 * Rendering lives in ./render, classification in ./classify, the outbox in db/repos/deliveries.
 */
export { runCampaign, currentSummary, type RunOptions } from './run';
export { sendTest, type TestSendOptions, type TestSendResult } from './testSend';
export {
  pauseCampaign,
  resumeCampaign,
  cancelCampaign,
  retryFailed,
  resumeInterruptedRuns,
  waitForLease,
} from './control';
export { probeProcess, ownIdentity, judgeLease } from '../lease';
export {
  addProvider,
  updateProvider,
  removeProvider,
  listProviders,
  testProvider,
  requireProvider,
  checkProviderInput,
  isLoopbackHost,
} from './providers';
export {
  createCampaign,
  updateCampaign,
  listCampaigns,
  getCampaign,
  requireCampaign,
  parseFrom,
} from './campaigns';
export {
  getSendingSettings,
  setSendingSetting,
  unsetSendingSetting,
  requireSendingSettings,
  SENDING_SETTINGS,
  REQUIRED_SENDING_SETTINGS,
} from './settings';
export { PRESETS, presetNames } from './presets';
export { classifySmtpFailure, parseReply } from './classify';
export { DEFAULT_TUNING, type SendTuning } from './tuning';
export { createNullTransport, createSmtpTransport, type MailTransport } from './transport';
