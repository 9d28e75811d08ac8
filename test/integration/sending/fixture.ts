/**
 * A sending test's world: its own data folder with a real SQLite database, a list of N subscribers
 * imported through the real importer, the sending settings, an encrypted secret file, and providers.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Engine } from '../../../electron/engine/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { addProvider, createCampaign, setSendingSetting } from '../../../electron/engine/sending';
import type { ProviderInput } from '../../../electron/engine/api/sending';
import { cleanup, tempDir } from '../../helpers/tmp';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';

export const PASSPHRASE = 'correct horse battery staple';

export interface World {
  dir: string;
  dbPath: string;
  engine: Engine;
  secrets: EncryptedFileSecretStore;
  emails: string[];
}

export function recipient(i: number): string {
  return `user${i}@example.test`;
}

export async function world(
  n: number,
  opts: { list?: string; extraCsvRows?: string[] } = {},
): Promise<World> {
  const dir = tempDir('understudy-send-');
  const dbPath = join(dir, 'understudy.sqlite');
  const engine = Engine.open({ dbPath });
  const emails = Array.from({ length: n }, (_, i) => recipient(i));
  const csv = join(dir, 'list.csv');
  writeFileSync(
    csv,
    [
      'email,first_name,status',
      ...emails.map((e, i) => `${e},Name${i},subscribed`),
      ...(opts.extraCsvRows ?? []),
    ].join('\n'),
  );
  await importFile(engine, { file: csv, list: opts.list ?? 'Customers', format: 'csv' });
  setSendingSetting(engine, 'postal_address', '1 Test Street, Testville');
  setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@shop.test');
  setSendingSetting(engine, 'unsubscribe_url', 'https://shop.test/u');
  const secrets = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), PASSPHRASE, {
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  await secrets.unlock();
  engine.services.secrets.provide(secrets);
  return { dir, dbPath, engine, secrets, emails };
}

export async function smtpProvider(
  w: World,
  name: string,
  port: number,
  extra: Partial<ProviderInput> = {},
): Promise<void> {
  await addProvider(w.engine, { name, host: '127.0.0.1', port, tls: 'none', maxConnections: 2, ...extra });
}

export function campaign(w: World, extra: { html?: string; subject?: string } = {}): number {
  return createCampaign(w.engine, {
    list: 'Customers',
    subject: extra.subject ?? 'Winter sale',
    from: 'Shop <news@shop.test>',
    html: extra.html ?? '<p>Hello {{ first_name }}, our winter sale starts now.</p>',
  }).id;
}

/** Fast test tuning: short backoffs and cool-downs so retries and probes happen within a test. */
export const FAST = {
  retryBaseMs: 50,
  retryMaxMs: 200,
  breakerCooldownMs: 300,
  breakerMaxCooldownMs: 1000,
  ratePauseMs: 300,
  maxWaitMs: 3000,
  heartbeatMs: 200,
  flushMs: 20,
};

/** A capturing SMTP server (nodemailer's smtp-server) for the current test, stopped when it ends. */
export async function server(opts: Parameters<typeof startSmtpServer>[0] = {}): Promise<SmtpCapture> {
  const s = await startSmtpServer(opts);
  cleanup(() => s.stop());
  return s;
}
