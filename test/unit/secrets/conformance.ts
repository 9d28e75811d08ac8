/**
 * What every SecretStore must do, as a reusable suite: the encrypted file store runs it here, and
 * any other backend (the app's safeStorage store) can run it with its own factory:
 *   describeSecretStore('safeStorage', async () => new SafeStorageSecretStore(...))
 */
import { describe, expect, it } from 'vitest';
import { newSecretRef, redact, type SecretStore } from '../../../electron/engine/secrets';

export function describeSecretStore(
  name: string,
  open: () => Promise<{ store: SecretStore; reopen: () => Promise<SecretStore> }>,
) {
  describe(`SecretStore contract: ${name}`, () => {
    it('get of an unknown ref is undefined; set then get round-trips any string', async () => {
      const { store } = await open();
      expect(await store.get(newSecretRef('smtp'))).toBeUndefined();
      const values = [
        'pw',
        'ünïcödé 🔑',
        'a'.repeat(10_000),
        'line1\nline2',
        '"quotes" and \\ backslash',
        ' ',
      ];
      const refs = values.map(() => newSecretRef('test'));
      for (const [i, v] of values.entries()) await store.set(refs[i]!, v);
      for (const [i, v] of values.entries()) expect(await store.get(refs[i]!)).toBe(v);
    });

    it('set replaces, delete removes, delete of an unknown ref is not an error', async () => {
      const { store } = await open();
      const ref = newSecretRef('smtp');
      await store.set(ref, 'one');
      await store.set(ref, 'two');
      expect(await store.get(ref)).toBe('two');
      await store.delete(ref);
      expect(await store.get(ref)).toBeUndefined();
      await store.delete(ref);
      await store.delete(newSecretRef('smtp'));
    });

    it('values survive reopening the store', async () => {
      const { store, reopen } = await open();
      const ref = newSecretRef('oauth');
      await store.set(ref, 'refresh-token-123');
      expect(await (await reopen()).get(ref)).toBe('refresh-token-123');
    });

    it('a value read back is registered for redaction', async () => {
      const { store, reopen } = await open();
      const ref = newSecretRef('api');
      await store.set(ref, 'sk_conformance_987654');
      await (await reopen()).get(ref);
      expect(redact('failed with sk_conformance_987654')).toBe('failed with [redacted]');
    });

    it('describe() names a backend and says whether it is secure', async () => {
      const { store } = await open();
      const d = store.describe();
      expect(typeof d.backend).toBe('string');
      expect(d.backend.length).toBeGreaterThan(0);
      expect(typeof d.secure).toBe('boolean');
      if (!d.secure) expect(d.warning).toBeTruthy();
    });
  });
}
