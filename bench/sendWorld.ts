/** Shared setup for the send benchmarks: a database with N subscribers, settings, a secret file. */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Engine } from '../electron/engine/engine';
import { EncryptedFileSecretStore } from '../electron/engine/secrets';
import { createCampaign, setSendingSetting } from '../electron/engine/sending';

/** A ~5 KiB personalized HTML body (merge tags for name and address). */
export const HTML = `<html><body><h1>Hello {{ first_name }},</h1>\n${Array.from(
  { length: 17 },
  (_, i) =>
    `<p>Line ${i} of our winter newsletter for {{ email }}: new arrivals, opening hours and offers.</p>`,
).join('\n')}\n</body></html>`;

const PASSPHRASE = 'bench passphrase';

export async function benchWorld(n: number): Promise<{ engine: Engine; dir: string; campaignId: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-bench-'));
  const engine = Engine.open({ dbPath: join(dir, 'bench.sqlite') });
  const now = engine.now();
  const list = engine.repos.lists.create({ name: 'Bench', now });
  const ins = engine.db.prepare(
    `INSERT INTO subscribers (list_id, email, email_norm, first_name, name_norm, status, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'subscribed', 'bench', ?, ?)`,
  );
  engine.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const e = `user${i}@example.test`;
      ins.run(list.id, e, e, `Name${i}`, `name${i}`, now, now);
    }
  })();
  setSendingSetting(engine, 'postal_address', '1 Bench Street, Testville');
  setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@shop.test');
  await useSecrets(engine, dir);
  const c = createCampaign(engine, {
    list: 'Bench',
    subject: 'Winter news for {{ first_name }}',
    from: 'Shop <news@shop.test>',
    html: HTML,
  });
  return { engine, dir, campaignId: c.id };
}

/** Opens a world `benchWorld` made (in another process) again: the database and its secret file. */
export async function openBenchWorld(dir: string): Promise<Engine> {
  const engine = Engine.open({ dbPath: join(dir, 'bench.sqlite') });
  await useSecrets(engine, dir);
  return engine;
}

async function useSecrets(engine: Engine, dir: string): Promise<void> {
  const secrets = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), PASSPHRASE, {
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  await secrets.unlock();
  engine.services.secrets.provide(secrets);
}
