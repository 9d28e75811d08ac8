/**
 * Campaign runs: who is sending a campaign right now, with a heartbeat. A 'running' row whose process
 * is gone (same host, pid dead) or whose heartbeat is stale was interrupted: the next engine start
 * resumes it from the outbox.
 */
import type { Db } from '../connection';

export type RunState = 'running' | 'finished' | 'paused' | 'cancelled' | 'interrupted' | 'waiting' | 'failed';

export interface RunRow {
  id: number;
  campaignId: number;
  state: RunState;
  via: string | null;
  dryRun: boolean;
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
  finishedAt: string | null;
  summary: Record<string, unknown>;
  error: string | null;
  /**
   * The sending process's identity (Linux: boot id and start time) while the run is 'running', so a
   * later process with the same pid is not mistaken for it. Kept in `summary` until the run ends (the
   * summary is written only then), which needs no schema change.
   */
  identity: string | null;
}

interface RawRun {
  id: number;
  campaign_id: number;
  state: RunState;
  via: string | null;
  dry_run: number;
  pid: number;
  host: string;
  started_at: string;
  heartbeat_at: string;
  finished_at: string | null;
  summary: string;
  error: string | null;
}

const identityOf = (summary: Record<string, unknown>): string | null => {
  const lease = summary.lease as { process?: unknown } | undefined;
  return typeof lease?.process === 'string' ? lease.process : null;
};

const toRun = (r: RawRun): RunRow => ({
  id: r.id,
  campaignId: r.campaign_id,
  state: r.state,
  via: r.via,
  dryRun: r.dry_run === 1,
  pid: r.pid,
  host: r.host,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
  finishedAt: r.finished_at,
  summary: JSON.parse(r.summary) as Record<string, unknown>,
  error: r.error,
  identity: r.state === 'running' ? identityOf(JSON.parse(r.summary) as Record<string, unknown>) : null,
});

export class CampaignRunsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Starts a run unless another live one holds the campaign. `isDead(run)` decides whether a 'running'
   * row is a leftover; leftovers are marked 'interrupted' in the same transaction. Returns the new run,
   * or the live run that holds the campaign.
   */
  start(
    input: {
      campaignId: number;
      via: string | null;
      dryRun: boolean;
      pid: number;
      host: string;
      now: string;
      /** See RunRow.identity. */
      identity?: string | null;
    },
    isDead: (run: RunRow) => boolean,
  ): { run: RunRow; started: boolean; interrupted: RunRow[] } {
    const tx = this.db.transaction(() => {
      const running = this.running(input.campaignId);
      const interrupted: RunRow[] = [];
      for (const r of running) {
        if (!isDead(r)) return { run: r, started: false, interrupted };
        this.db
          .prepare(`UPDATE campaign_runs SET state = 'interrupted', finished_at = ? WHERE id = ?`)
          .run(input.now, r.id);
        interrupted.push(r);
      }
      const info = this.db
        .prepare(
          `INSERT INTO campaign_runs (campaign_id, state, via, dry_run, pid, host, started_at, heartbeat_at, summary)
           VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.campaignId,
          input.via,
          input.dryRun ? 1 : 0,
          input.pid,
          input.host,
          input.now,
          input.now,
          JSON.stringify(input.identity ? { lease: { process: input.identity } } : {}),
        );
      return { run: this.byId(Number(info.lastInsertRowid))!, started: true, interrupted };
    });
    return tx.immediate();
  }

  byId(id: number): RunRow | undefined {
    const r = this.db.prepare('SELECT * FROM campaign_runs WHERE id = ?').get(id) as RawRun | undefined;
    return r && toRun(r);
  }

  running(campaignId?: number): RunRow[] {
    const rows =
      campaignId === undefined
        ? this.db.prepare(`SELECT * FROM campaign_runs WHERE state = 'running' ORDER BY id`).all()
        : this.db
            .prepare(`SELECT * FROM campaign_runs WHERE state = 'running' AND campaign_id = ? ORDER BY id`)
            .all(campaignId);
    return (rows as RawRun[]).map(toRun);
  }

  latest(campaignId: number): RunRow | undefined {
    const r = this.db
      .prepare('SELECT * FROM campaign_runs WHERE campaign_id = ? ORDER BY id DESC LIMIT 1')
      .get(campaignId) as RawRun | undefined;
    return r && toRun(r);
  }

  heartbeat(id: number, now: string, summary?: Record<string, unknown>): void {
    if (summary)
      this.db
        .prepare(`UPDATE campaign_runs SET heartbeat_at = ?, summary = ? WHERE id = ?`)
        .run(now, JSON.stringify(summary), id);
    else this.db.prepare(`UPDATE campaign_runs SET heartbeat_at = ? WHERE id = ?`).run(now, id);
  }

  finish(
    id: number,
    state: RunState,
    summary: Record<string, unknown>,
    error: string | null,
    now: string,
  ): void {
    this.db
      .prepare(
        `UPDATE campaign_runs SET state = ?, summary = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?`,
      )
      .run(state, JSON.stringify(summary), error, now, now, id);
  }
}
