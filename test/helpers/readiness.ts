/**
 * The readiness setup of issue 16's "Done when": three backup accounts for the From domain shop.test —
 * one aligned and warm (Workspace), one misaligned (SendGrid without its DNS records), one cold
 * (Workspace 2, never sent) — and the zone a loopback DNS server answers for them.
 */
import type { Engine } from '../../electron/engine/engine';
import type { ProviderCaps } from '../../electron/engine/db/repos/providers';
import { setSendingSetting } from '../../electron/engine/sending/settings';
import { MAILBOX_KEY } from '../../electron/engine/continuity/mailbox';
import { dkimKey, type Zone } from './dnsmasq';
import { addCampaign, addList } from './continuity';

export const FROM_DOMAIN = 'shop.test';

/** shop.test authorises Google (SPF), publishes Google's DKIM key and rejects unaligned mail. */
export function readinessZone(): Zone {
  return {
    txt: [
      ['_spf.google.com', 'v=spf1 ip4:192.0.2.0/24 ~all'],
      ['sendgrid.net', 'v=spf1 ip4:198.51.100.0/24 ~all'],
      [FROM_DOMAIN, 'v=spf1 include:_spf.google.com -all'],
      [`google._domainkey.${FROM_DOMAIN}`, `v=DKIM1; k=rsa; p=${dkimKey(2048)}`],
      [`_dmarc.${FROM_DOMAIN}`, `v=DMARC1; p=reject; rua=mailto:d@${FROM_DOMAIN}`],
    ],
  };
}

const none: ProviderCaps = { perSecond: null, perMinute: null, perHour: null, perDay: null };

export function addBackup(
  engine: Engine,
  name: string,
  preset: string,
  host: string,
  priority: number,
  caps: Partial<ProviderCaps> = {},
): number {
  return engine.repos.providers.create(
    {
      name,
      kind: 'smtp',
      type: 'smtp',
      config: { host, port: 587 },
      secretRef: null,
      preset,
      priority,
      weight: 1,
      caps: { ...none, ...caps },
      maxConnections: 1,
    },
    engine.now(),
  ).id;
}

/** A passed drill whose message passed SPF, DKIM and DMARC on arrival. */
export function passedDrill(engine: Engine, providerId: number): void {
  const d = engine.repos.drills.start(providerId, `<drill.${providerId}@${FROM_DOMAIN}>`, engine.now());
  engine.repos.drills.finish(d.id, 'passed', `Arrived at seed@${FROM_DOMAIN} in 1.2 s.`, engine.now());
  engine.repos.dnsAuth.putDrillAuth(
    d.id,
    { spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none', why: null, details: '' },
    engine.now(),
  );
}

/** Messages sent through a provider `daysAgo` days ago (the send log feeds its daily history). */
export function sentDaysAgo(engine: Engine, providerId: number, daysAgo: number, count: number): void {
  const second = Math.floor(engine.clock.now() / 1000) - daysAgo * 86_400;
  engine.repos.providerState.addSends(providerId, second, count);
}

export function setPostal(engine: Engine): void {
  setSendingSetting(engine, 'postal_address', '1 Market Street, Springfield');
  setSendingSetting(engine, 'unsubscribe_mailto', `unsubscribe@${FROM_DOMAIN}`);
}

export function setMailbox(engine: Engine): void {
  engine.repos.settings.set(
    MAILBOX_KEY,
    { host: '127.0.0.1', port: 993, user: `backup@${FROM_DOMAIN}`, seedAddress: `seed@${FROM_DOMAIN}` },
    engine.now(),
  );
}

export function addBackupCopy(engine: Engine): void {
  engine.repos.backups.add({
    path: '/nonexistent/understudy-backup.sqlite',
    kind: 'hourly',
    createdAt: engine.now(),
    sizeBytes: 1,
    schemaVersion: 1,
    integrity: 'ok',
  });
}

/** A list of `people` subscribers and a campaign to it From news@shop.test, two days from now. */
export function addUpcomingCampaign(engine: Engine, name: string, people: number): number {
  const listId = addList(
    engine,
    `${name} list`,
    Array.from({ length: people }, (_, i) => `p${i}@customers.test`),
  );
  const id = addCampaign(engine, {
    listId,
    name,
    scheduledAt: new Date(engine.clock.now() + 2 * 86_400_000).toISOString(),
  });
  engine.db.prepare('UPDATE campaigns SET from_email = ? WHERE id = ?').run(`news@${FROM_DOMAIN}`, id);
  return id;
}

/** The whole "Done when" setup: everything else in place, so the backups are what differs. */
export function threeBackups(engine: Engine): { warm: number; misaligned: number; cold: number } {
  addUpcomingCampaign(engine, 'Spring sale', 3000);
  const warm = addBackup(engine, 'Workspace', 'google-workspace', 'smtp.gmail.com', 10, { perDay: 10_000 });
  const misaligned = addBackup(engine, 'SendGrid', 'sendgrid', 'smtp.sendgrid.net', 20);
  const cold = addBackup(engine, 'Workspace 2', 'google-workspace', 'smtp.gmail.com', 30, { perDay: 2000 });
  // Warm: a streak that began 14 days ago (longer than the 10-day curve), last sent yesterday.
  sentDaysAgo(engine, warm, 14, 200);
  sentDaysAgo(engine, warm, 1, 900);
  passedDrill(engine, warm);
  setPostal(engine);
  setMailbox(engine);
  addBackupCopy(engine);
  return { warm, misaligned, cold };
}
