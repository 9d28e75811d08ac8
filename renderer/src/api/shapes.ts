/** Result shapes of calls the screens use, all from the contract (declared there once). */
export type {
  Provider,
  Campaign,
  CampaignDetail,
  SendSummary,
  ProviderTestResult,
  Preset,
} from '../../../electron/engine/api/sending';
export type {
  HealthState,
  ProviderHealth,
  Incident,
  ScheduledCampaign,
  Backup,
  Drill,
} from '../../../electron/engine/api/continuity';
