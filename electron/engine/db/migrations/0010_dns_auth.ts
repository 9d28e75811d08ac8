/**
 * Migration 10: authentication readiness (issue 16, §1). `dns_facts` keeps what the DNS said, and
 * when, for each name and record type looked up (SPF/DKIM/DMARC TXT records, a custom host's
 * addresses), so a verdict is computed from stored facts and says how old they are. `auth_verdicts`
 * keeps the last verdict per backup provider and From domain, for the readiness view. `drill_auth`
 * keeps the SPF, DKIM, DMARC and ARC results of each drill's message as it arrived (§2).
 */
import type { Migration } from './types';

export const migration0010: Migration = {
  version: 10,
  name: 'dns authentication facts',
  up: `
    CREATE TABLE dns_facts (
      name TEXT NOT NULL CHECK (length(name) <= 300),
      rrtype TEXT NOT NULL CHECK (rrtype IN ('TXT', 'A', 'AAAA', 'MX', 'CNAME')),
      status TEXT NOT NULL CHECK (status IN ('ok', 'none', 'error')),
      answer TEXT NOT NULL CHECK (json_valid(answer)),
      error TEXT,
      server TEXT,
      fetched_at TEXT NOT NULL,
      PRIMARY KEY (name, rrtype)
    ) STRICT;
    CREATE TABLE auth_verdicts (
      provider_id INTEGER NOT NULL,
      domain TEXT NOT NULL CHECK (length(domain) <= 253),
      verdict TEXT NOT NULL CHECK (verdict IN ('ready', 'at_risk', 'rejected', 'unknown')),
      detail TEXT NOT NULL CHECK (json_valid(detail)),
      checked_at TEXT NOT NULL,
      PRIMARY KEY (provider_id, domain)
    ) STRICT;
    CREATE TABLE drill_auth (
      drill_id INTEGER PRIMARY KEY,
      spf TEXT NOT NULL,
      dkim TEXT NOT NULL,
      dmarc TEXT NOT NULL,
      arc TEXT NOT NULL,
      why TEXT,
      details TEXT NOT NULL,
      checked_at TEXT NOT NULL
    ) STRICT;
  `,
};
