/**
 * The post-incident review (issue 16 §7): cause, what worked, what did not, and actions with an owner.
 * Edited in the app and the CLI, printed with the incident's report. Every change is a timeline event
 * on the incident, so the review's history is kept even though its text is edited in place.
 */
import type { Engine } from '../engine';
import {
  INCIDENT_CAUSE_WORDS,
  REVIEW_EVENTS,
  type ActionChange,
  type IncidentReview,
  type ReviewChange,
} from '../api/review';
import { userError } from '../errors';
import { requireIncident } from './incidents';

export function incidentReview(engine: Engine, incidentId: number): IncidentReview {
  requireIncident(engine, incidentId);
  return engine.repos.reviews.forIncident(incidentId);
}

/** Changes the fields given (the others stay); saying nothing new changes nothing and records nothing. */
export function saveReview(engine: Engine, change: ReviewChange): IncidentReview {
  const incident = requireIncident(engine, change.id);
  const before = engine.repos.reviews.forIncident(incident.id);
  const next = {
    cause: change.cause === undefined ? before.cause : change.cause,
    causeText: change.causeText ?? before.causeText,
    worked: change.worked ?? before.worked,
    didNotWork: change.didNotWork ?? before.didNotWork,
  };
  const same =
    before.updatedAt !== null &&
    next.cause === before.cause &&
    next.causeText === before.causeText &&
    next.worked === before.worked &&
    next.didNotWork === before.didNotWork;
  if (same) return before;
  engine.db.transaction(() => {
    engine.repos.reviews.save(incident.id, next, engine.now());
    engine.record({
      type: REVIEW_EVENTS.saved,
      message: `Review of incident ${incident.id} saved${next.cause ? `: ${INCIDENT_CAUSE_WORDS[next.cause]}` : ''}.`,
      incidentId: incident.id,
      data: { cause: next.cause },
    });
  })();
  return engine.repos.reviews.forIncident(incident.id);
}

export function addAction(engine: Engine, incidentId: number, text: string, owner: string): IncidentReview {
  const incident = requireIncident(engine, incidentId);
  const t = text.trim();
  const o = owner.trim();
  if (!t || !o)
    throw userError(t ? 'An action needs an owner: who will do it?' : 'An action needs some text.', {
      safe: 'Nothing was added to the review.',
      next: 'Give both what is to be done and who will do it.',
    });
  engine.db.transaction(() => {
    const id = engine.repos.reviews.addAction(incident.id, t, o, engine.now());
    engine.record({
      type: REVIEW_EVENTS.actionAdded,
      message: `Action for ${o}: ${t}`,
      incidentId: incident.id,
      data: { actionId: id, owner: o },
    });
  })();
  return engine.repos.reviews.forIncident(incident.id);
}

export function changeAction(engine: Engine, change: ActionChange): IncidentReview {
  const incident = requireIncident(engine, change.id);
  const a = engine.repos.reviews.action(incident.id, change.actionId);
  if (!a)
    throw userError(`Incident ${incident.id}'s review has no action ${change.actionId}.`, {
      code: 'not_found',
      safe: 'Nothing was changed.',
      next: 'See the review for its actions and their numbers.',
      appNext: 'Reopen the incident to see its actions.',
    });
  const now = engine.now();
  engine.db.transaction(() => {
    if (change.remove) {
      engine.repos.reviews.removeAction(incident.id, a.id);
      engine.record({
        type: REVIEW_EVENTS.actionChanged,
        message: `Action removed: ${a.text}`,
        incidentId: incident.id,
        data: { actionId: a.id, removed: true },
      });
      return;
    }
    const done = change.done ?? a.done;
    const next = {
      id: a.id,
      text: change.text ?? a.text,
      owner: change.owner ?? a.owner,
      done,
      doneAt: done === a.done ? a.doneAt : done ? now : null,
    };
    if (next.text === a.text && next.owner === a.owner && next.done === a.done) return;
    engine.repos.reviews.updateAction(incident.id, next);
    engine.record({
      type: REVIEW_EVENTS.actionChanged,
      message:
        next.done !== a.done
          ? `Action ${next.done ? 'done' : 'reopened'}: ${next.text} (${next.owner})`
          : `Action changed: ${next.text} (${next.owner})`,
      incidentId: incident.id,
      data: { actionId: a.id, done: next.done },
    });
  })();
  return engine.repos.reviews.forIncident(incident.id);
}
