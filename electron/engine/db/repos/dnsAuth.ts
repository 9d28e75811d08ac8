/** Stored DNS facts and authentication verdicts (migration 20, issue 16 §1). */
import type { Db } from '../connection';

export type DnsRrType = 'TXT' | 'A' | 'AAAA' | 'MX' | 'CNAME';
export type DnsFactStatus = 'ok' | 'none' | 'error';

export interface DnsFact {
  name: string;
  rrtype: DnsRrType;
  /** ok: records found; none: the name or record type does not exist; error: the lookup failed. */
  status: DnsFactStatus;
  answer: string[];
  error: string | null;
  server: string | null;
  fetchedAt: string;
}

export interface AuthVerdictRow {
  providerId: number;
  domain: string;
  verdict: 'ready' | 'at_risk' | 'rejected' | 'unknown';
  detail: unknown;
  checkedAt: string;
}

interface FactRaw {
  name: string;
  rrtype: DnsRrType;
  status: DnsFactStatus;
  answer: string;
  error: string | null;
  server: string | null;
  fetched_at: string;
}

export class DnsAuthRepo {
  constructor(private readonly db: Db) {}

  putFact(f: DnsFact): void {
    this.db
      .prepare(
        `INSERT INTO dns_facts (name, rrtype, status, answer, error, server, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, rrtype) DO UPDATE SET status = excluded.status, answer = excluded.answer,
           error = excluded.error, server = excluded.server, fetched_at = excluded.fetched_at`,
      )
      .run(f.name, f.rrtype, f.status, JSON.stringify(f.answer), f.error, f.server, f.fetchedAt);
  }

  fact(name: string, rrtype: DnsRrType): DnsFact | undefined {
    const r = this.db.prepare('SELECT * FROM dns_facts WHERE name = ? AND rrtype = ?').get(name, rrtype) as
      FactRaw | undefined;
    if (!r) return undefined;
    return {
      name: r.name,
      rrtype: r.rrtype,
      status: r.status,
      answer: JSON.parse(r.answer) as string[],
      error: r.error,
      server: r.server,
      fetchedAt: r.fetched_at,
    };
  }

  putVerdict(v: AuthVerdictRow): void {
    this.db
      .prepare(
        `INSERT INTO auth_verdicts (provider_id, domain, verdict, detail, checked_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (provider_id, domain) DO UPDATE SET verdict = excluded.verdict, detail = excluded.detail,
           checked_at = excluded.checked_at`,
      )
      .run(v.providerId, v.domain, v.verdict, JSON.stringify(v.detail), v.checkedAt);
  }

  verdicts(): AuthVerdictRow[] {
    const rows = this.db
      .prepare(
        'SELECT provider_id AS providerId, domain, verdict, detail, checked_at AS checkedAt FROM auth_verdicts ORDER BY provider_id, domain',
      )
      .all() as (Omit<AuthVerdictRow, 'detail'> & { detail: string })[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }));
  }

  putDrillAuth(drillId: number, a: DrillAuthRow, at: string): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO drill_auth (drill_id, spf, dkim, dmarc, arc, why, details, checked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(drillId, a.spf, a.dkim, a.dmarc, a.arc, a.why, a.details.slice(0, 8000), at);
  }

  drillAuth(drillId: number): (DrillAuthRow & { checkedAt: string }) | undefined {
    return this.db
      .prepare(
        'SELECT spf, dkim, dmarc, arc, why, details, checked_at AS checkedAt FROM drill_auth WHERE drill_id = ?',
      )
      .get(drillId) as (DrillAuthRow & { checkedAt: string }) | undefined;
  }
}

export interface DrillAuthRow {
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  why: string | null;
  details: string;
}
