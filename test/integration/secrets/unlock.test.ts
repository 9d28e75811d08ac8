/**
 * Unlocking the secret store from the app (issue 15 §1): browser mode started without a passphrase
 * gets it from a form (`unlockSecrets`) instead of sending the user to set UNDERSTUDY_PASSPHRASE in a
 * terminal. A weak new passphrase or a wrong one changes nothing; errors the app shows name no command.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp';
import { Engine } from '../../../electron/engine/engine';
import { createDispatcher } from '../../../electron/engine/handlers';
import { secretsPathFor } from '../../../electron/engine/secrets';

const PASS = 'correct horse battery staple';
const noCommand = (text: string | undefined) => {
  expect(text ?? '').not.toMatch(/understudy |UNDERSTUDY_|--[a-z]/);
};

async function withEngine<T>(db: string, fn: (d: ReturnType<typeof createDispatcher>) => Promise<T>) {
  const e = Engine.open({ dbPath: db });
  try {
    return await fn(createDispatcher(e));
  } finally {
    await e.close();
  }
}

const relay = {
  name: 'Relay',
  host: '127.0.0.1',
  port: 2525,
  tls: 'none',
  user: 'me',
  password: 'pw-not-in-db-1',
};

describe('unlockSecrets', () => {
  it('opens a new store from the app, then the password of an account can be saved', async () => {
    const db = join(tempDir(), 'u.sqlite');
    await withEngine(db, async (d) => {
      expect(await d.dispatch('secretsStatus', {})).toEqual({
        ok: true,
        value: { open: false, exists: false, canUnlock: true },
      });
      // Locked: the app is told to unlock, not to set an environment variable.
      const locked = await d.dispatch('addProvider', relay);
      expect(locked.ok).toBe(false);
      if (!locked.ok) {
        expect(locked.error.code).toBe('secrets_unavailable');
        expect(locked.error.next).toContain('Unlock');
        noCommand(locked.error.next);
      }
      // A short passphrase for a new store is refused, and no file is created.
      const weak = await d.dispatch('unlockSecrets', { passphrase: 'short' });
      expect(weak.ok).toBe(false);
      if (!weak.ok) {
        expect(weak.error.code).toBe('secrets_weak_passphrase');
        noCommand(weak.error.next);
      }
      expect(existsSync(secretsPathFor(db))).toBe(false);

      const opened = await d.dispatch('unlockSecrets', { passphrase: PASS });
      // The file itself is written with the first secret.
      expect(opened).toEqual({ ok: true, value: { open: true, exists: false, canUnlock: false } });
      const added = await d.dispatch('addProvider', relay);
      expect(added.ok).toBe(true);
    });
    // Neither the passphrase nor the password is in the database.
    const bytes = readFileSync(db).toString('latin1');
    expect(bytes).not.toContain(PASS);
    expect(bytes).not.toContain(relay.password);
  });

  it('refuses a wrong passphrase without opening anything, then accepts the right one', async () => {
    const db = join(tempDir(), 'u.sqlite');
    await withEngine(db, async (d) => {
      await d.dispatch('unlockSecrets', { passphrase: PASS });
      await d.dispatch('addProvider', relay);
    });
    const before = readFileSync(secretsPathFor(db));
    await withEngine(db, async (d) => {
      const wrong = await d.dispatch('unlockSecrets', { passphrase: 'not the passphrase at all' });
      expect(wrong.ok).toBe(false);
      if (!wrong.ok) {
        expect(wrong.error.code).toBe('secrets_wrong_passphrase');
        expect(wrong.error.safe).toContain('intact');
        noCommand(wrong.error.next);
      }
      expect(await d.dispatch('secretsStatus', {})).toEqual({
        ok: true,
        value: { open: false, exists: true, canUnlock: true },
      });
      expect(readFileSync(secretsPathFor(db)).equals(before)).toBe(true);
      const right = await d.dispatch('unlockSecrets', { passphrase: PASS });
      expect(right.ok).toBe(true);
      // The stored password is readable again: the account can be edited without re-entering it.
      const edited = await d.dispatch('updateProvider', { current: 'Relay', perDay: 500 });
      expect(edited.ok).toBe(true);
    });
  });

  it('gives the app its own next step where the CLI names a command', async () => {
    const db = join(tempDir(), 'u.sqlite');
    await withEngine(db, async (d) => {
      const r = await d.dispatch('resumeCampaign', { id: 999 });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('campaign_not_found');
        expect(r.error.next).toContain('Campaigns screen');
        noCommand(r.error.next);
      }
    });
  });

  it('sets up the backup mailbox from the app (the inbox setup form), password in the secret store', async () => {
    const db = join(tempDir(), 'u.sqlite');
    await withEngine(db, async (d) => {
      await d.dispatch('unlockSecrets', { passphrase: PASS });
      const mb = { host: 'imap.example.org', user: 'bounces@example.org', seedAddress: 'seed@example.org' };
      const noPass = await d.dispatch('setupMailbox', mb);
      expect(noPass.ok).toBe(false);
      if (!noPass.ok) expect(noPass.error.code).toBe('mailbox_password_missing');
      expect(await d.dispatch('continuitySettings', {})).toMatchObject({
        ok: true,
        value: { mailbox: null },
      });
      const r = await d.dispatch('setupMailbox', { ...mb, password: 'imap-secret-77' });
      expect(r).toMatchObject({
        ok: true,
        value: { host: 'imap.example.org', port: 993, seedAddress: 'seed@example.org' },
      });
      // A later change keeps the stored password.
      const again = await d.dispatch('setupMailbox', { ...mb, mailbox: 'Bounces' });
      expect(again).toMatchObject({ ok: true, value: { mailbox: 'Bounces' } });
    });
    expect(readFileSync(db).toString('latin1')).not.toContain('imap-secret-77');
  });
});
