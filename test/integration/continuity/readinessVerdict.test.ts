/**
 * The readiness verdict and the single next thing to do (issue 16 §6, issue 15 §2), step by step as a
 * new user sets Understudy up: each step done moves the next thing on, and the checklist turns green
 * item by item. Real SQLite; the DNS answers are stored facts (what `auth check` keeps), so the
 * verdict is computed exactly as the view computes it, without a DNS server.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../helpers/engine';
import { addList, addProvider } from '../../helpers/continuity';
import { dkimKey } from '../../helpers/dnsmasq';
import {
  FROM_DOMAIN,
  addBackup,
  addBackupCopy,
  addUpcomingCampaign,
  passedDrill,
  setMailbox,
  setPostal,
} from '../../helpers/readiness';
import { readiness } from '../../../electron/engine/continuity/readiness';
import type { Engine } from '../../../electron/engine/engine';
import type { DnsRrType } from '../../../electron/engine/db/repos/dnsAuth';

function storeDns(engine: Engine, zone: [string, DnsRrType, string[]][]): void {
  for (const [name, rrtype, answer] of zone)
    engine.repos.dnsAuth.putFact({
      name,
      rrtype,
      status: answer.length ? 'ok' : 'none',
      answer,
      error: null,
      server: '127.0.0.1:53',
      fetchedAt: engine.now(),
    });
}

const aligned = (dmarc: string): [string, DnsRrType, string[]][] => [
  ['_spf.google.com', 'TXT', ['v=spf1 ip4:192.0.2.0/24 ~all']],
  [FROM_DOMAIN, 'TXT', ['v=spf1 include:_spf.google.com -all']],
  [`google._domainkey.${FROM_DOMAIN}`, 'TXT', [`v=DKIM1; k=rsa; p=${dkimKey(2048)}`]],
  [`_dmarc.${FROM_DOMAIN}`, 'TXT', [dmarc]],
];

describe('readiness: the verdict and the next thing to do', () => {
  it('moves on as each step is done, and the checklist turns green item by item', async () => {
    const { engine } = testEngine();
    const open = { secrets: 'open' as const };
    const done = async () =>
      Object.fromEntries((await readiness(engine, open)).checklist.map((c) => [c.id, c.done]));

    let r = await readiness(engine, open);
    expect(r.verdict).toBe('not_ready');
    expect(r.next).toMatchObject({
      screen: 'lists',
      text: 'Connect your ESP, or import a list of your subscribers.',
    });
    expect(await done()).toEqual({ list: false, backup: false, postal: false, mailbox: false, drill: false });

    addList(engine, 'Customers', ['ann@customers.test']);
    r = await readiness(engine, open);
    expect(r.next!.screen).toBe('providers');
    expect(r.next!.text).toMatch(/^Add a backup sending account/);

    const id = addBackup(engine, 'Relay', 'google-workspace', 'smtp.gmail.com', 10);
    engine.db.prepare('UPDATE providers SET secret_ref = ? WHERE id = ?').run('secret:smtp:x', id);
    r = await readiness(engine, open);
    expect(r.verdict).toBe('not_ready');
    expect(r.next).toMatchObject({ screen: 'settings' });
    expect(r.next!.text).toMatch(/postal address/);

    setPostal(engine);
    // Passwords locked (browser mode started without the passphrase): no backup can log in.
    r = await readiness(engine);
    expect(r.checks.find((c) => c.id === 'secrets')!.state).toBe('problem');
    expect(r.verdict).toBe('not_ready');
    expect(r.next).toMatchObject({
      screen: 'providers',
      text: 'Unlock your saved passwords with your passphrase.',
    });

    // Open: nothing blocks any more, so "ready with warnings"; the backup mailbox is next.
    r = await readiness(engine, open);
    expect(r.verdict).toBe('warnings');
    expect(r.next).toMatchObject({ screen: 'settings' });
    expect(r.next!.text).toMatch(/^Set up the backup mailbox/);

    setMailbox(engine);
    r = await readiness(engine, open);
    expect(r.next).toMatchObject({
      screen: 'providers',
      text: 'Run a drill, so each backup proves its mail arrives.',
    });

    const d = engine.repos.drills.start(id, '<d@x>', engine.now());
    engine.repos.drills.finish(d.id, 'failed', 'Sending failed: login refused.', engine.now());
    r = await readiness(engine, open);
    expect(r.verdict).toBe('not_ready');
    expect(r.next!.text).toBe('Fix “Relay” (its password or settings), then run a drill again.');
    expect(r.backups[0]!.drill.words).toMatch(/^Its last drill failed \(just now\): Sending failed/);

    passedDrill(engine, id);
    expect(await done()).toEqual({ list: true, backup: true, postal: true, mailbox: true, drill: true });
    r = await readiness(engine, open);
    expect(r.next!.text).toMatch(/^Add a campaign with its From address/);
    expect(r.next!.screen).toBe('campaigns');

    addUpcomingCampaign(engine, 'Spring sale', 3000);
    r = await readiness(engine, open);
    expect(r.backups[0]!.auth).toMatchObject({
      verdict: 'unknown',
      words: 'Its DNS records have not been checked yet.',
    });
    expect(r.next).toMatchObject({ screen: 'readiness', text: 'Check the DNS records of your backups.' });

    storeDns(engine, aligned('v=DMARC1; p=reject'));
    r = await readiness(engine, open);
    expect(r.backups[0]!.auth.verdict).toBe('ready');
    // Cold, no caps of its own: its warm-up curve makes 3,000 take more than a day.
    expect(r.next!.text).toBe(
      'Raise the daily limit of “Relay” or add another backup account, so “Spring sale” can go out within a day.',
    );

    // A small campaign fits even the warm-up curve: then the warm-up itself is the next thing.
    engine.db
      .prepare(
        "UPDATE subscribers SET status = 'unsubscribed' WHERE email LIKE 'p%@customers.test' AND email <> 'p0@customers.test'",
      )
      .run();
    r = await readiness(engine, open);
    expect(r.largest).toMatchObject({ name: 'Spring sale', remaining: 1 });
    expect(r.backups[0]!.carry.inTime).toBe(true);
    expect(r.backups[0]!.state).toBe('warning');
    expect(r.backups[0]!.words).toMatch(/^Cold \(it has never sent\)/);
    expect(r.next).toMatchObject({
      screen: 'readiness',
      text: 'Warm up “Relay”: send a few small campaigns through it, or mark it warm if it already sends regularly.',
    });

    engine.repos.providerState.saveWarmup(id, engine.now(), null, engine.now());
    r = await readiness(engine, open);
    expect(r.backups[0]!.state).toBe('ok');
    expect(r.next).toMatchObject({ screen: 'backups', text: 'Take a backup copy of your data.' });
    expect(r.verdict).toBe('warnings');

    addBackupCopy(engine);
    r = await readiness(engine, open);
    expect(r.verdict).toBe('ready');
    expect(r.next).toBeNull();
    expect(r.headline).toBe(
      'Ready: your backup delivers, is warm and was drilled, and can carry “Spring sale”.',
    );

    // An ESP connection added two days ago and never synced: the copy of its lists may be stale.
    const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
    engine.db
      .prepare('UPDATE providers SET created_at = ? WHERE id = ?')
      .run(new Date(Date.now() - 2 * 86_400_000).toISOString(), esp);
    r = await readiness(engine, open);
    expect(r.checks.find((c) => c.id === 'mirror')).toMatchObject({ state: 'warning', screen: 'providers' });
    expect(r.verdict).toBe('warnings');
    expect(r.next).toMatchObject({ screen: 'providers', text: 'Sync your ESP now.' });
    expect(r.next!.why).toMatch(/^“Mailchimp” was never synced/);

    // A backup that goes down is in the way at once.
    engine.repos.providers.setHealth(id, 'down', engine.now());
    r = await readiness(engine, open);
    expect(r.verdict).toBe('not_ready');
    expect(r.next!.text).toMatch(/^Check “Relay”: it is down/);
  });

  it('misaligned under p=none looks accepted: said loudly, and not ready', async () => {
    const { engine } = testEngine();
    addUpcomingCampaign(engine, 'Spring sale', 10);
    addBackup(engine, 'Relay', 'google-workspace', 'smtp.gmail.com', 10);
    setPostal(engine);
    storeDns(engine, [
      ['_spf.google.com', 'TXT', ['v=spf1 ip4:192.0.2.0/24 ~all']],
      [FROM_DOMAIN, 'TXT', ['v=spf1 ip4:203.0.113.9 -all']],
      [`google._domainkey.${FROM_DOMAIN}`, 'TXT', []],
      [`_dmarc.${FROM_DOMAIN}`, 'TXT', ['v=DMARC1; p=none']],
    ]);
    const r = await readiness(engine, { secrets: 'open' });
    const b = r.backups[0]!;
    expect(b.auth).toMatchObject({ verdict: 'at_risk', state: 'problem' });
    expect(b.auth.domains[0]!.loud).toBe(true);
    expect(b.words).toMatch(/would look sent, but Gmail and Microsoft refuse or spam-folder it/);
    expect(r.verdict).toBe('not_ready');
    expect(r.next!.screen).toBe('readiness');
    expect(r.next!.why).toBe('mail sent through “Relay” would look sent but fail DMARC.');
  });
});
