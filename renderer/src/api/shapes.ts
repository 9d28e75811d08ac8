/**
 * Result shapes of calls the screens use. Sending's come from the contract; continuity's are mirrored
 * here (the fields the screens read) so a screen keeps compiling while that area of the contract moves.
 */
export type {
  Provider,
  Campaign,
  CampaignDetail,
  SendSummary,
  ProviderTestResult,
  Preset,
} from '../../../electron/engine/api/sending';

export type HealthState = 'unknown' | 'operational' | 'degraded' | 'down' | 'paused';

export interface ProviderHealth {
  providerId: number;
  provider: string;
  kind: 'smtp' | 'esp';
  state: HealthState;
  since: string | null;
  lastProbeAt: string | null;
  lastResult: { state: string; detail: string; latencyMs?: number } | null;
  failures: number;
  nextProbeAt: string | null;
}

export interface Incident {
  id: number;
  providerId: number | null;
  providerName: string | null;
  title: string;
  status: 'open' | 'closed';
  openedAt: string;
  closedAt: string | null;
}

export interface ScheduledCampaign {
  id: number;
  name: string;
  subject: string;
  status: string;
  provider: string | null;
  scheduledAt: string | null;
  timeZone: string | null;
  shown: string | null;
  note: string | null;
  hold: 'catchup' | 'outage' | null;
  waitUntil: string | null;
}

export interface Backup {
  id: number;
  path: string;
  kind: string;
  createdAt: string;
  sizeBytes: number;
  schemaVersion: number;
  integrity: string;
}

export interface Drill {
  id: number;
  providerName: string | null;
  startedAt: string;
  finishedAt: string | null;
  result: 'running' | 'passed' | 'failed';
  detail: string | null;
}
