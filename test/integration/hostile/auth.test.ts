/**
 * Hostile input to `understudy auth check|configure` (issue 16, §1): bad domains, selectors and DNS
 * server addresses are refused with exit 1 and nothing changed; garbage, huge and looping DNS records
 * (served by a real dnsmasq on loopback) give a clean "not ready" verdict — never "ready", never a
 * crash — and change nothing but the stored DNS facts and verdicts the check exists to keep.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { expectCleanMessage, expectUnchanged, snapshot, type Snapshot } from '../../helpers/hostile';
import { dkimKey, startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq';
import { Engine } from '../../../electron/engine/engine';

const big = 'x'.repeat(100_000);
const strong = `v=DKIM1; k=rsa; p=${dkimKey(1024)}`;
const hugeSpf = `v=spf1 ${Array.from({ length: 50 }, (_, i) => `ip4:10.${i}.0.0/16`).join(' ')} -all`;

interface Case {
  name: string;
  args: string[];
  code: number;
  /** Words the message (stderr for refusals, the verdict's reasons for DNS cases) must contain. */
  words: string[];
  /** For DNS cases: the verdict that must come back (never "ready"). */
  verdict?: string;
}

const refused: Case[] = [
  {
    name: 'a From that is not a domain',
    args: ['check', '--from', 'not a domain'],
    code: 1,
    words: ['is not a domain name', 'example.com'],
  },
  {
    name: 'a From with empty labels',
    args: ['check', '--from', 'news@a..b'],
    code: 1,
    words: ['is not a domain name'],
  },
  {
    name: 'a From that is an IP address',
    args: ['check', '--from', '192.0.2.1'],
    code: 1,
    words: ['is not a domain name'],
  },
  {
    name: 'a From with a NUL byte',
    args: ['check', '--from', 'evil\u0000.test'],
    code: 1,
    words: ['is not a domain name'],
  },
  { name: 'a 100,000-character From', args: ['check', '--from', `${big}.test`], code: 1, words: ['from'] },
  { name: 'an empty From', args: ['check', '--from', ''], code: 1, words: ['is not a domain name'] },
  {
    name: 'an unknown provider',
    args: ['check', '--provider', 'nobody', '--from', 'a.test'],
    code: 1,
    words: ['no smtp provider named "nobody"', 'known providers'],
  },
  {
    name: 'a selector with spaces',
    args: ['check', '--from', 'a.test', '--selector', 'bad selector!'],
    code: 1,
    words: ['is not a dkim selector', '._domainkey'],
  },
  {
    name: 'a DNS server that is not an address',
    args: ['check', '--from', 'a.test', '--dns-server', 'dns.example.com'],
    code: 1,
    words: ['is not a dns server address'],
  },
  {
    name: 'a MAIL FROM that is not a domain',
    args: ['check', '--from', 'a.test', '--mail-from', '@@'],
    code: 1,
    words: ['is not a domain name', 'mail from'],
  },
  {
    name: 'configure: a selector without a provider',
    args: ['configure', '--selector', 's1'],
    code: 1,
    words: ['belongs to one provider', '--provider'],
  },
  {
    name: 'configure: a bad DNS server',
    args: ['configure', '--dns-server', 'not an address'],
    code: 1,
    words: ['is not a dns server address', 'nothing was changed'],
  },
  {
    name: 'configure: an unknown provider',
    args: ['configure', '--provider', 'nobody', '--selector', 's1'],
    code: 1,
    words: ['no smtp provider named "nobody"'],
  },
];

const dnsCases: Case[] = [
  {
    name: 'an SPF record of garbage',
    args: ['--from', 'garbage.test'],
    code: 0,
    words: ['cannot read'],
    verdict: 'rejected',
  },
  {
    name: 'an SPF record that includes itself',
    args: ['--from', 'loop.test'],
    code: 0,
    words: ['loop'],
    verdict: 'rejected',
  },
  {
    name: 'two SPF records including each other',
    args: ['--from', 'ping.test'],
    code: 0,
    words: ['loop'],
    verdict: 'rejected',
  },
  {
    name: 'a huge SPF record (50 terms in 4 strings, as long as dnsmasq takes)',
    args: ['--from', 'huge.test'],
    code: 0,
    words: ['does not authorise'],
    verdict: 'rejected',
  },
  {
    name: 'two SPF records at once',
    args: ['--from', 'twice.test'],
    code: 0,
    words: ['2 spf records'],
    verdict: 'rejected',
  },
  {
    name: 'a DKIM key that is not base64',
    args: ['--from', 'badkey.test'],
    code: 0,
    words: ['not base64'],
    verdict: 'at_risk',
  },
  {
    name: 'a DKIM key of random bytes',
    args: ['--from', 'junkkey.test'],
    code: 0,
    words: ['not a public key'],
    verdict: 'at_risk',
  },
  {
    name: 'a DMARC policy of nonsense (p=banana)',
    args: ['--from', 'banana.test'],
    code: 0,
    words: ['no dmarc record'],
    verdict: 'at_risk',
  },
  {
    name: 'a TXT record of control characters',
    args: ['--from', 'ctrl.test'],
    code: 0,
    words: ['no spf record'],
    verdict: 'rejected',
  },
];

let dns: Dnsmasq;
let dir: string;
let dbPath: string;

beforeAll(async () => {
  dns = await startDnsmasq({
    txt: [
      ['_spf.google.com', 'v=spf1 ip4:192.0.2.0/24 ~all'],
      ['garbage.test', 'v=spf1 include:_spf.google.com @@@ %%% -all'],
      ['_dmarc.garbage.test', 'v=DMARC1; p=reject'],
      ['loop.test', 'v=spf1 include:loop.test include:_spf.google.com -all'],
      ['_dmarc.loop.test', 'v=DMARC1; p=reject'],
      ['ping.test', 'v=spf1 include:pong.test include:_spf.google.com -all'],
      ['pong.test', 'v=spf1 include:ping.test -all'],
      ['_dmarc.ping.test', 'v=DMARC1; p=reject'],
      ['huge.test', hugeSpf],
      ['_dmarc.huge.test', 'v=DMARC1; p=reject'],
      ['twice.test', 'v=spf1 include:_spf.google.com -all'],
      ['twice.test', 'v=spf1 -all'],
      ['_dmarc.twice.test', 'v=DMARC1; p=reject'],
      ['badkey.test', 'v=spf1 include:_spf.google.com -all'],
      ['google._domainkey.badkey.test', 'v=DKIM1; k=rsa; p=!!!not*base64!!!'],
      ['_dmarc.badkey.test', 'v=DMARC1; p=reject'],
      ['junkkey.test', 'v=spf1 include:_spf.google.com -all'],
      [
        'google._domainkey.junkkey.test',
        `v=DKIM1; k=rsa; p=${Buffer.from('hello, not a key').toString('base64')}`,
      ],
      ['_dmarc.junkkey.test', 'v=DMARC1; p=reject'],
      ['banana.test', 'v=spf1 include:_spf.google.com -all'],
      ['google._domainkey.banana.test', strong],
      ['_dmarc.banana.test', 'v=DMARC1; p=banana'],
      ['ctrl.test', '\u0001\u0002\u001b[31m'],
      ['_dmarc.ctrl.test', 'v=DMARC1; p=reject'],
    ],
  });
  dir = tempDir();
  dbPath = join(dir, 'understudy.sqlite');
  const engine = Engine.open({ dbPath });
  engine.repos.providers.create(
    {
      name: 'workspace',
      kind: 'smtp',
      type: 'smtp',
      config: { host: 'smtp.gmail.com', port: 587 },
      secretRef: null,
      preset: 'google-workspace',
      priority: 1,
      weight: 1,
      caps: { perSecond: null, perMinute: null, perHour: null, perDay: null },
      maxConnections: 1,
    },
    engine.now(),
  );
  await engine.close();
});
afterAll(() => dns?.stop());

/** The stored facts and verdicts are what a check is for; everything else must stay as it was. */
function withoutFacts(s: Snapshot): Snapshot {
  const counts = { ...s.counts };
  delete counts.dns_facts;
  delete counts.auth_verdicts;
  return { ...s, counts };
}

describe('hostile input to `understudy auth`', () => {
  it.each(refused)('refused: $name', async (c) => {
    const before = snapshot(dir, dbPath);
    const r = await cli(['auth', ...c.args, '--db', dbPath], { UNDERSTUDY_DNS_SERVER: dns.server });
    expect(r.code).toBe(c.code);
    for (const w of c.words) expect(r.stderr.toLowerCase()).toContain(w.toLowerCase());
    expectCleanMessage(r.stderr);
    expectUnchanged(before, snapshot(dir, dbPath));
  });

  it.each(dnsCases)('DNS: $name', async (c) => {
    const before = snapshot(dir, dbPath);
    const r = await cli(['auth', 'check', ...c.args, '--provider', 'workspace', '--db', dbPath, '--json'], {
      UNDERSTUDY_DNS_SERVER: dns.server,
    });
    expect(r.code, r.stderr).toBe(c.code);
    const [v] = r.json() as { verdict: string; headline: string; reasons: string[] }[];
    expect(v!.verdict).toBe(c.verdict);
    const text = [v!.headline, ...v!.reasons].join(' ');
    for (const w of c.words) expect(text.toLowerCase()).toContain(w.toLowerCase());
    expectCleanMessage(text, 2000);
    expectUnchanged(withoutFacts(before), withoutFacts(snapshot(dir, dbPath)));
  });
});
