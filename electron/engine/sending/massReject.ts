/**
 * The mass-rejection guard: a provider that says "no such user" to everyone is broken, not the list.
 *
 * A backup account can be misconfigured so that it answers every recipient with a permanent "unknown
 * user" (a Postfix relay that believes it is the final destination: "550 5.1.1 Recipient address
 * rejected: User unknown in local recipient table"). Each reply alone looks like a bounce, and a bounce
 * suppresses the address for good — so one such account could suppress a whole list in a minute.
 * Real submission relays (Gmail, Microsoft 365, SES, Mailgun, SendGrid, Postmark, Brevo) accept
 * remote recipients and bounce later; a synchronous 5.1.1 from them is rare. So the engine believes a
 * provider's "bad address" verdicts only while the provider also accepts other people.
 *
 * The rule, per provider, over one campaign run (only `recipient_perm` verdicts and accepted messages
 * count; retries, quotas and account errors are handled by classify.ts and the breaker):
 *
 * 1. Streak: 10 different addresses rejected in a row (no accepted recipient between them) across at
 *    least 2 domains — or at one domain that some provider accepted a recipient at in this run (the
 *    domain works; the provider does not).
 * 2. Majority: among the provider's last 50 recipient outcomes, at least 26 (most) are rejections,
 *    across at least 3 domains.
 * 3. Never trusted (small lists): the provider has not accepted a single recipient in this run and has
 *    rejected min(5, the campaign's audience) different addresses, at least 2. A list of 5 people sent
 *    through a broken account is therefore not suppressed; a list of one cannot be told apart from one
 *    bad address and is treated as a bounce.
 *
 * When it trips, the provider's fault is handled as one (run/massRejection.ts, `switchOffProvider`): the provider is
 * switched off (its breaker opened, its health 'paused', `enabled` false until a person turns it back
 * on), an incident names it in plain words, every bounce it caused in this run is rolled back in one
 * transaction — the suppression it added removed, the subscriber's earlier status restored, the
 * delivery put back in the queue (not failed_perm, so neither `send` nor `retry-failed` skips it) —
 * with a `suppression.rolled_back` event per address (the audit trail: address, delivery, the status
 * restored), and the same deliveries fail over to the next provider. Any later "unknown user" from it
 * in the same run is a provider failure: the message is requeued, nobody is suppressed.
 *
 * Limits: a provider that rejects only one domain's recipients while accepting others (a partial
 * misconfiguration) trips only if that domain's rejections come 10 in a row; the bounces of a run that
 * crashed before the rule tripped are not rolled back by the next run (the earlier statuses were in
 * that run's memory); review them with `suppressions list`.
 */

export interface MassRejectOptions {
  streak: number;
  streakDomains: number;
  window: number;
  windowRejects: number;
  windowDomains: number;
  untrusted: number;
}

export const MASS_REJECT_DEFAULTS: MassRejectOptions = {
  streak: 10,
  streakDomains: 2,
  window: 50,
  windowRejects: 26,
  windowDomains: 3,
  untrusted: 5,
};

export interface MassRejectTrip {
  providerId: number;
  rule: 'streak' | 'majority' | 'never_accepted';
  /** Addresses rejected (in the streak, the window, or since the start). */
  rejected: number;
  /** Recipient outcomes they are out of (the window for 'majority'; otherwise the same as `rejected`). */
  outOf: number;
  domains: number;
}

interface Track {
  accepted: number;
  streak: Set<string>;
  streakDomains: Set<string>;
  recent: { rejected: boolean; domain: string }[];
  rejectedEver: Set<string>;
  tripped: MassRejectTrip | null;
}

export function domainOf(email: string): string {
  const at = email.lastIndexOf('@');
  return (at >= 0 ? email.slice(at + 1) : email).toLowerCase();
}

export class MassRejectionGuard {
  private readonly tracks = new Map<number, Track>();
  private readonly acceptedDomains = new Set<string>();
  private readonly opts: MassRejectOptions;

  /** `audience`: how many deliveries the campaign has (rule 3 on small lists). */
  constructor(
    private readonly audience: number,
    opts: Partial<MassRejectOptions> = {},
  ) {
    this.opts = { ...MASS_REJECT_DEFAULTS, ...opts };
  }

  private track(providerId: number): Track {
    let t = this.tracks.get(providerId);
    if (!t) {
      t = {
        accepted: 0,
        streak: new Set(),
        streakDomains: new Set(),
        recent: [],
        rejectedEver: new Set(),
        tripped: null,
      };
      this.tracks.set(providerId, t);
    }
    return t;
  }

  isTripped(providerId: number): boolean {
    return this.tracks.get(providerId)?.tripped != null;
  }

  accepted(providerId: number, email: string): void {
    const t = this.track(providerId);
    const domain = domainOf(email);
    t.accepted++;
    t.streak.clear();
    t.streakDomains.clear();
    this.acceptedDomains.add(domain);
    this.push(t, { rejected: false, domain });
  }

  /** A permanent recipient rejection; returns the trip when this one makes the rule trip. */
  rejected(providerId: number, email: string): MassRejectTrip | null {
    const t = this.track(providerId);
    if (t.tripped) return null;
    const o = this.opts;
    const addr = email.toLowerCase();
    const domain = domainOf(addr);
    t.streak.add(addr);
    t.streakDomains.add(domain);
    t.rejectedEver.add(addr);
    this.push(t, { rejected: true, domain });

    let trip: MassRejectTrip | null = null;
    if (
      t.streak.size >= o.streak &&
      (t.streakDomains.size >= o.streakDomains ||
        [...t.streakDomains].some((d) => this.acceptedDomains.has(d)))
    )
      trip = {
        providerId,
        rule: 'streak',
        rejected: t.streak.size,
        outOf: t.streak.size,
        domains: t.streakDomains.size,
      };
    if (!trip) {
      const rej = t.recent.filter((x) => x.rejected);
      const domains = new Set(rej.map((x) => x.domain));
      if (rej.length >= o.windowRejects && domains.size >= o.windowDomains)
        trip = {
          providerId,
          rule: 'majority',
          rejected: rej.length,
          outOf: t.recent.length,
          domains: domains.size,
        };
    }
    if (!trip && t.accepted === 0) {
      const need = Math.max(2, Math.min(o.untrusted, this.audience));
      if (t.rejectedEver.size >= need)
        trip = {
          providerId,
          rule: 'never_accepted',
          rejected: t.rejectedEver.size,
          outOf: t.rejectedEver.size,
          domains: new Set([...t.rejectedEver].map(domainOf)).size,
        };
    }
    t.tripped = trip;
    return trip;
  }

  private push(t: Track, x: { rejected: boolean; domain: string }): void {
    t.recent.push(x);
    if (t.recent.length > this.opts.window) t.recent.shift();
  }
}
