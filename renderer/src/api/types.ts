/** Contract types the screens use, re-exported from electron/engine/api (the only engine code the renderer sees). */
export type {
  ImportResult,
  ImportFormat,
  ImportProgress,
  ListSummary,
  Subscriber,
  SubscriberDetail,
  SubscriberSort,
} from '../../../electron/engine/api/lists';
export type { SubscriberStatusT, ApiError, Envelope } from '../../../electron/engine/api/common';
export type { CallName, CallInput, CallOutput } from '../../../electron/engine/api/contract';
