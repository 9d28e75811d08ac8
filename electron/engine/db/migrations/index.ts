/**
 * The ordered list of schema steps. Add a step as a new file `NNNN_what.ts` and append it here; never
 * edit a step that has shipped. Numbers must be consecutive from 1 (checked at start-up).
 */
import { migration0001 } from './0001_initial';
import type { Migration } from './types';

export const migrations: readonly Migration[] = [migration0001];

export const LATEST_VERSION = migrations.length;
