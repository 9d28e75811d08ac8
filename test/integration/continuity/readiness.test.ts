/**
 * Issue 16's "Done when": the real `understudy readiness --json` for a setup with three backups — one
 * aligned and warm, one misaligned, one cold — against dnsmasq on loopback, with every part asserted:
 * authentication, last drill, warm-up, caps, carrying the largest upcoming campaign, mirror freshness,
 * mailbox, passwords, postal address and unsubscribe, a recent backup copy, the verdict and the next
 * thing to do. Nothing is faked but the clock's reading of "now" (the system's).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/tmp';
import { startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq';
import { cli } from '../../helpers/cli';
import { FROM_DOMAIN, passedDrill, readinessZone, threeBackups } from '../../helpers/readiness';
import type { Readiness } from '../../../electron/engine/api/readiness';

let dns: Dnsmasq;
beforeAll(async () => {
  dns = await startDnsmasq(readinessZone());
});
afterAll(() => dns?.stop());

async function readinessJson(dbPath: string, args: string[] = []): Promise<Readiness> {
  const r = await cli(['readiness', '--db', dbPath, '--json', ...args], {
    UNDERSTUDY_DNS_SERVER: dns.server,
    UNDERSTUDY_PASSPHRASE: '',
  });
  expect(r.code, r.stderr).toBe(0);
  return r.json() as Readiness;
}

describe('understudy readiness --json: three backups against a loopback DNS server', () => {
  it('reports each part for each backup, one verdict and the next thing to do', async () => {
    const { engine, dbPath } = testEngine();
    threeBackups(engine);
    const r = await readinessJson(dbPath, ['--check']);
    const by = (name: string) => r.backups.find((b) => b.provider === name)!;
    expect(r.fromDomains).toEqual([FROM_DOMAIN]);

    // Aligned and warm: ready in every part.
    const warm = by('Workspace');
    expect(warm.state).toBe('ok');
    expect(warm.auth).toMatchObject({ verdict: 'ready', state: 'ok' });
    expect(warm.auth.domains[0]!.records).toEqual([]);
    expect(warm.auth.checkedAt).not.toBeNull();
    expect(warm.drill).toMatchObject({
      result: 'passed',
      state: 'ok',
      auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none' },
    });
    expect(warm.warmup).toMatchObject({ state: 'warm', idleDays: 1, capPerHour: null });
    expect(warm.caps.perDay).toBe(10_000);
    expect(warm.capsWords).toBe('At most 10,000 a day.');
    expect(warm.carry).toMatchObject({
      campaign: 'Spring sale',
      remaining: 3000,
      deliverable: 3000,
      inTime: true,
      state: 'ok',
    });

    // Misaligned: will be rejected, said loudly, with the records to add.
    const bad = by('SendGrid');
    expect(bad.state).toBe('problem');
    expect(bad.auth.verdict).toBe('rejected');
    expect(bad.auth.state).toBe('problem');
    expect(bad.words).toMatch(/will be rejected/);
    expect(bad.auth.domains[0]!.records.map((x) => `${x.type} ${x.name}`)).toEqual([
      `TXT em.${FROM_DOMAIN}`,
      `CNAME s1._domainkey.${FROM_DOMAIN}`,
    ]);
    expect(bad.drill).toMatchObject({ result: null, state: 'warning' });

    // Cold: authentication fine, never sent, so its warm-up curve binds and a day is not enough.
    const cold = by('Workspace 2');
    expect(cold.auth.verdict).toBe('ready');
    expect(cold.warmup).toMatchObject({ state: 'cold', idleDays: null, capPerHour: 50, curveDay: 0 });
    expect(cold.warmup.words).toMatch(/^Cold \(it has never sent\)/);
    expect(cold.caps.perDay).toBe(2000);
    expect(cold.carry).toMatchObject({ inTime: false, state: 'warning', deliverable: 3000 });
    expect(cold.state).toBe('warning');

    // The setup around them.
    const check = (id: string) => r.checks.find((c) => c.id === id)!;
    expect(check('postal').state).toBe('ok');
    expect(check('mailbox').state).toBe('ok');
    expect(check('secrets')).toMatchObject({ state: 'ok', words: 'No saved password is needed yet.' });
    expect(check('mirror').state).toBe('ok');
    expect(check('backupCopy').state).toBe('ok');
    expect(r.checklist.map((c) => [c.id, c.done])).toEqual([
      ['list', true],
      ['backup', true],
      ['postal', true],
      ['mailbox', true],
      ['drill', true],
    ]);
    expect(r.largest).toMatchObject({ name: 'Spring sale', remaining: 3000 });
    expect(r.largest!.summary).toMatch(/^Backups can deliver all 3,000 by /);

    // One misaligned backup in the chain: part of every campaign would be rejected.
    expect(r.verdict).toBe('not_ready');
    expect(r.headline).toBe('Not ready: mail sent through “SendGrid” will be rejected.');
    expect(r.next).toMatchObject({ screen: 'readiness' });
    expect(r.next!.text).toMatch(/^Add the DNS records that let “SendGrid” send for shop\.test/);

    // Nothing in the words is a timestamp: those stay in the fields for the details toggle.
    const words = JSON.stringify([r.headline, r.next, r.backups.map((b) => [b.words, b.carry.words])]);
    expect(words).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });

  it('switching the misaligned one off leaves warnings, and the next thing moves on', async () => {
    const { engine, dbPath } = testEngine();
    const { misaligned, cold } = threeBackups(engine);
    engine.repos.providers.setEnabled(misaligned, false, engine.now());
    let r = await readinessJson(dbPath, ['--check']);
    expect(r.backups.find((b) => b.provider === 'SendGrid')).toMatchObject({
      enabled: false,
      words: 'Switched off: it is not used in an outage.',
    });
    expect(r.verdict).toBe('warnings');
    expect(r.next).toMatchObject({
      screen: 'providers',
      text: 'Run a drill, so each backup proves its mail arrives.',
    });

    // Drilled and declared warm: every part of every backup in use is fine.
    passedDrill(engine, cold);
    engine.repos.providerState.saveWarmup(cold, engine.now(), null, engine.now());
    engine.db.prepare('UPDATE providers SET cap_per_day = 10000 WHERE id = ?').run(cold);
    r = await readinessJson(dbPath); // from the stored DNS answers, without asking again
    expect(r.backups.filter((b) => b.enabled).map((b) => [b.provider, b.state])).toEqual([
      ['Workspace', 'ok'],
      ['Workspace 2', 'ok'],
    ]);
    expect(r.verdict).toBe('ready');
    expect(r.next).toBeNull();
  });

  it('the page for people: exit 0, the verdict, the next step and the DNS record to add', async () => {
    const { engine, dbPath } = testEngine();
    threeBackups(engine);
    const r = await cli(['readiness', '--db', dbPath, '--check'], { UNDERSTUDY_DNS_SERVER: dns.server });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Readiness: NOT READY\n/);
    expect(r.stdout).toContain('Next: Add the DNS records that let “SendGrid” send');
    expect(r.stdout).toContain(`em.${FROM_DOMAIN}  TXT  "v=spf1 include:sendgrid.net ~all"`);
    expect(r.stdout).toMatch(/Warm-up: Cold \(it has never sent\)/);
  });

  it('passwords: without a passphrase the CLI says it could not check them, and never creates a secret file', async () => {
    const { engine, dbPath } = testEngine();
    const { warm } = threeBackups(engine);
    engine.db.prepare('UPDATE providers SET secret_ref = ? WHERE id = ?').run('secret:smtp:x', warm);
    const r = await readinessJson(dbPath);
    expect(r.checks.find((c) => c.id === 'secrets')).toMatchObject({ state: 'warning', screen: 'providers' });
    const given = await cli(['readiness', '--db', dbPath, '--json'], {
      UNDERSTUDY_PASSPHRASE: 'a passphrase that opens nothing',
    });
    expect((given.json() as Readiness).checks.find((c) => c.id === 'secrets')!.state).toBe('problem');
    expect(existsSync(join(dirname(dbPath), 'secrets.enc'))).toBe(false);
  });

  it('a read command: never creates a database', async () => {
    const missing = join(tempDir(), 'nothing-here.sqlite');
    const r = await cli(['readiness', '--db', missing, '--json']);
    expect(r.code).toBe(1);
    expect(existsSync(missing)).toBe(false);
  });
});
