/**
 * Shared schemas of the API contract. The renderer imports these files (types and zod schemas only,
 * never engine runtime code); IPC, HTTP and the CLI validate every argument with them.
 */
import { z } from 'zod';

export const SubscriberStatusSchema = z.enum([
  'subscribed',
  'unsubscribed',
  'cleaned',
  'bounced',
  'complained',
  'pending',
  'archived',
]);
export type SubscriberStatusT = z.infer<typeof SubscriberStatusSchema>;

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
