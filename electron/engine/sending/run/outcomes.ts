/**
 * The outcomes a run has not written yet, and the one way they are written.
 *
 * Outcomes are batched: written together with the rate limiter's send counts, the run's heartbeat and
 * one suppression.added event per address a bounce suppressed — in one transaction, and when the run
 * needs more messages, in the same commit as the next claim (one fsync per half window). The bounces a
 * write applied are kept per provider, so a provider found rejecting everyone can have them undone.
 */
import type { Engine } from '../../engine';
import type {
  AppliedBounce,
  ClaimedDelivery,
  DeliveryOutcome,
  SkippedDelivery,
} from '../../db/repos/deliveries';
import { recordSuppressionsAdded } from '../../mirror/suppressions';

export interface Claimed {
  claimed: ClaimedDelivery[];
  skipped: SkippedDelivery[];
}

export class OutcomeBatch {
  private pending: DeliveryOutcome[] = [];
  private readonly sendCounts = new Map<string, { providerId: number; second: number; count: number }>();
  /** Delivery id → provider whose reply bounced it, until the write that applies the bounce. */
  private readonly bounceOwner = new Map<number, number>();
  /** Provider id → the bounces it caused in this run (as written). */
  private readonly ledger = new Map<number, AppliedBounce[]>();

  constructor(
    private readonly engine: Engine,
    private readonly campaignId: number,
    private readonly runId: number,
    private readonly providerName: (providerId: number) => string | undefined,
  ) {}

  /** Outcomes waiting to be written. */
  get size(): number {
    return this.pending.length;
  }

  /** Nothing to write: no outcome and no send count. */
  get empty(): boolean {
    return this.pending.length === 0 && this.sendCounts.size === 0;
  }

  add(o: DeliveryOutcome): void {
    this.pending.push(o);
  }

  /** A message handed to `providerId` at `at` (ms): counted against its caps in the next write. */
  countSend(providerId: number, at: number): void {
    const second = Math.floor(at / 1000);
    const key = `${providerId}:${second}`;
    const c = this.sendCounts.get(key);
    if (c) c.count++;
    else this.sendCounts.set(key, { providerId, second, count: 1 });
  }

  /** The bounce in an outcome just added was `providerId`'s verdict. */
  bouncedBy(deliveryId: number, providerId: number): void {
    this.bounceOwner.set(deliveryId, providerId);
  }

  /** Every bounce `providerId` caused in this run and that was written, forgotten here. */
  takeBounces(providerId: number): AppliedBounce[] {
    const bounces = this.ledger.get(providerId) ?? [];
    this.ledger.delete(providerId);
    return bounces;
  }

  /**
   * Writes everything pending in one transaction, and with `claim` takes the next batch of due
   * deliveries in the same commit.
   */
  write(): void;
  write(claim: { limit: number; dueBy: string }): Claimed;
  write(claim?: { limit: number; dueBy: string }): Claimed | void {
    const repo = this.engine.repos.deliveries;
    const batch = this.pending;
    const counts = [...this.sendCounts.values()];
    this.pending = [];
    this.sendCounts.clear();
    const now = this.engine.now();
    const inTransaction = (applied: AppliedBounce[]) => this.inTransaction(applied);
    if (!claim) {
      this.noteBounces(repo.record(batch, counts, now, inTransaction));
      return;
    }
    const got = repo.recordAndClaim(batch, counts, now, inTransaction, {
      campaignId: this.campaignId,
      ...claim,
    });
    this.noteBounces(got.bounces);
    return got;
  }

  private noteBounces(applied: AppliedBounce[]): void {
    for (const b of applied) {
      const pid = this.bounceOwner.get(b.deliveryId);
      if (pid === undefined) continue;
      this.bounceOwner.delete(b.deliveryId);
      const l = this.ledger.get(pid) ?? [];
      l.push(b);
      this.ledger.set(pid, l);
    }
  }

  /**
   * In the transaction that writes a batch of outcomes: the run's heartbeat, and one suppression.added
   * event per address a bounce suppressed, with the status the subscriber had before, so removing the
   * suppression can give it back.
   */
  private inTransaction(applied: AppliedBounce[]): void {
    this.engine.repos.campaignRuns.heartbeat(this.runId, this.engine.now());
    for (const b of applied) {
      if (!b.suppressionAdded) continue;
      const pid = this.bounceOwner.get(b.deliveryId) ?? null;
      const provider = pid === null ? undefined : this.providerName(pid);
      recordSuppressionsAdded(
        this.engine,
        [
          {
            email: b.emailNorm,
            reason: 'bounced',
            detail: b.detail,
            previous: b.previous ? [{ subscriberId: b.subscriberId, status: b.previous.status }] : [],
            extra: { subscriberId: b.subscriberId, deliveryId: b.deliveryId },
          },
        ],
        {
          source: 'send',
          how: provider ? `"${provider}" refused it during sending` : 'refused during sending',
          campaignId: this.campaignId,
          providerId: pid,
          each: true,
        },
      );
    }
  }
}
