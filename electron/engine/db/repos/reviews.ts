/**
 * The post-incident review: one row per reviewed incident and its actions (migration 12). Statements
 * bind by name. The review's meaning (causes, words, validation) is in the contract (api/review.ts)
 * and continuity/review.ts; this file only reads and writes rows.
 */
import type { Db } from '../connection';
import type { IncidentCause, IncidentReview, ReviewAction } from '../../api/review';

interface RawReview {
  incident_id: number;
  cause: IncidentCause | null;
  cause_text: string;
  worked: string;
  did_not_work: string;
  updated_at: string;
}

interface RawAction {
  id: number;
  text: string;
  owner: string;
  done: number;
  created_at: string;
  done_at: string | null;
}

const toAction = (r: RawAction): ReviewAction => ({
  id: r.id,
  text: r.text,
  owner: r.owner,
  done: r.done === 1,
  createdAt: r.created_at,
  doneAt: r.done_at,
});

export interface ReviewFields {
  cause: IncidentCause | null;
  causeText: string;
  worked: string;
  didNotWork: string;
}

export class ReviewsRepo {
  constructor(private readonly db: Db) {}

  /** The review of an incident; an empty one (updatedAt null) when none was written. */
  forIncident(incidentId: number): IncidentReview {
    const r = this.db
      .prepare(`SELECT * FROM incident_reviews WHERE incident_id = @incidentId`)
      .get({ incidentId }) as RawReview | undefined;
    return {
      incidentId,
      cause: r?.cause ?? null,
      causeText: r?.cause_text ?? '',
      worked: r?.worked ?? '',
      didNotWork: r?.did_not_work ?? '',
      updatedAt: r?.updated_at ?? null,
      actions: this.actions(incidentId),
    };
  }

  actions(incidentId: number): ReviewAction[] {
    return (
      this.db
        .prepare(`SELECT * FROM incident_actions WHERE incident_id = @incidentId ORDER BY id`)
        .all({ incidentId }) as RawAction[]
    ).map(toAction);
  }

  save(incidentId: number, f: ReviewFields, now: string): void {
    this.db
      .prepare(
        `INSERT INTO incident_reviews (incident_id, cause, cause_text, worked, did_not_work, updated_at)
         VALUES (@incidentId, @cause, @causeText, @worked, @didNotWork, @now)
         ON CONFLICT (incident_id) DO UPDATE SET cause = excluded.cause, cause_text = excluded.cause_text,
           worked = excluded.worked, did_not_work = excluded.did_not_work, updated_at = excluded.updated_at`,
      )
      .run({ incidentId, ...f, now });
  }

  addAction(incidentId: number, text: string, owner: string, now: string): number {
    const info = this.db
      .prepare(
        `INSERT INTO incident_actions (incident_id, text, owner, created_at)
         VALUES (@incidentId, @text, @owner, @now)`,
      )
      .run({ incidentId, text, owner, now });
    return Number(info.lastInsertRowid);
  }

  action(incidentId: number, actionId: number): ReviewAction | undefined {
    const r = this.db
      .prepare(`SELECT * FROM incident_actions WHERE id = @actionId AND incident_id = @incidentId`)
      .get({ incidentId, actionId }) as RawAction | undefined;
    return r && toAction(r);
  }

  updateAction(incidentId: number, a: Pick<ReviewAction, 'id' | 'text' | 'owner' | 'done' | 'doneAt'>): void {
    this.db
      .prepare(
        `UPDATE incident_actions SET text = @text, owner = @owner, done = @done, done_at = @doneAt
         WHERE id = @id AND incident_id = @incidentId`,
      )
      .run({ incidentId, id: a.id, text: a.text, owner: a.owner, done: a.done ? 1 : 0, doneAt: a.doneAt });
  }

  removeAction(incidentId: number, actionId: number): void {
    this.db
      .prepare(`DELETE FROM incident_actions WHERE id = @actionId AND incident_id = @incidentId`)
      .run({ incidentId, actionId });
  }
}
