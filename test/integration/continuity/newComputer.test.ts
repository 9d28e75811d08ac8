/**
 * Moving to a new computer (issue 14 §4): back up in one data folder, restore into an EMPTY one as a
 * new machine would, give the passphrase, send a campaign through a restored provider (a real SMTP
 * server on loopback that requires AUTH), and check that the unsubscribe token of a message sent
 * before the backup still verifies. Plain and encrypted backups; the second folder gets the same
 * verified backup and rotates like the first.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { restoreBackup, takeBackup } from '../../../electron/engine/continuity/backups';
import { updateSettings } from '../../../electron/engine/continuity/settings';
import { openCliSecretStore } from '../../../electron/engine/secrets';
import { createCampaign, runCampaign } from '../../../electron/engine/sending';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';
import { parseUnsubscribeToken } from '../../../electron/engine/sending/render/tokens';
import { checkFile } from '../../../electron/engine/db/backup';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { campaign, FAST, PASSPHRASE, server, smtpProvider, world } from '../sending/fixture';

const KDF = { scrypt: { N: 1024, r: 8, p: 1 } };

async function tokenOf(raw: string): Promise<string> {
  // The List-Unsubscribe header as sent (unfolded); the body's copy is quoted-printable.
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const header = /^List-Unsubscribe:(.*)$/im.exec(head)?.[1] ?? '';
  // Links name the token as a path (`…/u/<token>`), or as `?t=` when the setting has its own query.
  const m = /\/u\/([^>/?&\s]+)>/.exec(header) ?? /[?&]t=([^>&\s]+)/.exec(header);
  expect(m, `a one-click unsubscribe link with a token in ${header}`).toBeTruthy();
  return decodeURIComponent(m![1]!);
}

describe('moving to a new computer', () => {
  it.each([
    ['a plain backup', false],
    ['an encrypted backup', true],
  ])(
    'restores %s into an empty folder: the provider sends with its password and old unsubscribe links verify',
    async (_name, encrypt) => {
      const old = await world(3);
      const mirror = tempDir('understudy-mirror-');
      const srv = await server({ auth: { user: 'shop', pass: 'relay-secret-pw' } });
      await smtpProvider(old, 'relay', srv.port, { user: 'shop', password: 'relay-secret-pw' });
      const first = campaign(old, { subject: 'Before the move' });
      expect(await runCampaign(old.engine, first, { tuning: FAST })).toMatchObject({ sent: 3, failed: 0 });
      const sentBefore = srv.messages.find((m) => m.rcpt[0] === 'user1@example.test')!;
      expect(sentBefore.user).toBe('shop');
      const token = await tokenOf(sentBefore.raw);
      const listId = old.engine.repos.lists.all().find((l) => l.name === 'Customers')!.id;
      const subscriber = old.engine.repos.subscribers.byEmail(listId, 'user1@example.test')!;

      updateSettings(old.engine, { backups: { mirrorDir: mirror } });
      const b = await takeBackup(old.engine, { kind: 'manual', encrypt });
      expect(b.encrypted).toBe(encrypt);
      expect(b.keysFile && existsSync(b.keysFile)).toBeTruthy();
      // Nothing secret in plain text in what is carried.
      const carried = readFileSync(b.keysFile!, 'utf8');
      expect(carried).not.toContain('relay-secret-pw');
      if (encrypt) expect(readFileSync(b.path).includes(Buffer.from('SQLite format 3'))).toBe(false);
      expect(b.mirror).toMatchObject({ path: join(mirror, b.path.split('/').pop()!) });
      await old.engine.close();

      // The new computer: an empty data folder, the backup copied from the second folder.
      const fresh = tempDir('understudy-new-');
      const dbPath = join(fresh, 'understudy.sqlite');
      const empty = Engine.open({ dbPath });
      const r = await restoreBackup(empty, join(mirror, b.path.split('/').pop()!), {
        passphrase: PASSPHRASE,
      });
      expect(r).toMatchObject({ secretsRestored: true, passphraseChecked: true });
      const engine = r.engine;
      try {
        const store = await openCliSecretStore(dbPath, { UNDERSTUDY_PASSPHRASE: PASSPHRASE }, undefined, KDF);
        engine.services.secrets.provide(store);

        // A link from a message sent before the backup still verifies, for the same person.
        const secret = await unsubscribeSecret(engine, store);
        const who = parseUnsubscribeToken(token, secret);
        expect(who).toMatchObject({ campaignId: first });
        expect(who!.subscriberId).toBe(subscriber.id);
        expect(engine.repos.subscribers.byId(who!.subscriberId)?.email).toBe('user1@example.test');

        // The restored provider sends with its restored password through the AUTH-requiring server.
        const before = srv.messages.length;
        const second = createCampaign(engine, {
          list: 'Customers',
          subject: 'After the move',
          from: 'Shop <news@shop.test>',
          html: '<p>Hello {{ first_name }}, we moved.</p>',
        }).id;
        expect(await runCampaign(engine, second, { tuning: FAST })).toMatchObject({ sent: 3, failed: 0 });
        const after = srv.messages.slice(before);
        expect(after).toHaveLength(3);
        expect(after.every((m) => m.user === 'shop')).toBe(true);
        // New messages carry tokens under the same key.
        const t2 = await tokenOf(after[0]!.raw);
        expect(parseUnsubscribeToken(t2, secret)).toMatchObject({ campaignId: second });
      } finally {
        await engine.close();
      }
    },
  );

  it('the second folder receives each verified backup and keeps as many as the first', async () => {
    const dir = tempDir();
    const mirror = tempDir('understudy-mirror-');
    const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));
    const { engine, secrets } = await engineWithSecrets(dir, clock);
    try {
      await unsubscribeSecret(engine, secrets); // a secret file exists, so each backup has its keys
      updateSettings(engine, { backups: { mirrorDir: mirror, keepHourly: 2 } });
      const paths: string[] = [];
      for (let i = 0; i < 4; i++) {
        const b = await takeBackup(engine, { kind: 'hourly', exportLists: false });
        expect(b.mirror).toMatchObject({ path: expect.stringContaining(mirror) });
        paths.push((b.mirror as { path: string }).path);
        clock.advance(3_600_000);
      }
      const kept = readdirSync(mirror).filter((n) => n.endsWith('.sqlite'));
      expect(kept.sort()).toEqual(
        paths
          .slice(2)
          .map((p) => p.split('/').pop())
          .sort(),
      );
      for (const p of paths.slice(2)) expect(checkFile(p).ok).toBe(true);
      const inFirst = readdirSync(join(dir, 'backups')).filter((n) => n.endsWith('.sqlite'));
      expect(inFirst.sort()).toEqual(kept.sort());
      const keys = readdirSync(mirror).filter((n) => n.endsWith('.keys'));
      expect(keys.sort()).toEqual(kept.map((n) => n.replace(/\.sqlite$/, '.keys')).sort());
    } finally {
      await engine.close();
    }
  });

  it('a second folder that cannot be written is a warning; the backup in the first still counts', async () => {
    const dir = tempDir();
    const { engine } = await engineWithSecrets(dir);
    try {
      const blocked = join(tempDir(), 'not-a-folder');
      updateSettings(engine, { backups: { mirrorDir: blocked } });
      // A file appears where the folder should be (an unmounted disk's mount point, for instance).
      writeFileSync(blocked, 'x');
      const b = await takeBackup(engine, { kind: 'manual', exportLists: false });
      expect(existsSync(b.path)).toBe(true);
      expect(b.mirror).toMatchObject({ error: expect.any(String) });
      expect(engine.repos.events.recent(5).map((e) => e.type)).toContain('backup.mirror_failed');
    } finally {
      await engine.close();
    }
  });

  it('through the command line: policy --backup-mirror, backup --encrypt, restore into an empty folder with the passphrase', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const { engine, secrets } = await engineWithSecrets(dir);
    await unsubscribeSecret(engine, secrets);
    await engine.close();
    const env = { UNDERSTUDY_PASSPHRASE: 'test passphrase' };
    const mirror = tempDir('understudy-mirror-');
    const p = await cli(['policy', '--backup-mirror', mirror, '--db', db]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain(`copied to ${mirror}`);
    const b = await cli(['backup', '--encrypt', '--db', db], env);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/Encrypted: only the passphrase opens it\./);
    expect(b.stdout).toMatch(/Saved passwords and the unsubscribe key \(encrypted under your passphrase\)/);
    expect(b.stdout).toMatch(/Copied to the second folder and verified/);
    const file = readdirSync(mirror).find((n) => n.endsWith('.sqlite.enc'))!;

    const fresh = tempDir('understudy-new-');
    const newDb = join(fresh, 'understudy.sqlite');
    const r = await cli(['restore', join(mirror, file), '--yes', '--db', newDb], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /Saved passwords and the unsubscribe key were restored; the passphrase opens them\./,
    );
    expect(readFileSync(join(fresh, 'secrets.enc'), 'utf8')).toBe(
      readFileSync(join(dir, 'secrets.enc'), 'utf8'),
    );
  });

  it('with encryption on and no passphrase given, no backup is written at all (never a plain one)', async () => {
    const dir = tempDir();
    const engine = Engine.open({ dbPath: join(dir, 'understudy.sqlite') });
    try {
      updateSettings(engine, { backups: { encrypt: true } });
      await expect(takeBackup(engine, { kind: 'hourly' })).rejects.toMatchObject({
        code: 'backup_needs_passphrase',
        message: expect.stringMatching(/set to be encrypted, but the passphrase was not given/),
      });
      expect(existsSync(join(dir, 'backups')) ? readdirSync(join(dir, 'backups')) : []).toEqual([]);
      expect(engine.repos.events.recent(5).map((e) => e.type)).toContain('backup.failed');
    } finally {
      await engine.close();
    }
  });
});
