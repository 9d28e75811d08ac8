/** What the parts of a campaign run share: its options, the chain's slots, the messages in hand. */
import type { SecretStore } from '../../secrets';
import type { ProviderRow } from '../../db/repos/providers';
import type { ClaimedDelivery } from '../../db/repos/deliveries';
import type { SendProgress } from '../../api/sending';
import type { MailTransport } from '../transport';
import type { SendTuning } from '../tuning';
import type { CircuitBreaker } from '../breaker';
import type { RateLimiter } from '../limiter';
import type { ChainMember } from '../chooser';

export interface RunOptions {
  /** Send only through this provider (no failover). */
  via?: string;
  /** Render and count every message without sending or changing anything. */
  dryRun?: boolean;
  /** Abort: reason 'shutdown' leaves the campaign 'sending' (resumed at next start); else it pauses. */
  signal?: AbortSignal;
  onProgress?: (p: SendProgress) => void;
  taskId?: string;
  secrets?: SecretStore;
  tuning?: Partial<SendTuning>;
  /** Transport factory (tests, the null transport of the memory benchmark). */
  transportFor?: (p: ProviderRow, secret: string | undefined) => MailTransport;
  /** Leave out the people most likely to hurt a backup's reputation (sending/reputation.ts). */
  skipRisky?: boolean;
}

/** One provider of the chain as this run uses it. */
export interface Slot extends ChainMember {
  row: ProviderRow;
  secret: string | undefined;
  transport: MailTransport | null;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
}

/** A claimed delivery in this run's hands. */
export interface Item {
  d: ClaimedDelivery;
  /** Attempts made in this claim (written with the outcome). */
  attempts: number;
  requeues: number;
  uncertain: boolean;
  /** Providers whose reply refused this message for an account reason (sender, relay, policy). */
  refusedBy?: Set<number>;
}

/** How the loop ended. */
export type LoopState = 'finished' | 'paused' | 'cancelled' | 'waiting' | 'interrupted';

/** Why the loop was told to stop (null: it was not). */
export type StopReason = 'pause' | 'cancel' | 'shutdown' | null;

/** The reply of a failed attempt, as the outcome keeps it. */
export interface FailureReply {
  providerId: number;
  smtpCode: number | null;
  smtpEnhanced: string | null;
  smtpReply: string;
}

/** One line of a server's reply for the outbox and the timeline (500 characters at most). */
export function clip(s: string): string {
  const t = s.replace(/[\r\n]+/g, ' ');
  return t.length > 500 ? `${t.slice(0, 497)}...` : t;
}
