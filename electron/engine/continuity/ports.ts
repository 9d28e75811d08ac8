/**
 * The narrow interfaces the continuity engine needs from the sending engine and the ESP connectors.
 * The scheduler, outage policy, drills and communications depend on these, not on those modules, so
 * each side can change without the other (listmonk's manager depends on Store and Messenger the same
 * way). adapters.ts binds them to electron/engine/sending and electron/engine/mirror/esp.
 */
export interface SendSummary {
  sent?: number;
  failed?: number;
  skipped?: number;
  byProvider?: Record<string, number>;
  [k: string]: unknown;
}

export interface Sender {
  /** Runs a campaign to the end (resumes what is not sent yet). `via` forces one provider (by name). */
  run(campaignId: number, opts: { via?: string; signal?: AbortSignal }): Promise<SendSummary>;
  /** Pauses a campaign whose run is in progress. */
  pause?(campaignId: number): Promise<void> | void;
  resume?(campaignId: number): Promise<void> | void;
  cancel?(campaignId: number): Promise<void> | void;
}

export type UnscheduleOutcome =
  | { status: 'done'; message: string }
  | { status: 'not_supported'; message: string }
  | { status: 'failed'; message: string };

export interface EspControl {
  /** Unschedules (suspends, cancels) a mirrored campaign at its ESP, so it cannot be sent twice. */
  unschedule(campaignId: number): Promise<UnscheduleOutcome>;
}
