/**
 * A provider rejected everyone (massReject.ts): switch it off, open an incident that says so, undo the
 * bounces it caused in this run (one audit event per address), and record the trip. The trip's event
 * asks for a person's attention (`data.notify`, `data.title`): the continuity service, which owns the
 * alerts, turns it into a desktop notification and a team alert (continuity/service.ts).
 */
import type { Engine } from '../../engine';
import type { AppliedBounce } from '../../db/repos/deliveries';
import { SendingEventType, type SuppressionRolledBackData } from '../../api/sending';
import { SUPPRESSION_EVENTS } from '../../api/suppressions';
import type { MassRejectTrip } from '../massReject';
import { clip, type Slot } from './types';

export interface SwitchOff {
  campaignId: number;
  slot: Slot;
  trip: MassRejectTrip;
  /** The reply that tripped the guard. */
  reply: string;
  /** Every bounce this provider caused in this run, already written. */
  bounces: AppliedBounce[];
  /** Another provider of the chain is still in use. */
  othersInUse: boolean;
  at: number;
}

/** Returns how many deliveries went back to the queue. */
export function switchOffProvider(engine: Engine, x: SwitchOff): number {
  const { slot: s, trip, campaignId } = x;
  const pid = s.row.id;
  const name = s.row.name;
  const what =
    trip.rule === 'streak'
      ? `rejected ${trip.rejected} different people in a row as unknown`
      : trip.rule === 'majority'
        ? `rejected ${trip.rejected} of the last ${trip.outOf} people it was given as unknown`
        : `rejected ${trip.rejected} different people as unknown and accepted nobody`;
  const reason = `${what}: the account's fault, not theirs`;
  // Open the breaker without the usual "probes it later" event: the incident below says what happened,
  // and a switched-off provider is probed by nobody until a person turns it back on.
  s.breaker.onFailure(true, reason, x.at);
  engine.repos.providerState.saveBreaker(s.breaker.toRow(engine.now()));
  engine.repos.providers.setEnabled(pid, false, engine.now());
  engine.repos.providers.setHealth(pid, 'paused', engine.now());
  s.row = { ...s.row, enabled: false, health: 'paused' };
  const incident =
    engine.repos.incidents.openFor(pid) ??
    engine.repos.incidents.open(pid, `${name} rejected everyone as unknown`, engine.now());
  const done = engine.repos.deliveries.rollbackBounces(x.bounces, engine.now(), (rows) => {
    for (const r of rows) {
      engine.record({
        type: SUPPRESSION_EVENTS.rolledBack,
        severity: 'warning',
        message: `${r.emailNorm} is no longer suppressed: "${name}" said the address was unknown, but it was rejecting everyone.${r.restoredStatus ? ` Their status is back to ${r.restoredStatus}.` : ''}`,
        providerId: pid,
        campaignId,
        incidentId: incident.id,
        data: {
          email: r.emailNorm,
          subscriberId: r.subscriberId,
          deliveryId: r.deliveryId,
          restoredStatus: r.restoredStatus,
          suppressionRemoved: r.suppressionRemoved,
          requeued: r.requeued,
          reason: 'mass_rejection',
          reply: clip(x.reply),
        } satisfies SuppressionRolledBackData,
      });
    }
  });
  const restored = done.filter((r) => r.requeued).length;
  engine.record({
    type: SendingEventType.massRejection,
    severity: 'error',
    providerId: pid,
    campaignId,
    incidentId: incident.id,
    message:
      `"${name}" ${what}; that is the account's problem, not theirs. Understudy paused it and restored them` +
      ` (${restored} ${restored === 1 ? 'person' : 'people'}: no longer suppressed; ${x.othersInUse ? 'their messages go out through the next provider' : 'their messages wait for a provider that works'}).` +
      ` Check the account's settings with its provider, then turn "${name}" back on under Providers.`,
    data: {
      rule: trip.rule,
      rejected: trip.rejected,
      domains: trip.domains,
      restored,
      reply: clip(x.reply),
      notify: true,
      title: `${name} paused: it rejected everyone`,
    },
  });
  return restored;
}
