/**
 * Contract: custody of a mirrored campaign. One owner at a time — the ESP (it sends the campaign) or
 * Understudy (it was sent through a backup, paused, rescheduled or cancelled here) — and, while
 * Understudy holds it, the duty to unschedule it at the ESP until the ESP confirms.
 */
import { z } from 'zod';

/** Timeline event types of custody (declared once; the engine and the report use these). */
export const CUSTODY_EVENTS = {
  /** Understudy took a mirrored campaign over; the duty to unschedule it at the ESP is recorded. */
  taken: 'custody.taken',
  /** The ESP confirmed: it will not send the campaign. */
  unscheduled: 'custody.unscheduled',
  /** A try did not reach the ESP or was refused; retried later. */
  retry: 'custody.retry',
  /** The ESP's send time is near and the campaign is still scheduled there: do it by hand. */
  alert: 'custody.alert',
  /** A sync saw the ESP still showing as scheduled a campaign Understudy holds. */
  discrepancy: 'custody.discrepancy',
  /** The ESP sent a campaign Understudy had already sent through a backup. */
  doubleSend: 'custody.double_send',
  /** The ESP sent a campaign Understudy held back (paused, rescheduled, cancelled); kept from sending again. */
  espSent: 'custody.esp_sent',
  /** The ESP's send time passed and the ESP says it did not send the campaign. */
  notSent: 'custody.not_sent',
  /** An ESP answers again: what Understudy told it (obligations, push-back), in one result line. */
  recovered: 'esp.recovery_finished',
  /** The people who got a backup send were tagged at the ESP. */
  tagged: 'custody.tagged',
} as const;
export type CustodyEventType = (typeof CUSTODY_EVENTS)[keyof typeof CUSTODY_EVENTS];

export const ObligationStateSchema = z.enum(['pending', 'done', 'not_sent', 'double_sent', 'abandoned']);
export type ObligationState = z.infer<typeof ObligationStateSchema>;

/** What the send-via-backup confirmation, the campaign panel and `send` say about the ESP. */
export const CustodyViewSchema = z.object({
  /** Who sends it now: the ESP, or Understudy. */
  owner: z.enum(['esp', 'local']),
  /** The ESP connection's name and the ESP's label ("Mailchimp"). */
  provider: z.string(),
  esp: z.string(),
  /** The duty to unschedule it at the ESP, when Understudy holds it. */
  obligation: ObligationStateSchema.nullable(),
  /** The ESP's own send time (UTC), when known. */
  espSendAt: z.string().nullable(),
  /** One plain sentence: what happens (or happened) at the ESP. The UI and the CLI show exactly this. */
  sentence: z.string(),
});
export type CustodyView = z.infer<typeof CustodyViewSchema>;
