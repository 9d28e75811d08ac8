/**
 * How sending commands get secrets without a command line ever holding one: the secret file's
 * passphrase from UNDERSTUDY_PASSPHRASE or stdin, an SMTP password from `--password-env VAR` or stdin.
 * When both come from a non-terminal stdin, the first line is the passphrase and the second the password.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { dbPathOf, type CommonOptions, type Io } from '../context';
import type { Engine } from '../../engine/engine';
import {
  openCliSecretStore,
  readPassphraseFromStdin,
  PASSPHRASE_ENV,
  SAFE_STORAGE_FILE as LEGACY_SAFE_STORAGE_FILE,
  secretsPathFor,
  type SecretStore,
} from '../../engine/secrets';
import { userError } from '../../engine/errors';

export class StdinLines {
  private lines: string[] = [];
  private waiting: ((l: string | undefined) => void)[] = [];
  private ended = false;
  private started = false;

  constructor(private readonly io: Io) {}

  private start(): void {
    if (this.started) return;
    this.started = true;
    const rl = createInterface({ input: this.io.stdin, crlfDelay: Infinity, terminal: false });
    rl.on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    rl.on('close', () => {
      this.ended = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
  }

  get isTTY(): boolean {
    return (this.io.stdin as NodeJS.ReadStream).isTTY === true;
  }

  /** The next line (or a hidden prompt on a terminal). */
  async next(prompt: string): Promise<string | undefined> {
    if (this.isTTY) return readPassphraseFromStdin(prompt);
    this.start();
    if (this.lines.length) return this.lines.shift();
    if (this.ended) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

export async function openSecrets(dbPath: string, io: Io, lines: StdinLines): Promise<SecretStore> {
  return openCliSecretStore(dbPath, io.env, async () => {
    const p = await lines.next('Passphrase for the Understudy secret file: ');
    if (!p)
      throw userError('No passphrase was given for the secret file.', {
        code: 'secrets_no_passphrase',
        safe: 'No secret was read or written.',
        next: `Set ${PASSPHRASE_ENV}, or pipe the passphrase as the first line of stdin.`,
      });
    return p;
  });
}

/** The SMTP password: from the named environment variable, else the next stdin line. */
export async function readPassword(io: Io, lines: StdinLines, envVar: string | undefined): Promise<string> {
  if (envVar) {
    const v = io.env[envVar];
    if (!v)
      throw userError(`The environment variable ${envVar} is empty or not set.`, {
        code: 'no_password',
        safe: 'Nothing was changed.',
        next: `Export the password as ${envVar}, e.g. \`read -s ${envVar}; export ${envVar}\`.`,
      });
    return v;
  }
  const v = await lines.next('SMTP password: ');
  if (!v)
    throw userError('No password was given.', {
      code: 'no_password',
      safe: 'Nothing was changed.',
      next: 'Pass --password-env VAR, or pipe the password on stdin (after the passphrase line if UNDERSTUDY_PASSPHRASE is not set).',
    });
  return v;
}

/** What `run` and `serve` say when they start without the secret file. */
export function withoutSecretsNotice(dbPath: string): string {
  const legacy = existsSync(join(dirname(dbPath), LEGACY_SAFE_STORAGE_FILE));
  return (
    `No secret is stored yet, so Understudy starts without a passphrase. Until one is given, these do not work: ` +
    `sending through accounts that need a password, ESP connections with API keys, reading the backup mailbox, ` +
    `and unsubscribe links in new messages (their signing key is a secret). Everything else does. ` +
    `To add secrets, set ${PASSPHRASE_ENV} (or run a command in a terminal, which asks) and add them; then restart.` +
    (legacy
      ? ' The desktop app still holds passwords in its earlier store: open the app once and choose the passphrase to share them.'
      : '') +
    '\n'
  );
}

/**
 * The secret store for a long-running `run` or `serve`: opened when a passphrase is given or a secret
 * file exists (then asked for like every command); when no secret is stored yet and no passphrase is
 * given, none — the service starts, and says what will not work.
 */
export async function openServiceSecrets(
  dbPath: string,
  io: Io,
  lines: StdinLines,
  /** Read the passphrase from a non-terminal stdin (`run`); `serve` then starts without secrets. */
  readStdin = true,
): Promise<SecretStore | undefined> {
  const exists = existsSync(secretsPathFor(dbPath));
  if (io.env[PASSPHRASE_ENV] || (exists && (readStdin || lines.isTTY))) return openSecrets(dbPath, io, lines);
  if (exists) {
    io.stderr.write(
      `No passphrase for the secret file (set ${PASSPHRASE_ENV}): browsing and importing work, but adding or using SMTP accounts and ESP connections with passwords does not.\n`,
    );
  } else {
    io.stderr.write(withoutSecretsNotice(dbPath));
  }
  return undefined;
}

/**
 * Opens the secret file (asking for its passphrase) and gives it to the engine, for a command that
 * needs passwords or keys only on some of its paths (the engine opened without it).
 */
export async function openEngineSecrets(
  engine: Engine,
  opts: CommonOptions,
  io: Io,
  lines = new StdinLines(io),
): Promise<void> {
  engine.services.secrets.provide(await openSecrets(dbPathOf(opts, io), io, lines));
}
