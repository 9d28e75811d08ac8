/**
 * Authentication readiness against a real DNS server on loopback (issue 16, §1): dnsmasq serves the
 * SPF, DKIM and DMARC records of a few From domains, and each backup provider gets its verdict —
 * ready, at risk, will be rejected, or could not check — with the reason and the record to add.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../helpers/engine';
import { dkimKey, startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq';
import { cli } from '../../helpers/cli';
import { addBackup } from '../../helpers/readiness';
import { freePort } from '../../helpers/smtp';
import { checkAuthentication } from '../../../electron/engine/sending/dnsAuth';
import type { Engine } from '../../../electron/engine/engine';

const strong = `v=DKIM1; k=rsa; p=${dkimKey(2048)}`;
const weak = `v=DKIM1; k=rsa; p=${dkimKey(512)}`;
const googleSpf = 'v=spf1 include:_spf.google.com -all';
const tooMany = `v=spf1 ${Array.from({ length: 10 }, (_, i) => `include:l${i}.test`).join(' ')} include:_spf.google.com -all`;

let dns: Dnsmasq;
beforeAll(async () => {
  dns = await startDnsmasq({
    txt: [
      ['_spf.google.com', 'v=spf1 ip4:192.0.2.0/24 ~all'],
      ['sendgrid.net', 'v=spf1 ip4:198.51.100.0/24 ~all'],
      ['other.test', 'v=spf1 ip4:203.0.113.9 -all'],
      ...Array.from({ length: 10 }, (_, i): [string, string] => [`l${i}.test`, 'v=spf1 -all']),
      // ready: aligned SPF, a 2048-bit key, p=reject
      ['ready.test', googleSpf],
      ['google._domainkey.ready.test', strong],
      ['_dmarc.ready.test', 'v=DMARC1; p=reject; rua=mailto:d@ready.test'],
      // SPF does not name Google, no DKIM: p=reject and p=none
      ['reject.test', 'v=spf1 include:other.test -all'],
      ['_dmarc.reject.test', 'v=DMARC1; p=reject'],
      ['none.test', 'v=spf1 include:other.test -all'],
      ['_dmarc.none.test', 'v=DMARC1; p=none'],
      // SPF fine, the DKIM selector missing
      ['nodkim.test', googleSpf],
      ['_dmarc.nodkim.test', 'v=DMARC1; p=reject'],
      // SPF fine, a 512-bit key
      ['weak.test', googleSpf],
      ['google._domainkey.weak.test', weak],
      ['_dmarc.weak.test', 'v=DMARC1; p=quarantine'],
      // all but DMARC
      ['nodmarc.test', googleSpf],
      ['google._domainkey.nodmarc.test', strong],
      // SendGrid with a custom MAIL FROM em.<domain>: relaxed aligns, strict does not
      ['em.strict.test', 'v=spf1 include:sendgrid.net ~all'],
      ['_dmarc.strict.test', 'v=DMARC1; p=reject; aspf=s'],
      ['em.relaxed.test', 'v=spf1 include:sendgrid.net ~all'],
      ['_dmarc.relaxed.test', 'v=DMARC1; p=reject'],
      // 11 DNS-querying terms
      ['toomany.test', tooMany],
      ['_dmarc.toomany.test', 'v=DMARC1; p=reject'],
      // a custom SMTP server, authorised by address
      ['own.test', 'v=spf1 ip4:192.0.2.8/29 -all'],
      ['dk._domainkey.own.test', strong],
      ['_dmarc.own.test', 'v=DMARC1; p=reject'],
      ['wrongip.test', 'v=spf1 ip4:203.0.113.0/24 -all'],
      ['_dmarc.wrongip.test', 'v=DMARC1; p=reject'],
    ],
    cname: [['selector1._domainkey.ms.test', 'selector1-ms-test._domainkey.tenant.test']],
    a: [['mail.own.test', '192.0.2.10']],
  });
});
afterAll(() => dns?.stop());

function setup(): { engine: Engine; dbPath: string } {
  const { engine, dbPath } = testEngine();
  addBackup(engine, 'workspace', 'google-workspace', 'smtp.gmail.com', 1);
  addBackup(engine, 'sendgrid', 'sendgrid', 'smtp.sendgrid.net', 2);
  addBackup(engine, 'own', 'custom', 'mail.own.test', 3);
  return { engine, dbPath };
}

async function one(engine: Engine, provider: string, from: string, extra: Record<string, unknown> = {}) {
  const [r] = await checkAuthentication(engine, { provider, from, dnsServer: dns.server, ...extra });
  return r!;
}

describe('auth check against dnsmasq on loopback', () => {
  it('aligned SPF, a 2048-bit DKIM key and p=reject: ready', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'news@ready.test');
    expect(r.verdict).toBe('ready');
    expect(r.spf).toMatchObject({ authorises: true, aligned: true, domain: 'ready.test' });
    expect(r.dkim).toMatchObject({ selector: 'google', bits: 2048, aligned: true });
    expect(r.dmarc.policy).toBe('reject');
    expect(r.records).toEqual([]);
    expect(r.checkedAt! <= engine.now()).toBe(true); // the time of the stored facts it rests on
  });

  it('SPF without the provider and no DKIM under p=reject: will be rejected, with the SPF record to add', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'reject.test');
    expect(r.verdict).toBe('rejected');
    expect(r.headline).toMatch(/refuse/);
    expect(r.reasons.join(' ')).toMatch(/does not authorise Google Workspace/);
    expect(r.records).toContainEqual(
      expect.objectContaining({
        name: 'reject.test',
        type: 'TXT',
        value: 'v=spf1 include:other.test include:_spf.google.com -all',
      }),
    );
  });

  it('the same under p=none: at risk, said loudly (it would look accepted)', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'none.test');
    expect(r.verdict).toBe('at_risk');
    expect(r.loud).toBe(true);
    expect(r.headline).toMatch(/^WARNING: .*look accepted/);
  });

  it('DKIM selector missing: at risk, with the key record to publish', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'nodkim.test');
    expect(r.verdict).toBe('at_risk');
    expect(r.loud).toBe(false);
    expect(r.dkim).toMatchObject({ aligned: false, bits: null });
    expect(r.reasons.join(' ')).toMatch(/no DKIM key is published at google\._domainkey\.nodkim\.test/);
    expect(r.records.map((x) => `${x.type} ${x.name}`)).toEqual(['TXT google._domainkey.nodkim.test']);
  });

  it('a 512-bit DKIM key does not count', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'weak.test');
    expect(r.verdict).toBe('at_risk');
    expect(r.dkim).toMatchObject({ bits: 512, aligned: false });
    expect(r.reasons.join(' ')).toMatch(/only 512 bits/);
  });

  it('no DMARC record: at risk, with the _dmarc record to add', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'nodmarc.test');
    expect(r.verdict).toBe('at_risk');
    expect(r.dmarc.policy).toBeNull();
    expect(r.records).toContainEqual(expect.objectContaining({ name: '_dmarc.nodmarc.test', type: 'TXT' }));
  });

  it('strict SPF alignment fails for a MAIL FROM subdomain; relaxed passes', async () => {
    const { engine } = setup();
    const strict = await one(engine, 'sendgrid', 'strict.test', { mailFrom: 'em.strict.test' });
    expect(strict.spf).toMatchObject({ authorises: true, aligned: false });
    expect(strict.verdict).toBe('rejected');
    expect(strict.reasons.join(' ')).toMatch(/strict alignment/);
    const relaxed = await one(engine, 'sendgrid', 'relaxed.test', { mailFrom: 'em.relaxed.test' });
    expect(relaxed.spf).toMatchObject({ authorises: true, aligned: true });
    expect(relaxed.verdict).toBe('at_risk'); // DKIM s1/s2 not published
  });

  it('SendGrid without a custom MAIL FROM cannot align SPF', async () => {
    const { engine } = setup();
    const r = await one(engine, 'sendgrid', 'relaxed.test');
    expect(r.spf.aligned).toBe(false);
    expect(r.verdict).toBe('rejected');
    expect(r.records).toContainEqual(expect.objectContaining({ name: 'em.relaxed.test', type: 'TXT' }));
  });

  it('an SPF record needing more than 10 lookups fails for everyone', async () => {
    const { engine } = setup();
    const r = await one(engine, 'workspace', 'toomany.test');
    expect(r.spf.lookups).toBe(11);
    expect(r.spf.authorises).toBe(false);
    expect(r.spf.problem).toMatch(/more than 10 DNS lookups/);
    expect(r.verdict).toBe('rejected');
  });

  it("a custom server is judged by its host's addresses and a named selector", async () => {
    const { engine } = setup();
    const ok = await one(engine, 'own', 'own.test', { selector: ['dk'] });
    expect(ok.verdict).toBe('ready');
    const bad = await one(engine, 'own', 'wrongip.test');
    expect(bad.spf.authorises).toBe(false);
    expect(bad.records).toContainEqual(
      expect.objectContaining({
        name: 'wrongip.test',
        value: 'v=spf1 ip4:203.0.113.0/24 ip4:192.0.2.10 -all',
      }),
    );
    expect(bad.verdict).toBe('rejected');
  });

  it('DNS server down: could not check, never ready', async () => {
    const { engine } = setup();
    const closed = `127.0.0.1:${await freePort()}`;
    const [r] = await checkAuthentication(engine, {
      provider: 'workspace',
      from: 'ready.test',
      dnsServer: closed,
    });
    expect(r!.verdict).toBe('unknown');
    expect(r!.headline).toMatch(/Could not check/);
    expect(r!.records).toEqual([]);
  });

  it('verdicts rest on stored facts: --stored recomputes them without the DNS; never-checked is unknown', async () => {
    const { engine } = setup();
    await one(engine, 'workspace', 'ready.test');
    const stored = await checkAuthentication(engine, {
      provider: 'workspace',
      from: 'ready.test',
      refresh: false,
    });
    expect(stored[0]!.verdict).toBe('ready');
    const never = await checkAuthentication(engine, {
      provider: 'workspace',
      from: 'nodmarc.test',
      refresh: false,
    });
    expect(never[0]!.verdict).toBe('unknown');
    expect(engine.repos.dnsAuth.fact('_dmarc.ready.test', 'TXT')).toMatchObject({
      status: 'ok',
      server: dns.server,
    });
    expect(engine.repos.dnsAuth.verdicts().map((v) => `${v.domain} ${v.verdict}`)).toEqual([
      'nodmarc.test unknown',
      'ready.test ready',
    ]);
  });

  it('CLI: `understudy auth check` prints each verdict and the record to add; --json is the same data', async () => {
    const { dbPath } = setup();
    const env = { UNDERSTUDY_DNS_SERVER: dns.server };
    const human = await cli(
      ['auth', 'check', '--db', dbPath, '--provider', 'workspace', '--from', 'reject.test'],
      env,
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/workspace × reject\.test: WILL BE REJECTED/);
    expect(human.stdout).toContain(
      'reject.test  TXT  "v=spf1 include:other.test include:_spf.google.com -all"',
    );
    const json = await cli(['auth', 'check', '--db', dbPath, '--from', 'ready.test', '--json'], env);
    expect(json.code).toBe(0);
    const rows = json.json() as { provider: string; verdict: string }[];
    // own: its address is inside Google's range in this zone, but no DKIM selector is known for it
    expect(rows.map((x) => `${x.provider} ${x.verdict}`)).toEqual([
      'workspace ready',
      'sendgrid rejected',
      'own at_risk',
    ]);
  });
});
