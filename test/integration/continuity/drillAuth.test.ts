/**
 * Drills prove authentication on arrival (issue 16, §2): the drill message travels through a real
 * SMTP relay into a real Dovecot, is fetched back over IMAP and checked with mailauth against a real
 * DNS server on loopback (dnsmasq). SPF, DKIM, DMARC and ARC results are stored with the drill; a
 * message that would fail DMARC fails the drill, alerts and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SMTPServer } from 'smtp-server';
import { configureMailbox } from '../../../electron/engine/continuity/mailbox';
import { runDrills } from '../../../electron/engine/continuity/drills';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { deliveringRelay, startDovecot, freePort, type Dovecot } from '../../helpers/dovecot';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';

let dovecot: Dovecot;
let dns: Dnsmasq;
let smtp: SMTPServer;
let port: number;

beforeAll(async () => {
  dovecot = await startDovecot({ seed: 'seed-pass-2' });
  dns = await startDnsmasq({
    txt: [
      // the relay connects from 127.0.0.1: authorised for aligned.test, not for misaligned.test
      ['aligned.test', 'v=spf1 ip4:127.0.0.1 -all'],
      ['_dmarc.aligned.test', 'v=DMARC1; p=reject'],
      ['misaligned.test', 'v=spf1 ip4:203.0.113.1 -all'],
      ['_dmarc.misaligned.test', 'v=DMARC1; p=reject'],
    ],
  });
  // A receiving MTA: adds Return-Path and Received (client address) as a real one does, then delivers.
  port = await freePort();
  smtp = await deliveringRelay(
    dovecot,
    port,
    { authOptional: true, disabledCommands: ['STARTTLS'] },
    (session) =>
      `Return-Path: <${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}>\r\n` +
      `Received: from relay.test (relay.test [${session.remoteAddress}]) by mx.test with ESMTP id x1; Sun, 6 Dec 2026 10:00:00 +0000\r\n`,
  );
});
afterAll(async () => {
  await new Promise<void>((r) => smtp?.close(() => r()));
  await dns?.stop();
  await dovecot?.stop();
});

describe('drill: authentication on arrival', () => {
  it('stores SPF/DKIM/DMARC/ARC with each drill; a DMARC failure fails the drill, alerts and says why', async () => {
    const { engine, secrets } = await engineWithSecrets(tempDir());
    try {
      await configureMailbox(engine, {
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        user: 'seed',
        password: 'seed-pass-2',
        seedAddress: 'seed@shop.example',
      });
      const common = { host: '127.0.0.1', port, tls: 'none' as const, auth: 'none' as const };
      await addSmtpProvider(
        engine,
        { name: 'Aligned', ...common, user: 'news@aligned.test', priority: 1 },
        secrets,
      );
      await addSmtpProvider(
        engine,
        { name: 'Misaligned', ...common, user: 'news@misaligned.test', priority: 2 },
        secrets,
      );
      const alerts: string[] = [];
      engine.bus.on('notification', (n) => alerts.push(n.title));

      const drills = await runDrills(engine, { timeoutMs: 20_000, pollMs: 100, dnsServer: dns.server });
      expect(drills.map((d) => [d.providerName, d.result])).toEqual([
        ['Aligned', 'passed'],
        ['Misaligned', 'failed'],
      ]);
      expect(drills[0]!.detail).toMatch(/SPF pass, DKIM none, DMARC pass, ARC none/);
      expect(drills[1]!.detail).toMatch(/arrived, but it fails DMARC for misaligned\.test/);
      expect(alerts).toEqual(['Drill failed: Misaligned']);
      expect(engine.repos.dnsAuth.drillAuth(drills[0]!.id)).toMatchObject({
        spf: 'pass',
        dmarc: 'pass',
        arc: 'none',
      });
      expect(engine.repos.dnsAuth.drillAuth(drills[1]!.id)).toMatchObject({ spf: 'fail', dmarc: 'fail' });
      // `drills --json` shows each drill with its authentication on arrival
      const dbPath = engine.dbPath;
      await engine.close();
      const r = await cli(['drills', '--db', dbPath, '--json']);
      const listed = (r.json() as { drills: { providerName: string; auth: { dmarc: string } | null }[] })
        .drills;
      expect(listed.map((d) => [d.providerName, d.auth?.dmarc])).toEqual([
        ['Misaligned', 'fail'],
        ['Aligned', 'pass'],
      ]);
    } finally {
      await engine.close();
    }
  });
});
