/**
 * Shared schemas of the API contract. The renderer imports these files (types and zod schemas only,
 * never engine runtime code); IPC, HTTP and the CLI validate every argument with them.
 */
import { z } from 'zod';

/**
 * Subscriber statuses, declared once. The rules about them (which is stricter, which may be mailed,
 * which suppress an address everywhere) live in the engine's `model/status.ts`.
 */
export const SUBSCRIBER_STATUSES = [
  'subscribed',
  'unsubscribed',
  'cleaned',
  'bounced',
  'complained',
  'pending',
  'archived',
] as const;
export const SubscriberStatusSchema = z.enum(SUBSCRIBER_STATUSES);
export type SubscriberStatus = z.infer<typeof SubscriberStatusSchema>;
/** The renderer's name for `SubscriberStatus`. */
export type SubscriberStatusT = SubscriberStatus;

export const StatusCountsSchema = z.record(SubscriberStatusSchema, z.number().int().nonnegative());

/** Every result crosses a process boundary as an envelope, never as a thrown error. */
export const ApiErrorSchema = z.object({
  kind: z.enum(['user', 'internal']),
  code: z.string(),
  message: z.string(),
  safe: z.string().optional(),
  next: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiError };
