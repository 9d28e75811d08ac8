/** Drills: a test message through each provider to a seed mailbox, and whether it arrived. */
import type { Db } from '../connection';

export interface DrillRow {
  id: number;
  providerId: number | null;
  providerName: string | null;
  startedAt: string;
  finishedAt: string | null;
  result: 'running' | 'passed' | 'failed';
  messageId: string | null;
  detail: string | null;
}

interface RawDrill {
  id: number;
  provider_id: number | null;
  provider_name: string | null;
  started_at: string;
  finished_at: string | null;
  result: 'running' | 'passed' | 'failed';
  message_id: string | null;
  detail: string | null;
}

const toDrill = (r: RawDrill): DrillRow => ({
  id: r.id,
  providerId: r.provider_id,
  providerName: r.provider_name,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  result: r.result,
  messageId: r.message_id,
  detail: r.detail,
});

const SELECT = `SELECT d.*, p.name AS provider_name FROM drills d LEFT JOIN providers p ON p.id = d.provider_id`;

export class DrillsRepo {
  constructor(private readonly db: Db) {}

  start(providerId: number, messageId: string, now: string): DrillRow {
    const info = this.db
      .prepare(`INSERT INTO drills (provider_id, started_at, result, message_id) VALUES (?, ?, 'running', ?)`)
      .run(providerId, now, messageId);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  finish(id: number, result: 'passed' | 'failed', detail: string, now: string): DrillRow {
    this.db
      .prepare('UPDATE drills SET result = ?, detail = ?, finished_at = ? WHERE id = ?')
      .run(result, detail, now, id);
    return this.byId(id)!;
  }

  byId(id: number): DrillRow | undefined {
    const r = this.db.prepare(`${SELECT} WHERE d.id = ?`).get(id) as RawDrill | undefined;
    return r && toDrill(r);
  }

  list(limit = 100, providerId?: number): DrillRow[] {
    const rows =
      providerId === undefined
        ? this.db.prepare(`${SELECT} ORDER BY d.started_at DESC, d.id DESC LIMIT ?`).all(limit)
        : this.db
            .prepare(`${SELECT} WHERE d.provider_id = ? ORDER BY d.started_at DESC, d.id DESC LIMIT ?`)
            .all(providerId, limit);
    return (rows as RawDrill[]).map(toDrill);
  }
}
