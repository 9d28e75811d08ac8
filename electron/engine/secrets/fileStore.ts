/**
 * The CLI/browser-mode secret store: one file next to the database, AES-256-GCM with a key derived
 * by scrypt from the user's passphrase and a random per-file salt.
 *
 * - Parameters follow OWASP's password-storage cheat sheet (scrypt N=2^17, r=8, p=1) and are written
 *   into the file, so a file stays readable if the defaults change.
 * - The header (format, KDF parameters, salt) is the GCM additional data: changing it breaks the tag.
 * - A short key check (HMAC of a constant) tells a wrong passphrase apart from a damaged file.
 * - Every write is read-modify-write under a lock file, to a temp file (mode 0600), fsynced, then
 *   renamed over the old one: a crash leaves either the old or the new file, never half of one.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import {
  chmod,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { userError } from '../errors';
import type { SecretStore } from './index';
import { forgetSecret, registerSecret } from './redact';

const FORMAT = 'understudy-secrets';
const VERSION = 1;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

interface FileHeader {
  format: string;
  version: number;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  check: string;
}

interface FileBody extends FileHeader {
  iv: string;
  tag: string;
  data: string;
}

export interface FileStoreOptions {
  /** KDF cost for a NEW file (tests lower it; an existing file keeps its own). */
  scrypt?: ScryptParams;
  /** How long to wait for another process's lock before giving up. */
  lockTimeoutMs?: number;
  /** Shortest passphrase for a new file; only tests that recreate an older file lower it. */
  minNewPassphrase?: number;
  /**
   * Open with key material kept elsewhere (the OS keychain, see appStore.ts) instead of a passphrase.
   * It opens only the file whose salt and KDF parameters it names.
   */
  key?: KeyMaterial;
}

/** The passphrase-derived key of a secret file with what it was derived for (never written in plain). */
export interface KeyMaterial {
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  key: Buffer;
}

function deriveKey(passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('understudy-secrets key check').digest('base64').slice(0, 16);
}

function aad(h: FileHeader): Buffer {
  return Buffer.from(
    JSON.stringify([
      h.format,
      h.version,
      h.kdf.name,
      h.kdf.N,
      h.kdf.r,
      h.kdf.p,
      h.kdf.salt,
      h.cipher,
      h.check,
    ]),
  );
}

function damaged(path: string, why: string, cause?: unknown) {
  return userError(`The secret file ${path} is damaged (${why}).`, {
    code: 'secrets_damaged',
    cause,
    safe: 'The file was left exactly as it is; your mailing lists and campaigns are not affected.',
    next: 'Restore secrets.enc from a backup, or move it aside and enter the provider passwords again (understudy providers add … --password-env VAR).',
    appNext: 'Restore the secret file from a backup, or move it aside and enter the account passwords again.',
  });
}

/**
 * The shortest passphrase a NEW secret file (or a new passphrase) accepts, in characters. The file
 * sits next to the database, so anyone with a copy of both can try passphrases offline as fast as
 * scrypt allows; 12 characters is NIST SP 800-63B's floor raised for an offline attack. An existing
 * file with a shorter passphrase keeps opening: refusing it would lock the person out of their own
 * passwords.
 */
export const MIN_NEW_PASSPHRASE = 12;

export function weakPassphrase(what: string, safe: string) {
  return userError(`${what} is shorter than ${MIN_NEW_PASSPHRASE} characters.`, {
    code: 'secrets_weak_passphrase',
    safe,
    next: `Choose a passphrase of at least ${MIN_NEW_PASSPHRASE} characters (a few unrelated words are easy to remember) and set it in UNDERSTUDY_PASSPHRASE or type it when asked.`,
    appNext: `Choose a passphrase of at least ${MIN_NEW_PASSPHRASE} characters (a few unrelated words are easy to remember).`,
  });
}

const lengthOf = (s: string) => [...s.normalize('NFC')].length;

export class EncryptedFileSecretStore implements SecretStore {
  readonly path: string;
  #passphrase: string;
  readonly #options: Required<Omit<FileStoreOptions, 'key'>>;
  /** Derived keys by salt, so the expensive KDF runs once per file per process. */
  readonly #keys = new Map<string, Buffer>();
  #queue: Promise<unknown> = Promise.resolve();
  #fresh: { header: FileHeader; key: Buffer } | undefined;

  constructor(path: string, passphrase: string, options: FileStoreOptions = {}) {
    if (!passphrase && !options.key) {
      throw userError('The secret file needs a passphrase.', {
        code: 'secrets_no_passphrase',
        safe: 'No secret was read or written.',
        next: 'Set UNDERSTUDY_PASSPHRASE, or type the passphrase when asked.',
        appNext: 'Type the passphrase of the secret store.',
      });
    }
    this.path = path;
    this.#passphrase = passphrase;
    registerSecret(passphrase);
    this.#options = {
      scrypt: options.scrypt ?? DEFAULT_SCRYPT,
      lockTimeoutMs: options.lockTimeoutMs ?? 10_000,
      minNewPassphrase: options.minNewPassphrase ?? MIN_NEW_PASSPHRASE,
    };
    if (options.key) {
      const k = options.key.kdf;
      this.#keys.set(`${k.salt}:${k.N}:${k.r}:${k.p}`, options.key.key);
      if (!passphrase) this.#keyOnly = options.key;
    }
  }

  /** Set when opened with key material alone: a new file takes its salt, nothing else can be derived. */
  #keyOnly: KeyMaterial | undefined;

  /** The key that opens the file as it is now (read or created), for keeping in the OS keychain. */
  async keyMaterial(): Promise<KeyMaterial> {
    return this.#exclusive(async () => {
      const { header, key } = await this.#load();
      return { kdf: { ...header.kdf }, key: Buffer.from(key) };
    });
  }

  describe(): { backend: string; secure: boolean; warning?: string } {
    const weak = !this.#keyOnly && lengthOf(this.#passphrase) < MIN_NEW_PASSPHRASE;
    return {
      backend: 'encrypted-file',
      secure: true,
      ...(weak
        ? {
            warning: `The secret file passphrase is shorter than ${MIN_NEW_PASSPHRASE} characters; a longer one is much harder to guess.`,
          }
        : {}),
    };
  }

  /** Check the passphrase against the existing file (if any). Throws a user error when it is wrong. */
  async unlock(): Promise<void> {
    await this.#exclusive(async () => {
      await this.#load();
      // Tighten permissions of a file someone copied with a looser mode.
      if (process.platform !== 'win32') {
        const st = await stat(this.path).catch(() => undefined);
        if (st && (st.mode & 0o077) !== 0) await chmod(this.path, 0o600);
      }
    });
  }

  async get(ref: string): Promise<string | undefined> {
    checkRef(ref);
    return this.#exclusive(async () => {
      const { secrets } = await this.#load();
      const value = secrets[ref];
      registerSecret(value);
      return value;
    });
  }

  async set(ref: string, value: string): Promise<void> {
    checkRef(ref);
    if (typeof value !== 'string') throw new TypeError('secret value must be a string');
    registerSecret(value);
    await this.#modify((secrets) => {
      secrets[ref] = value;
    });
  }

  async delete(ref: string): Promise<void> {
    checkRef(ref);
    await this.#modify((secrets) => {
      forgetSecret(secrets[ref]);
      delete secrets[ref];
    });
  }

  /**
   * Re-encrypt every secret under a new passphrase (fresh salt, current KDF cost). Atomic: a crash
   * leaves the file readable with either the old or the new passphrase, never neither.
   */
  async changePassphrase(newPassphrase: string): Promise<void> {
    if (!newPassphrase) {
      throw userError('The new passphrase is empty.', {
        code: 'secrets_no_passphrase',
        safe: 'The secret file still opens with the old passphrase.',
        next: `Choose a passphrase of at least ${MIN_NEW_PASSPHRASE} characters.`,
      });
    }
    if (lengthOf(newPassphrase) < MIN_NEW_PASSPHRASE)
      throw weakPassphrase('The new passphrase', 'The secret file still opens with the old passphrase.');
    await this.#exclusive(async () => {
      const release = await this.#lock();
      try {
        const { secrets } = await this.#load();
        const p = this.#options.scrypt;
        const salt = randomBytes(16).toString('base64');
        const key = await deriveKey(newPassphrase, Buffer.from(salt, 'base64'), p);
        const header: FileHeader = {
          format: FORMAT,
          version: VERSION,
          kdf: { name: 'scrypt', N: p.N, r: p.r, p: p.p, salt },
          cipher: 'aes-256-gcm',
          check: keyCheck(key),
        };
        await this.#write(header, key, secrets);
        this.#passphrase = newPassphrase;
        this.#keyOnly = undefined;
        this.#keys.clear();
        this.#fresh = undefined;
        this.#keys.set(`${salt}:${p.N}:${p.r}:${p.p}`, key);
        registerSecret(newPassphrase);
      } finally {
        await release();
      }
    });
  }

  /** All refs held (for cleanup of refs no provider uses any more). */
  async refs(): Promise<string[]> {
    return this.#exclusive(async () => Object.keys((await this.#load()).secrets));
  }

  // In-process serialisation: one operation at a time per store object.
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #modify(change: (secrets: Record<string, string>) => void): Promise<void> {
    await this.#exclusive(async () => {
      const release = await this.#lock();
      try {
        const { secrets, header, key } = await this.#load();
        // Only a file about to be created is held to the minimum; an existing one keeps working, and a
        // file recreated from key material kept in the keychain has no passphrase here to measure.
        if (
          this.#fresh?.header === header &&
          !this.#keyOnly &&
          lengthOf(this.#passphrase) < this.#options.minNewPassphrase
        )
          throw weakPassphrase(
            'The passphrase for the new secret file',
            'No secret file was created and nothing was stored.',
          );
        change(secrets);
        await this.#write(header, key, secrets);
      } finally {
        await release();
      }
    });
  }

  async #key(salt: string, p: ScryptParams): Promise<Buffer> {
    const id = `${salt}:${p.N}:${p.r}:${p.p}`;
    let key = this.#keys.get(id);
    if (!key && this.#keyOnly) {
      throw userError('The key kept in the system keychain no longer opens the secret file.', {
        code: 'secrets_key_stale',
        safe: 'Nothing was read or changed; the secret file is intact.',
        next: 'The passphrase was probably changed elsewhere: enter the current passphrase once.',
      });
    }
    if (!key) {
      key = await deriveKey(this.#passphrase, Buffer.from(salt, 'base64'), p);
      this.#keys.set(id, key);
    }
    return key;
  }

  /** Read and decrypt the file; a missing file is an empty store with a fresh salt. */
  async #load(): Promise<{ secrets: Record<string, string>; header: FileHeader; key: Buffer }> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // No file yet: one fresh salt and key per store object (the KDF is the expensive part).
      if (this.#fresh) return { secrets: {}, header: this.#fresh.header, key: this.#fresh.key };
      const p = this.#keyOnly?.kdf ?? this.#options.scrypt;
      const salt = this.#keyOnly?.kdf.salt ?? randomBytes(16).toString('base64');
      const key = await this.#key(salt, p);
      const header: FileHeader = {
        format: FORMAT,
        version: VERSION,
        kdf: { name: 'scrypt', N: p.N, r: p.r, p: p.p, salt },
        cipher: 'aes-256-gcm',
        check: keyCheck(key),
      };
      this.#fresh = { header, key };
      return { secrets: {}, header, key };
    }
    let body: FileBody;
    try {
      body = JSON.parse(raw) as FileBody;
    } catch (e) {
      throw damaged(this.path, 'not valid JSON', e);
    }
    if (body?.format !== FORMAT) throw damaged(this.path, 'not an Understudy secret file');
    if (body.version !== VERSION) {
      throw userError(`The secret file ${this.path} was written by a newer version of Understudy.`, {
        code: 'secrets_too_new',
        safe: 'The file was not changed.',
        next: 'Update Understudy to the latest version.',
      });
    }
    const kdf = body.kdf;
    if (
      kdf?.name !== 'scrypt' ||
      !Number.isInteger(kdf.N) ||
      kdf.N < 2 ** 10 ||
      kdf.N > 2 ** 20 ||
      !Number.isInteger(kdf.r) ||
      !Number.isInteger(kdf.p) ||
      typeof kdf.salt !== 'string'
    ) {
      throw damaged(this.path, 'unknown key-derivation parameters');
    }
    const header: FileHeader = {
      format: body.format,
      version: body.version,
      kdf: { name: 'scrypt', N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
      cipher: 'aes-256-gcm',
      check: String(body.check),
    };
    const key = await this.#key(kdf.salt, kdf);
    const check = Buffer.from(keyCheck(key));
    const stored = Buffer.from(header.check);
    if (check.length !== stored.length || !timingSafeEqual(check, stored)) {
      throw userError('The passphrase for the secret file is wrong.', {
        code: 'secrets_wrong_passphrase',
        safe: 'Nothing was read or changed; the secret file is intact.',
        next: 'Try again with the passphrase you chose when you first saved a provider password (UNDERSTUDY_PASSPHRASE).',
        appNext: 'Try again with the passphrase you chose when you first saved an account password.',
      });
    }
    let secrets: Record<string, string>;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(body.iv, 'base64'));
      decipher.setAAD(aad(header));
      decipher.setAuthTag(Buffer.from(body.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body.data, 'base64')), decipher.final()]);
      secrets = JSON.parse(plain.toString('utf8')) as Record<string, string>;
    } catch (e) {
      throw damaged(this.path, 'its contents fail the integrity check', e);
    }
    if (!secrets || typeof secrets !== 'object' || Array.isArray(secrets))
      throw damaged(this.path, 'unexpected contents');
    return { secrets: Object.assign(Object.create(null) as Record<string, string>, secrets), header, key };
  }

  async #write(header: FileHeader, key: Buffer, secrets: Record<string, string>): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(header));
    const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    const body: FileBody = {
      ...header,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${basename(this.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(body, null, 1) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await removeOrphanTemps(dir, basename(this.path));
    // Make the rename itself durable (POSIX; directories cannot be opened for fsync on Windows).
    if (process.platform !== 'win32') {
      const dfd = await open(dir, 'r');
      try {
        await dfd.sync();
      } finally {
        await dfd.close();
      }
    }
  }

  /** A lock file shared with other processes (the CLI and browser mode may run side by side). */
  async #lock(): Promise<() => Promise<void>> {
    const lockPath = lockPathOf(this.path);
    await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + this.#options.lockTimeoutMs;
    // The lock appears with its owner's pid already in it: written to a file of our own, then linked
    // into place (link fails if the lock exists). Created empty and then written, a process killed in
    // between left an empty lock that no one could tell was dead for 30 s. The file of our own is
    // named like the write temps, so a killed process's is tidied like theirs.
    const mine = join(dirname(lockPath), `.${basename(this.path)}.${process.pid}.${++lockSeq}.lock.tmp`);
    await writeFile(mine, String(process.pid), { mode: 0o600 });
    try {
      for (;;) {
        try {
          await link(mine, lockPath);
          return () => unlink(lockPath).catch(() => undefined);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          if (await staleLock(lockPath)) {
            await unlink(lockPath).catch(() => undefined);
            continue;
          }
          if (Date.now() > deadline) {
            throw userError('The secret file is locked by another Understudy process.', {
              code: 'secrets_locked',
              safe: 'Nothing was changed.',
              next: `Wait for the other process to finish and try again; if none is running, delete ${lockPath}.`,
            });
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }
}

/** The lock file beside a secret file (other processes wait while it exists). */
export function lockPathOf(secretsPath: string): string {
  return `${secretsPath}.lock`;
}

/** Numbers the lock files of this process (several stores may lock at once). */
let lockSeq = 0;

/** Temp files of writers killed between create and rename hold only ciphertext; tidy them away. */
async function removeOrphanTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function staleLock(lockPath: string): Promise<boolean> {
  try {
    const pid = Number((await readFile(lockPath, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 0) {
      const st = await stat(lockPath);
      return Date.now() - st.mtimeMs > 30_000; // half-written lock of a process that died at once
    }
    if (pid === process.pid) return false;
    return !pidAlive(pid);
  } catch {
    return false;
  }
}

function checkRef(ref: string): void {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 200) {
    throw new TypeError('secret ref must be a non-empty string of at most 200 characters');
  }
}
