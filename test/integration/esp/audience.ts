/**
 * Shared set-up for the segment/tag/group tests: a backup SMTP server (nodemailer's smtp-server) and
 * the sending settings, so a mirrored campaign can be sent through a backup and who got it checked.
 */
import type { Engine } from '../../../electron/engine/engine';
import { join } from 'node:path';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { addProvider, getCampaign, runCampaign, setSendingSetting } from '../../../electron/engine/sending';
import { normalizeEmail } from '../../../electron/engine/mirror/email';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { cleanup } from '../../helpers/tmp';
import { FAST } from '../sending/fixture';

/** The sending tests' fast tuning (short backoffs and cool-downs), one definition for both. */
export { FAST };

/** A backup provider on a capturing SMTP server, and the settings a send needs. */
export async function backup(engine: Engine, dir: string): Promise<SmtpCapture> {
  const srv = await startSmtpServer();
  cleanup(() => srv.stop());
  const store = new EncryptedFileSecretStore(join(dir, 'sending-secrets.enc'), 'test passphrase', {
    scrypt: { N: 2 ** 10, r: 8, p: 1 },
  });
  await store.unlock();
  engine.services.secrets.provide(store);
  setSendingSetting(engine, 'postal_address', '1 Test Street, Testville');
  setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@shop.test');
  setSendingSetting(engine, 'unsubscribe_url', 'https://shop.test/u');
  await addProvider(engine, {
    name: 'relay',
    host: '127.0.0.1',
    port: srv.port,
    tls: 'none',
    maxConnections: 2,
  });
  return srv;
}

/** The mirrored campaign's local id. */
export function campaignId(engine: Engine, espCampaignId: string): number {
  const r = engine.db.prepare(`SELECT id FROM campaigns WHERE esp_campaign_id = ?`).get(espCampaignId) as
    { id: number } | undefined;
  if (!r) throw new Error(`campaign ${espCampaignId} is not mirrored`);
  return r.id;
}

/** Sends the campaign through the backup; returns who received it (sorted, lower case). */
export async function sendThroughBackup(engine: Engine, srv: SmtpCapture, id: number): Promise<string[]> {
  const s = await runCampaign(engine, id, { tuning: FAST });
  if (s.state !== 'finished') throw new Error(`send ended ${s.state}`);
  return srv.messages.map((m) => m.rcpt[0]!.toLowerCase()).sort();
}

/** A local unsubscribe and a suppression made after the sync: both must be honoured at claim time. */
export function unsubscribeAndSuppress(engine: Engine, unsubscribe: string, suppress: string): void {
  const now = engine.now();
  engine.db
    .prepare(`UPDATE subscribers SET status = 'unsubscribed', status_changed_at = ? WHERE email_norm = ?`)
    .run(now, normalizeEmail(unsubscribe));
  engine.repos.suppressions.add(normalizeEmail(suppress)!, 'manual', 'test', null, now);
}

export function audienceOf(engine: Engine, id: number) {
  return getCampaign(engine, id).audience;
}

export const sorted = (xs: string[]) => xs.map((x) => x.toLowerCase()).sort();
