/**
 * Authentication readiness (issue 16, §1): before an outage, will mail sent through each backup
 * provider, From a domain in use, pass SPF, DKIM and DMARC?
 *
 * Every DNS answer is stored with its time (`dns_facts`) and the verdict is computed from the stored
 * facts, so a verdict always says how old its evidence is and can be recomputed without the network.
 * The resolver's server is configurable (option `dnsServer`, env `UNDERSTUDY_DNS_SERVER`, setting
 * `auth.dns_server`); tests point it at a dnsmasq on loopback.
 *
 * SPF follows include/redirect with RFC 7208's limit of 10 DNS-querying terms (§4.6.4); DKIM looks for
 * the provider's selectors and reads the key size with node:crypto; DMARC (RFC 7489) gives the policy
 * and the alignment mode. The organizational domain is a conservative approximation (see orgDomain).
 */
import { createPublicKey } from 'node:crypto';
import { promises as dnsp } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Engine } from '../engine';
import { parseInput, quoteInput, userError } from '../errors';
import type { DnsFact, DnsRrType } from '../db/repos/dnsAuth';
import type { ProviderRow } from '../db/repos/providers';
import {
  AuthCheckRequestSchema,
  type AuthCheck,
  type AuthCheckRequest,
  type AuthVerdict,
  type DnsRecord,
} from '../api/auth';
import { authNeedsOf } from './authNeeds';
import { smtpConfigOf } from './transport';
import { PRESETS } from './presets';

export const DNS_SERVER_ENV = 'UNDERSTUDY_DNS_SERVER';
export const DNS_SERVER_SETTING = 'auth.dns_server';
/** RFC 7208 §4.6.4: at most 10 terms that cause DNS lookups. */
export const SPF_LOOKUP_LIMIT = 10;
const MIN_DKIM_BITS = 1024;
const MAX_RECORD_CHARS = 4096;
const MAX_RECORDS = 20;

// ---- Domains -----------------------------------------------------------------------------------

/**
 * Second-level labels under which registrations happen one level deeper (example.co.uk). Not the
 * Public Suffix List: no kept PSL library is a runtime dependency, so this is a conservative
 * approximation covering the common country registries; for anything else the organizational domain
 * is the last two labels. Wrong only for unusual suffixes, where relaxed alignment is then judged
 * stricter than receivers judge it (never looser).
 */
const SECOND_LEVEL = new Set([
  'co',
  'com',
  'net',
  'org',
  'ac',
  'gov',
  'edu',
  'ltd',
  'plc',
  'me',
  'or',
  'ne',
  'gv',
]);

export function orgDomain(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const sld = labels[labels.length - 2]!;
  const n = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-n).join('.');
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A domain name a person typed (or the part after @ of an address), normalised, or a clear refusal. */
export function parseDomain(input: string, what = 'From domain'): string {
  let d = input.trim().toLowerCase();
  if (d.includes('@')) d = d.slice(d.lastIndexOf('@') + 1);
  d = d.replace(/\.$/, '');
  const labels = d.split('.');
  if (
    d.length === 0 ||
    d.length > 253 ||
    labels.length < 2 ||
    !labels.every((l) => LABEL.test(l)) ||
    isIP(d)
  ) {
    throw userError(`"${quoteInput(input)}" is not a domain name.`, {
      code: 'bad_domain',
      safe: 'Nothing was looked up and nothing was changed.',
      next: `Give the ${what} as example.com (or an address such as news@example.com).`,
    });
  }
  return d;
}

function aligned(a: string, b: string, mode: 'r' | 's'): boolean {
  return mode === 's' ? a === b : orgDomain(a) === orgDomain(b);
}

// ---- Facts ------------------------------------------------------------------------------------

type Lookup = (name: string, rrtype: DnsRrType) => Promise<DnsFact>;

const NONE_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

function dnsServer(engine: Engine, option?: string): string | null {
  const s = option ?? process.env[DNS_SERVER_ENV] ?? engine.repos.settings.get<string>(DNS_SERVER_SETTING);
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : null;
}

function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?').slice(0, MAX_RECORD_CHARS);
}

/** Asks the DNS, stores what it said (or that it failed) with the time, and returns the stored fact. */
function liveLookup(engine: Engine, server: string | null): Lookup {
  const resolver = new dnsp.Resolver({ timeout: 2000, tries: 1 });
  if (server) {
    try {
      resolver.setServers([server]);
    } catch {
      throw userError(`"${quoteInput(server)}" is not a DNS server address.`, {
        code: 'bad_dns_server',
        safe: 'Nothing was looked up and nothing was changed.',
        next: `Give an address such as 127.0.0.1 or 127.0.0.1:5353 (setting ${DNS_SERVER_SETTING} or ${DNS_SERVER_ENV}).`,
      });
    }
  }
  const memo = new Map<string, Promise<DnsFact>>();
  return (name, rrtype) => {
    const key = `${rrtype} ${name}`;
    let p = memo.get(key);
    if (!p) {
      p = (async (): Promise<DnsFact> => {
        let fact: Omit<DnsFact, 'fetchedAt'>;
        try {
          const answer = await ask(resolver, name, rrtype);
          fact = { name, rrtype, status: answer.length ? 'ok' : 'none', answer, error: null, server };
        } catch (e) {
          const code = (e as { code?: string }).code ?? 'ERROR';
          fact = NONE_CODES.has(code)
            ? { name, rrtype, status: 'none', answer: [], error: null, server }
            : { name, rrtype, status: 'error', answer: [], error: clean(code), server };
        }
        const stored: DnsFact = { ...fact, fetchedAt: engine.now() };
        engine.repos.dnsAuth.putFact(stored);
        return engine.repos.dnsAuth.fact(name, rrtype) ?? stored;
      })();
      memo.set(key, p);
    }
    return p;
  };
}

async function ask(r: dnsp.Resolver, name: string, rrtype: DnsRrType): Promise<string[]> {
  let out: string[];
  switch (rrtype) {
    case 'TXT':
      out = (await r.resolveTxt(name)).map((chunks) => chunks.join(''));
      break;
    case 'A':
      out = await r.resolve4(name);
      break;
    case 'AAAA':
      out = await r.resolve6(name);
      break;
    case 'MX':
      out = (await r.resolveMx(name)).sort((a, b) => a.priority - b.priority).map((m) => m.exchange);
      break;
    case 'CNAME':
      out = await r.resolveCname(name);
      break;
  }
  return out.slice(0, MAX_RECORDS).map(clean);
}

/** Reads only what is stored; a name never looked up counts as "could not check". */
function storedLookup(engine: Engine): Lookup {
  return (name, rrtype) =>
    Promise.resolve(
      engine.repos.dnsAuth.fact(name, rrtype) ?? {
        name,
        rrtype,
        status: 'error',
        answer: [],
        error: 'not checked yet',
        server: null,
        fetchedAt: '',
      },
    );
}

class FactLog {
  oldest: string | null = null;
  errors: string[] = [];
  constructor(private readonly lookup: Lookup) {}
  async get(name: string, rrtype: DnsRrType): Promise<DnsFact> {
    const f = await this.lookup(name, rrtype);
    if (f.fetchedAt && (this.oldest === null || f.fetchedAt < this.oldest)) this.oldest = f.fetchedAt;
    if (f.status === 'error') this.errors.push(`${rrtype} ${name}: ${f.error ?? 'lookup failed'}`);
    return f;
  }
}

// ---- SPF --------------------------------------------------------------------------------------

interface SpfResult {
  record: string | null;
  /** pass-qualified include/redirect targets reached, lowercased */
  includes: Set<string>;
  allow: BlockList;
  lookups: number;
  problem: string | null;
  /** the qualifier of `all` in the top-level record ('-' hard fail, '~' soft fail ...) */
  all: string | null;
}

function spfRecords(f: DnsFact): string[] {
  return f.answer.filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
}

async function walkSpf(log: FactLog, domain: string): Promise<SpfResult> {
  const res: SpfResult = {
    record: null,
    includes: new Set(),
    allow: new BlockList(),
    lookups: 0,
    problem: null,
    all: null,
  };
  const visiting = new Set<string>();
  const count = (): boolean => {
    res.lookups++;
    if (res.lookups > SPF_LOOKUP_LIMIT && !res.problem) {
      res.problem = `the SPF record needs more than ${SPF_LOOKUP_LIMIT} DNS lookups (RFC 7208's limit), so receivers treat it as an error and SPF fails for every sender`;
    }
    return res.lookups <= SPF_LOOKUP_LIMIT;
  };
  const addAddrs = async (host: string, cidr4: number, cidr6: number): Promise<void> => {
    for (const t of ['A', 'AAAA'] as const) {
      const f = await log.get(host, t);
      for (const ip of f.answer) {
        try {
          if (isIP(ip) === 4) res.allow.addSubnet(ip, cidr4, 'ipv4');
          else if (isIP(ip) === 6) res.allow.addSubnet(ip, cidr6, 'ipv6');
        } catch {
          /* an unusable address is simply not an authorisation */
        }
      }
    }
  };

  const walk = async (d: string, top: boolean): Promise<void> => {
    if (res.problem) return;
    if (visiting.has(d)) {
      res.problem = `the SPF record includes itself (a loop through ${d}), so receivers treat it as an error`;
      return;
    }
    visiting.add(d);
    const f = await log.get(d, 'TXT');
    if (f.status === 'error') return; // recorded by the log: "could not check"
    const recs = spfRecords(f);
    if (recs.length === 0) {
      if (!top) res.problem = `${d}, named in the SPF record, has no SPF record of its own`;
      return;
    }
    if (recs.length > 1) {
      res.problem = `${d} has ${recs.length} SPF records; there must be exactly one, so receivers treat it as an error`;
      return;
    }
    const rec = recs[0]!.trim();
    if (top) res.record = rec;
    let redirect: string | null = null;
    let sawAll = false;
    for (const term of rec.split(/\s+/).slice(1)) {
      if (res.problem) return;
      const m = /^([+\-~?]?)([a-z0-9]+)([:/=].*)?$/i.exec(term);
      if (!m) {
        res.problem = `the SPF record of ${d} has a term receivers cannot read ("${quoteInput(term, 40)}")`;
        return;
      }
      const q = m[1] || '+';
      const mech = m[2]!.toLowerCase();
      const rest = m[3] ?? '';
      const arg = rest.startsWith(':') ? rest.slice(1) : '';
      if (rest.startsWith('=')) {
        if (mech === 'redirect') redirect = rest.slice(1).toLowerCase();
        continue; // exp= and unknown modifiers are ignored (RFC 7208 §6)
      }
      const macro = arg.includes('%');
      switch (mech) {
        case 'all':
          sawAll = true;
          if (top) res.all = q;
          break;
        case 'include': {
          if (!count()) return;
          const target = arg.toLowerCase().replace(/\.$/, '');
          if (!target) {
            res.problem = `the SPF record of ${d} has an include without a domain`;
            return;
          }
          if (macro) break;
          if (q === '+') res.includes.add(target);
          await walk(target, false);
          break;
        }
        case 'a':
        case 'mx': {
          if (!count()) return;
          // a[:domain][/cidr4][//cidr6]
          const slash = rest.indexOf('/');
          const host = (
            (rest.startsWith(':') ? rest.slice(1, slash < 0 ? undefined : slash) : '') || d
          ).toLowerCase();
          const cm = slash < 0 ? null : /^\/(\d{1,2})?(?:\/\/(\d{1,3}))?$/.exec(rest.slice(slash));
          const cidr4 = Math.min(32, Number(cm?.[1] ?? 32));
          const cidr6 = Math.min(128, Number(cm?.[2] ?? 128));
          if (macro || q !== '+') break;
          if (mech === 'a') await addAddrs(host, cidr4, cidr6);
          else {
            const mx = await log.get(host, 'MX');
            for (const x of mx.answer.slice(0, 10)) await addAddrs(x.toLowerCase(), cidr4, cidr6);
          }
          break;
        }
        case 'ptr':
        case 'exists':
          if (!count()) return;
          break;
        case 'ip4':
        case 'ip6': {
          const [addr, len] = rest.slice(1).split('/');
          const v = mech === 'ip4' ? 4 : 6;
          if (isIP(addr ?? '') !== v) {
            res.problem = `the SPF record of ${d} has an address receivers cannot read ("${quoteInput(term, 40)}")`;
            return;
          }
          if (q === '+')
            res.allow.addSubnet(addr!, Number(len ?? (v === 4 ? 32 : 128)), v === 4 ? 'ipv4' : 'ipv6');
          break;
        }
        default:
          res.problem = `the SPF record of ${d} has a term receivers cannot read ("${quoteInput(term, 40)}")`;
          return;
      }
    }
    if (redirect && !sawAll) {
      if (!count()) return;
      res.includes.add(redirect);
      await walk(redirect, false);
    }
    visiting.delete(d);
  };
  await walk(domain, true);
  return res;
}

// ---- DKIM -------------------------------------------------------------------------------------

interface DkimResult {
  selector: string | null;
  bits: number | null;
  problem: string | null;
}

/** Bits of a DKIM p= key (RSA modulus length; Ed25519 counts as strong), or null if unreadable. */
export function dkimKeyBits(record: string): { bits: number | null; problem: string | null } {
  const tags = parseTags(record);
  if (tags.v !== undefined && tags.v !== 'DKIM1')
    return { bits: null, problem: 'the record is not a DKIM key (v= is not DKIM1)' };
  const p = (tags.p ?? '').replace(/\s+/g, '');
  if (tags.p === undefined) return { bits: null, problem: 'the record has no key (no p= tag)' };
  if (p === '') return { bits: null, problem: 'the key has been revoked (p= is empty)' };
  if (!/^[A-Za-z0-9+/]+=*$/.test(p))
    return { bits: null, problem: 'the key is not readable (p= is not base64)' };
  const der = Buffer.from(p, 'base64');
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const k = createPublicKey({ key: der, format: 'der', type });
      if (k.asymmetricKeyType === 'ed25519') return { bits: 256, problem: null };
      const bits = k.asymmetricKeyDetails?.modulusLength;
      if (bits) return { bits, problem: null };
    } catch {
      /* try the next encoding */
    }
  }
  return { bits: null, problem: 'the key is not readable (p= is not a public key)' };
}

function parseTags(record: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of record.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim().toLowerCase();
    if (k && !(k in out)) out[k] = part.slice(i + 1).trim();
  }
  return out;
}

async function checkDkim(log: FactLog, domain: string, selectors: string[]): Promise<DkimResult> {
  if (selectors.length === 0) {
    return {
      selector: null,
      bits: null,
      problem: 'no DKIM selector is known for this provider: name the one it signs with (--selector)',
    };
  }
  let firstProblem: DkimResult | null = null;
  for (const s of selectors) {
    const f = await log.get(`${s}._domainkey.${domain}`, 'TXT');
    if (f.status === 'error') return { selector: s, bits: null, problem: 'could not be looked up' };
    const rec = f.answer.find((t) => /(^|;)\s*p\s*=/i.test(t));
    if (!rec) {
      firstProblem ??= {
        selector: s,
        bits: null,
        problem: `no DKIM key is published at ${s}._domainkey.${domain}`,
      };
      continue;
    }
    const { bits, problem } = dkimKeyBits(rec);
    if (problem) {
      firstProblem ??= {
        selector: s,
        bits,
        problem: `the DKIM key at ${s}._domainkey.${domain}: ${problem}`,
      };
      continue;
    }
    if (bits! < MIN_DKIM_BITS) {
      firstProblem ??= {
        selector: s,
        bits,
        problem: `the DKIM key at ${s}._domainkey.${domain} is only ${bits} bits; receivers ignore keys under ${MIN_DKIM_BITS} bits`,
      };
      continue;
    }
    return { selector: s, bits, problem: null };
  }
  return firstProblem!;
}

// ---- DMARC ------------------------------------------------------------------------------------

interface DmarcResult {
  record: string | null;
  policy: 'none' | 'quarantine' | 'reject' | null;
  pct: number;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
}

async function checkDmarc(log: FactLog, domain: string, org: string): Promise<DmarcResult> {
  const none: DmarcResult = { record: null, policy: null, pct: 100, adkim: 'r', aspf: 'r' };
  for (const d of domain === org ? [domain] : [domain, org]) {
    const f = await log.get(`_dmarc.${d}`, 'TXT');
    if (f.status === 'error') return none;
    const recs = f.answer.filter((t) => /^v\s*=\s*DMARC1\s*(;|$)/.test(t.trim()));
    if (recs.length !== 1) continue; // none, or several (RFC 7489 §6.6.3: then there is no policy)
    const tags = parseTags(recs[0]!);
    const p = (d === domain ? tags.p : (tags.sp ?? tags.p))?.toLowerCase();
    if (p !== 'none' && p !== 'quarantine' && p !== 'reject') continue;
    const pct = Number.parseInt(tags.pct ?? '100', 10);
    return {
      record: recs[0]!,
      policy: p,
      pct: Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : 100,
      adkim: tags.adkim?.toLowerCase() === 's' ? 's' : 'r',
      aspf: tags.aspf?.toLowerCase() === 's' ? 's' : 'r',
    };
  }
  return none;
}

// ---- Verdict ----------------------------------------------------------------------------------

export interface AuthTarget {
  provider: ProviderRow;
  domain: string;
  selectors?: string[];
  mailFrom?: string;
}

function providerAuthOptions(engine: Engine, p: ProviderRow): { selectors?: string[]; mailFrom?: string } {
  const v = engine.repos.settings.get<{ selectors?: unknown; mailFrom?: unknown }>(`auth.provider.${p.id}`);
  return {
    ...(Array.isArray(v?.selectors)
      ? { selectors: v.selectors.filter((s): s is string => typeof s === 'string') }
      : {}),
    ...(typeof v?.mailFrom === 'string' ? { mailFrom: v.mailFrom } : {}),
  };
}

// eslint-disable-next-line max-lines-per-function -- the checks in the order a person fixes them (SPF, DKIM, DMARC, alignment), sharing one fact log
export async function evaluate(lookup: Lookup, t: AuthTarget): Promise<AuthCheck> {
  const log = new FactLog(lookup);
  const { provider, domain } = t;
  const needs = authNeedsOf(provider.preset);
  const label = provider.preset && PRESETS[provider.preset] ? PRESETS[provider.preset]!.label : 'this server';
  const org = orgDomain(domain);
  const reasons: string[] = [];
  const records: DnsRecord[] = [];

  // Whose domain SPF checks: the From domain, a custom MAIL FROM subdomain, or the provider's own.
  const envDomain =
    needs.envelope === 'from' ? domain : needs.envelope === 'custom' ? (t.mailFrom ?? null) : null;

  // SPF
  const custom = !provider.preset || provider.preset === 'custom' || needs.spf.length === 0;
  const hostIps: string[] = [];
  if (custom) {
    const host = smtpConfigOf(provider).host;
    if (isIP(host)) hostIps.push(host);
    else if (host)
      for (const rr of ['A', 'AAAA'] as const)
        hostIps.push(...(await log.get(host.toLowerCase(), rr)).answer);
  }
  const spf = envDomain ? await walkSpf(log, envDomain) : null;
  let authorises = false;
  if (spf && !spf.problem) {
    authorises = custom
      ? hostIps.some((ip) => spf.allow.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4'))
      : needs.spf.some((i) => spf.includes.has(i));
  }
  const dmarc = await checkDmarc(log, domain, org);
  const spfAligned = authorises && envDomain !== null && aligned(envDomain, domain, dmarc.aspf);
  const spfMech = custom
    ? hostIps.map((ip) => `${isIP(ip) === 6 ? 'ip6' : 'ip4'}:${ip}`).join(' ')
    : `include:${needs.spf[0]}`;
  const spfValue = (rec: string | null): string => {
    if (!rec) return `v=spf1 ${spfMech || 'a'} ~all`;
    const terms = rec.split(/\s+/);
    const allAt = terms.findIndex((x) => /^[+\-~?]?all$/i.test(x));
    if (allAt < 0) return `${rec} ${spfMech}`;
    return [...terms.slice(0, allAt), spfMech, ...terms.slice(allAt)].join(' ');
  };
  let spfProblem: string | null = null;
  if (envDomain === null) {
    spfProblem =
      needs.envelope === 'custom'
        ? `${label} uses its own bounce domain unless you set up a custom MAIL FROM, so SPF cannot align with ${domain}`
        : `${label} uses its own bounce domain, so SPF cannot align with ${domain}`;
    if (needs.envelope === 'custom') {
      const sub = `${needs.envelopeLabel ?? 'bounce'}.${domain}`;
      records.push({
        name: sub,
        type: 'TXT',
        value: `v=spf1 include:${needs.spf[0]} ~all`,
        why: `SPF for a custom MAIL FROM domain ${sub} (set it up at the provider too: ${needs.dkim.how.split(' →')[0]}), so SPF aligns with ${domain}`,
      });
    }
  } else if (spf?.problem) {
    spfProblem = spf.problem;
  } else if (!authorises && !log.errors.length) {
    spfProblem = spf?.record
      ? `the SPF record of ${envDomain} does not authorise ${label}${custom && hostIps.length ? ` (${hostIps.join(', ')})` : ''}`
      : `${envDomain} has no SPF record`;
    records.push({
      name: envDomain,
      type: 'TXT',
      value: spfValue(spf?.record ?? null),
      why: spf?.record
        ? `replace the SPF record of ${envDomain} with this one (one SPF record only)`
        : `authorise ${label} to send for ${envDomain}`,
    });
  } else if (authorises && !spfAligned) {
    spfProblem = `SPF passes for ${envDomain}, but your DMARC record asks for strict alignment (aspf=s) and ${envDomain} is not exactly ${domain}`;
  }
  if (spfProblem) reasons.push(`SPF: ${spfProblem}.`);

  // DKIM (the provider signs as the From domain once it is set up, so a good key aligns)
  const selectors = t.selectors?.length ? t.selectors : needs.dkim.selectors;
  const dkim = await checkDkim(log, domain, selectors);
  const dkimAligned = dkim.problem === null;
  if (dkim.problem && dkim.problem !== 'could not be looked up') {
    reasons.push(`DKIM: ${dkim.problem}.`);
    const sel = dkim.selector ?? 'SELECTOR';
    records.push(
      needs.dkim.cname
        ? {
            name: `${sel}._domainkey.${domain}`,
            type: 'CNAME',
            value: needs.dkim.cname(sel, domain),
            why: `publish ${label}'s DKIM key (copy the exact value from ${needs.dkim.how})`,
          }
        : {
            name: `${sel}._domainkey.${domain}`,
            type: 'TXT',
            value: 'v=DKIM1; k=rsa; p=<the 2048-bit public key from your provider>',
            why: `publish ${label}'s DKIM key (from ${needs.dkim.how})`,
          },
    );
  }

  // DMARC
  if (!dmarc.record && !log.errors.length) {
    reasons.push(
      `DMARC: ${domain} has no DMARC record; Gmail, Yahoo and Microsoft require one from bulk senders.`,
    );
    records.push({
      name: `_dmarc.${org}`,
      type: 'TXT',
      value: `v=DMARC1; p=none; rua=mailto:dmarc-reports@${org}`,
      why: 'publish a DMARC policy (start with p=none and tighten once reports show all mail aligned)',
    });
  }

  const passes = spfAligned || dkimAligned;
  const enforced = dmarc.policy === 'reject' || (dmarc.policy === 'quarantine' && dmarc.pct > 0);
  let verdict: AuthVerdict;
  let headline: string;
  let loud = false;
  if (log.errors.length) {
    verdict = 'unknown';
    headline = `Could not check ${provider.name} for ${domain}: the DNS did not answer (${log.errors[0]}). This is not a pass: check again when the DNS server is reachable.`;
  } else if (!passes && enforced) {
    verdict = 'rejected';
    headline =
      dmarc.policy === 'reject'
        ? `Will be rejected: mail from ${domain} through ${provider.name} fails DMARC, and ${domain}'s policy tells receivers to refuse it.`
        : `Will be rejected: mail from ${domain} through ${provider.name} fails DMARC, and ${domain}'s policy sends it to spam.`;
  } else if (!passes) {
    verdict = 'at_risk';
    loud = true;
    headline = `WARNING: mail from ${domain} through ${provider.name} fails DMARC alignment. Sends will look accepted, but Gmail and Microsoft refuse or spam-folder unaligned bulk mail (5.7.26, 5.7.515): add the records below before you rely on this backup.`;
  } else if (reasons.length) {
    verdict = 'at_risk';
    headline = `At risk: mail from ${domain} through ${provider.name} passes DMARC, but ${reasons.length === 1 ? 'one thing is' : `${reasons.length} things are`} missing that Gmail and Microsoft require of bulk senders.`;
  } else {
    verdict = 'ready';
    headline = `Ready: mail from ${domain} through ${provider.name} passes SPF, DKIM and DMARC.`;
  }
  if (verdict === 'unknown') {
    reasons.splice(0, reasons.length, ...log.errors.slice(0, 5).map((e) => `DNS lookup failed: ${e}.`));
    records.splice(0);
  }

  return {
    provider: provider.name,
    providerId: provider.id,
    preset: provider.preset,
    domain,
    verdict,
    headline,
    loud,
    reasons,
    records,
    spf: {
      domain: envDomain,
      record: spf?.record ?? null,
      authorises,
      aligned: spfAligned,
      lookups: spf?.lookups ?? 0,
      problem: spfProblem,
    },
    dkim: { selector: dkim.selector, bits: dkim.bits, aligned: dkimAligned, problem: dkim.problem },
    dmarc: { ...dmarc, orgDomain: org },
    checkedAt: log.oldest,
  };
}

/** The From domains in use: every campaign's From address. */
export function fromDomainsInUse(engine: Engine): string[] {
  const out = new Set<string>();
  for (const c of engine.repos.campaigns.all(1000)) {
    try {
      out.add(parseDomain(c.fromEmail));
    } catch {
      /* a campaign without a usable From address has nothing to check */
    }
  }
  return [...out].sort();
}

export interface CheckOptions extends AuthCheckRequest {
  /** The DNS server to ask (host or host:port); else UNDERSTUDY_DNS_SERVER, else the setting. */
  dnsServer?: string;
}

/**
 * The engine function behind `checkAuthentication` and `understudy auth check`: asks the DNS (unless
 * `refresh: false`), stores every answer, then computes each verdict from the stored facts and keeps
 * the verdict for the readiness view.
 */
export async function checkAuthentication(engine: Engine, opts: CheckOptions = {}): Promise<AuthCheck[]> {
  const q = parseInput(AuthCheckRequestSchema, opts);
  let providers = engine.repos.providers.all('smtp');
  if (q.provider !== undefined) {
    const p = providers.find((x) => x.name === q.provider);
    if (!p) {
      throw userError(`There is no SMTP provider named "${quoteInput(q.provider)}".`, {
        code: 'provider_not_found',
        safe: 'Nothing was looked up and nothing was changed.',
        next: providers.length
          ? `Known providers: ${providers.map((x) => `"${x.name}"`).join(', ')}.`
          : 'Add a backup provider first.',
      });
    }
    providers = [p];
  }
  const domains = q.from !== undefined ? [parseDomain(q.from)] : fromDomainsInUse(engine);
  const selectors = q.selector?.map((s) => {
    const v = s.trim().toLowerCase();
    if (!/^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*$/.test(v))
      throw userError(`"${quoteInput(s)}" is not a DKIM selector.`, {
        code: 'bad_selector',
        safe: 'Nothing was looked up and nothing was changed.',
        next: 'A selector is the label before ._domainkey, for example s1 or google.',
      });
    return v;
  });
  const mailFrom = q.mailFrom !== undefined ? parseDomain(q.mailFrom, 'MAIL FROM domain') : undefined;
  if (providers.length === 0) {
    throw userError('There is no backup provider to check.', {
      code: 'no_provider',
      safe: 'Nothing was looked up.',
      next: 'Add one with `understudy providers add smtp --preset NAME ...`.',
      appNext: 'Add a backup account on the Providers screen first.',
    });
  }
  if (domains.length === 0) {
    throw userError('There is no From domain to check.', {
      code: 'no_from_domain',
      safe: 'Nothing was looked up.',
      next: 'Name one with --from example.com, or add a campaign with its From address.',
      appNext: 'Add a campaign with its From address first: its domain is the one checked.',
    });
  }
  const lookup = q.refresh ? liveLookup(engine, dnsServer(engine, opts.dnsServer)) : storedLookup(engine);
  const out: AuthCheck[] = [];
  for (const p of providers) {
    const saved = providerAuthOptions(engine, p);
    for (const domain of domains) {
      const target: AuthTarget = {
        provider: p,
        domain,
        ...((selectors ?? saved.selectors) ? { selectors: selectors ?? saved.selectors } : {}),
        ...((mailFrom ?? saved.mailFrom) ? { mailFrom: mailFrom ?? saved.mailFrom } : {}),
      };
      if (q.refresh) await evaluate(lookup, target); // fetch and store every fact first
      const result = await evaluate(storedLookup(engine), target); // the verdict rests on stored facts
      engine.repos.dnsAuth.putVerdict({
        providerId: p.id,
        domain,
        verdict: result.verdict,
        detail: result,
        checkedAt: engine.now(),
      });
      out.push(result);
    }
  }
  return out;
}

/**
 * The verdicts the stored DNS facts give today, for each SMTP provider and From domain in use, without
 * asking the DNS and without writing anything: what the readiness view shows (a name never looked up
 * is "could not check"). The same evaluation as `checkAuthentication`, so both always agree.
 */
export async function storedAuthentication(
  engine: Engine,
  domains = fromDomainsInUse(engine),
): Promise<AuthCheck[]> {
  const lookup = storedLookup(engine);
  const out: AuthCheck[] = [];
  for (const p of engine.repos.providers.all('smtp')) {
    const saved = providerAuthOptions(engine, p);
    for (const domain of domains) out.push(await evaluate(lookup, { provider: p, domain, ...saved }));
  }
  return out;
}

/**
 * Keeps what the check needs to know about a provider that DNS cannot tell: the DKIM selector(s) it
 * signs with and its custom MAIL FROM domain; and the DNS server to ask. Validated before anything is
 * written.
 */
export function configureAuthentication(
  engine: Engine,
  o: { provider?: string; selector?: string[]; mailFrom?: string; dnsServer?: string },
): {
  provider: string | null;
  selectors: string[] | null;
  mailFrom: string | null;
  dnsServer: string | null;
} {
  let p: ProviderRow | undefined;
  if (o.provider !== undefined) {
    p = engine.repos.providers.all('smtp').find((x) => x.name === o.provider);
    if (!p)
      throw userError(`There is no SMTP provider named "${quoteInput(o.provider)}".`, {
        code: 'provider_not_found',
        safe: 'Nothing was changed.',
      });
  } else if (o.selector !== undefined || o.mailFrom !== undefined) {
    throw userError('A DKIM selector or MAIL FROM domain belongs to one provider.', {
      code: 'provider_required',
      safe: 'Nothing was changed.',
      next: 'Name it with --provider NAME.',
    });
  }
  const selectors = o.selector?.map((s) => {
    const v = s.trim().toLowerCase();
    if (!/^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*$/.test(v))
      throw userError(`"${quoteInput(s)}" is not a DKIM selector.`, {
        code: 'bad_selector',
        safe: 'Nothing was changed.',
        next: 'A selector is the label before ._domainkey, for example s1 or google.',
      });
    return v;
  });
  const mailFrom = o.mailFrom !== undefined ? parseDomain(o.mailFrom, 'MAIL FROM domain') : undefined;
  let server: string | undefined;
  if (o.dnsServer !== undefined) {
    server = o.dnsServer.trim();
    try {
      new dnsp.Resolver().setServers([server]);
    } catch {
      throw userError(`"${quoteInput(o.dnsServer)}" is not a DNS server address.`, {
        code: 'bad_dns_server',
        safe: 'Nothing was changed.',
        next: 'Give an address such as 127.0.0.1 or 127.0.0.1:5353.',
      });
    }
  }
  engine.db.transaction(() => {
    if (p && (selectors || mailFrom)) {
      const cur = providerAuthOptions(engine, p);
      engine.repos.settings.set(
        `auth.provider.${p.id}`,
        { ...cur, ...(selectors ? { selectors } : {}), ...(mailFrom ? { mailFrom } : {}) },
        engine.now(),
      );
    }
    if (server !== undefined) engine.repos.settings.set(DNS_SERVER_SETTING, server, engine.now());
  })();
  const saved = p ? providerAuthOptions(engine, p) : {};
  return {
    provider: p?.name ?? null,
    selectors: saved.selectors ?? null,
    mailFrom: saved.mailFrom ?? null,
    dnsServer: dnsServer(engine),
  };
}
