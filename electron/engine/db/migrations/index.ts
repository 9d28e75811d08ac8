/**
 * The ordered list of schema steps. Add a step as a new file `NNNN_what.ts` and append it here; never
 * edit a step that has shipped. Versions must strictly increase (checked at start-up); user_version is
 * the highest version applied, and a step runs when its version is above it.
 */
import { migration0001 } from './0001_initial';
import { migration0002 } from './0002_sending';
import { migration0003 } from './0003_esp';
import { migration0004 } from './0004_continuity';
import { migration0005 } from './0005_installation';
import { migration0006 } from './0006_custody';
import { migration0007 } from './0007_unsubscribe_review';
import { migration0008 } from './0008_search';
import { migration0009 } from './0009_audiences';
import { migration0010 } from './0010_dns_auth';
import { migration0011 } from './0011_provider_warmup';
import { migration0012 } from './0012_incident_review';
import { migration0013 } from './0013_relay_feedback';
import { migration0014 } from './0014_reputation';
import type { Migration } from './types';

export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
  migration0013,
  migration0014,
];

export const LATEST_VERSION = migrations.length ? migrations[migrations.length - 1]!.version : 0;
