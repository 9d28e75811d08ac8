/**
 * The API contract: every call the UI (over IPC or HTTP) can make, by name. Each area declares its
 * calls in its own file (lists.ts, sending.ts, esp.ts, continuity.ts ...) and spreads them in here.
 * Engine-side implementations live in electron/engine/handlers/, one file per area.
 */
import { z } from 'zod';
import { call, type InputOf, type OutputOf } from './define';
import {
  ExportRequestSchema,
  ExportResultSchema,
  ImportRequestSchema,
  ImportResultSchema,
  ListSummarySchema,
  SubscriberDetailSchema,
  SubscriberPageSchema,
  SubscriberQuerySchema,
  SubscriberRefSchema,
} from './lists';
import { sendingCalls } from './sending';
import { continuityCalls } from './continuity';
import { espCalls } from './esp';
import { suppressionsCalls } from './suppressions';
import { unsubscribeCalls } from './unsubscribe';
import { authCalls } from './auth';
import { drillCalls } from './drills';
import { capacityCalls } from './capacity';
import { reviewCalls } from './review';
import { readinessCalls } from './readiness';
import { reputationCalls } from './reputation';

export const listsCalls = {
  listLists: call({
    description: 'Lists with their counts by status.',
    input: z.object({}).default({}),
    output: z.array(ListSummarySchema),
    mutates: false,
  }),
  querySubscribers: call({
    description:
      'One page of a list, filtered by status and/or a search (words of the name or address, an address prefix, @domain), sorted by a column.',
    input: SubscriberQuerySchema,
    output: SubscriberPageSchema,
    mutates: false,
  }),
  subscriberDetail: call({
    description: "A subscriber's page: fields, tags, status history, what they were sent.",
    input: SubscriberRefSchema,
    output: SubscriberDetailSchema,
    mutates: false,
  }),
  unsubscribeSubscriber: call({
    description:
      'Unsubscribe one subscriber from their list by hand (told to the ESP when the list is linked).',
    input: SubscriberRefSchema,
    output: SubscriberDetailSchema,
    mutates: true,
  }),
  importList: call({
    description: 'Import a CSV/TSV export file into a list (progress on the import.progress event).',
    input: ImportRequestSchema.extend({ taskId: z.string().optional() }),
    output: ImportResultSchema,
    mutates: true,
    paths: { file: 'open' },
  }),
  cancelTask: call({
    description: 'Cancel a running long task (import, sync, send, backup) by its task id.',
    input: z.object({ taskId: z.string() }),
    output: z.object({ cancelled: z.boolean() }),
    mutates: true,
  }),
  exportList: call({
    description: 'Export a list to a CSV file.',
    input: ExportRequestSchema,
    output: ExportResultSchema,
    mutates: true,
    paths: { out: 'save' },
  }),
};

export const contract = {
  ...listsCalls,
  ...sendingCalls,
  ...continuityCalls,
  ...espCalls,
  ...suppressionsCalls,
  ...unsubscribeCalls,
  ...authCalls,
  ...drillCalls,
  ...capacityCalls,
  ...reviewCalls,
  ...readinessCalls,
  ...reputationCalls,
};

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<N extends CallName> = InputOf<Contract[N]>;
export type CallOutput<N extends CallName> = OutputOf<Contract[N]>;
