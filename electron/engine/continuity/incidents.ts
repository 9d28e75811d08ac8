/**
 * Incidents: one opens when a provider or ESP goes down and closes when it recovers. Its timeline is
 * every event tagged with its id plus what happened to its provider and affected campaigns while it
 * was open; the person adds notes (events too, so the timeline stays append-only).
 */
import type { Engine } from '../engine';
import type { EventRow } from '../db/repos/events';
import type { IncidentRow } from '../db/repos/incidents';
import type { HealthState } from '../db/repos/health';
import type { ProviderRow } from '../db/repos/providers';
import { userError } from '../errors';
import { notify } from './notify';
import { humanDuration } from '../time';

/** Called by the health monitor on every state change of a provider. */
export function onHealthChange(
  engine: Engine,
  target: Pick<ProviderRow, 'id' | 'name' | 'kind'>,
  from: HealthState,
  to: HealthState,
  detail: string,
): IncidentRow | undefined {
  const open = engine.repos.incidents.openFor(target.id);
  const what = target.kind === 'esp' ? 'ESP' : 'SMTP provider';
  if (to === 'down' && !open) {
    const incident = engine.db.transaction(() =>
      engine.repos.incidents.open(target.id, `${target.name} is down`, engine.now()),
    )();
    notify(engine, `Incident: ${target.name} is down`, {
      type: 'incident.opened',
      severity: 'error',
      providerId: target.id,
      incidentId: incident.id,
      message: `The ${what} "${target.name}" is down (${detail}). Campaigns due while it is down follow their outage policy.`,
      data: { from, to, detail },
    });
    return incident;
  }
  if (open && from === 'down' && to !== 'down') {
    engine.repos.incidents.close(open.id, engine.now());
    const lasted = Date.parse(engine.now()) - Date.parse(open.openedAt);
    notify(engine, `Resolved: ${target.name} is back`, {
      type: 'incident.closed',
      severity: 'info',
      providerId: target.id,
      incidentId: open.id,
      message: `The ${what} "${target.name}" is ${to} again after ${humanDuration(lasted)}. The post-incident report is ready.`,
      data: { from, to, detail, durationMs: lasted },
    });
    return engine.repos.incidents.byId(open.id);
  }
  return open;
}

export function requireIncident(engine: Engine, id: number): IncidentRow {
  const i = engine.repos.incidents.byId(id);
  if (!i) {
    throw userError(`There is no incident ${id}.`, {
      code: 'not_found',
      next: 'Run `understudy incidents` to list them.',
      appNext: 'See the Incidents screen.',
    });
  }
  return i;
}

export function addNote(engine: Engine, id: number, text: string): EventRow {
  const incident = requireIncident(engine, id);
  const body = text.trim();
  if (!body) throw userError('A note needs some text.', { safe: 'Nothing was added.' });
  if (body.length > 10_000)
    throw userError('A note is limited to 10,000 characters.', { safe: 'Nothing was added.' });
  return engine.record({
    type: 'incident.note',
    message: body,
    incidentId: incident.id,
    providerId: incident.providerId,
  });
}

/** The incident's timeline: its own events, and its provider's and campaigns' events while open. */
export function timeline(engine: Engine, id: number): EventRow[] {
  const i = requireIncident(engine, id);
  return engine.repos.incidents.timeline(i.id, i.providerId, i.openedAt, i.closedAt ?? engine.now());
}

/** Closes an incident by hand (a provider removed, a false alarm). */
export function closeIncident(engine: Engine, id: number, why: string): IncidentRow {
  const i = requireIncident(engine, id);
  if (i.status === 'closed') return i;
  engine.repos.incidents.close(i.id, engine.now());
  engine.record({
    type: 'incident.closed',
    message: `Incident ${i.id} closed by hand: ${why}`,
    incidentId: i.id,
    providerId: i.providerId,
  });
  return engine.repos.incidents.byId(i.id)!;
}
