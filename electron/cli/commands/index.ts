/** Every command group of the CLI. Add a group as a file here and one line below. */
import type { Command } from 'commander';
import type { Io } from '../context';
import { registerLists } from './lists';
import { registerStatus } from './status';
import { registerServe } from './serve';
import { registerBackup } from './backup';
import { registerIncidents } from './incidents';
import { registerReport } from './report';
import { registerInbox } from './inbox';
import { registerDrill } from './drill';
import { registerRun } from './run';
import { registerProviders } from './providers';
import { registerCampaigns } from './campaigns';
import { registerSend } from './send';
import { registerSettings } from './settings';
import { registerEsp } from './esp';
import { registerSync } from './sync';
import { registerSuppressions } from './suppressions';
import { registerAuth } from './auth';
import { registerRunbook } from './runbook';
import { registerReadiness } from './readiness';

export type Register = (program: Command, io: Io) => void;

export const commands: Register[] = [
  registerLists,
  registerStatus,
  registerServe,
  registerBackup,
  registerIncidents,
  registerReport,
  registerInbox,
  registerDrill,
  registerRun,
  registerProviders,
  registerCampaigns,
  registerSend,
  registerSettings,
  registerEsp,
  registerSync,
  registerSuppressions,
  registerAuth,
  registerRunbook,
  registerReadiness,
];
