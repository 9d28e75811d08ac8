/** `backup [--out FILE]`, `backups`, `restore FILE [--yes]`: verified backups of the database. */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { common, dbPathOf, output, withEngine, type CommonOptions, type Io } from '../context';
import { Engine } from '../../engine/engine';
import {
  backupSettings,
  inspectBackup,
  restoreBackup,
  restoreOverDamaged,
  takeBackup,
  backupsDir,
} from '../../engine/continuity/backups';
import { isEncryptedBackup, readKeys } from '../../engine/continuity/backupKeys';
import { keysFileOf } from '../../engine/files/backupSettings';
import { PASSPHRASE_ENV, readPassphraseFromStdin } from '../../engine/secrets';
import { isUnderstudyError, userError } from '../../engine/errors';
import { openEngineSecrets } from './secrets';

export function registerBackup(program: Command, io: Io): void {
  common(
    program
      .command('backup')
      .description('take a verified backup of the database now, with a CSV export of every list beside it')
      .option('--out <file>', 'where to write it (default: the backups folder beside the database)')
      .option('--force', 'replace the --out file if it already exists (never an existing backup)')
      .option('--no-lists', 'do not export the lists to CSV')
      .option(
        '--encrypt',
        'encrypt the database copy: only the passphrase opens it (the default with policy --backup-encrypt on)',
      ),
  ).action(
    async (opts: CommonOptions & { out?: string; lists: boolean; force?: boolean; encrypt?: boolean }) => {
      await withEngine(opts, io, async (engine) => {
        const encrypt = opts.encrypt === true || backupSettings(engine).encrypt;
        // The backup key is a secret: an encrypted backup needs the secret file open.
        if (encrypt) await openEngineSecrets(engine, opts, io);
        const b = await takeBackup(engine, {
          kind: 'manual',
          ...(opts.out ? { out: opts.out } : {}),
          force: opts.force === true,
          encrypt,
          ...(opts.lists === false || encrypt ? { exportLists: opts.lists !== false && !encrypt } : {}),
        });
        output(opts, io, b, () =>
          [
            `Backup written and verified (integrity ${b.integrity}): ${b.path}`,
            `${mb(b.sizeBytes)}, schema ${b.schemaVersion}, ${b.durationMs} ms`,
            ...(b.listsDir ? [`${b.lists} list(s) exported to ${b.listsDir}`] : []),
            ...(b.encrypted ? ['Encrypted: only the passphrase opens it.'] : []),
            ...(b.keysFile
              ? [`Saved passwords and the unsubscribe key (encrypted under your passphrase): ${b.keysFile}`]
              : []),
            ...(!b.mirror
              ? []
              : 'path' in b.mirror
                ? [`Copied to the second folder and verified: ${b.mirror.path}`]
                : [`Warning: the copy to the second folder failed: ${b.mirror.error}`]),
          ].join('\n'),
        );
      });
    },
  );

  common(program.command('backups').description('the backups on disk, newest first')).action(
    async (opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const backups = engine.repos.backups.list();
        const dir = backupsDir(engine);
        output(opts, io, { dir, backups }, () =>
          backups.length === 0
            ? `No backups yet. Take one with \`understudy backup\` (scheduled ones go to ${dir}).`
            : backups
                .map(
                  (b) =>
                    `${b.id}\t${b.createdAt}\t${b.kind}\t${mb(b.sizeBytes)}\tschema ${b.schemaVersion}\t${b.integrity}\t${b.path}`,
                )
                .join('\n'),
        );
      });
    },
  );

  common(
    program
      .command('restore <file>')
      .description('replace the database with a backup (the current one is backed up first)')
      .option('--yes', 'do not ask for confirmation (for scripts)'),
  ).action(async (file: string, opts: CommonOptions & { yes?: boolean }) => {
    const encrypted = isEncryptedBackup(file);
    const about = encrypted ? undefined : inspectBackup(file);
    const dbPath = dbPathOf(opts, io);
    const tty = (io.stdin as NodeJS.ReadStream).isTTY === true;
    if (!opts.yes) {
      if (!tty) {
        throw userError('Restoring replaces the whole database, so it needs a confirmation.', {
          code: 'confirmation_required',
          safe: 'Nothing was restored.',
          next: 'Run it in a terminal to be asked, or add --yes in a script.',
        });
      }
      const counts = about
        ? Object.entries(about.counts)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')
        : '';
      io.stderr.write(
        (about
          ? `This replaces the database at ${dbPath} with the backup ${about.path}\n` +
            `(schema ${about.schemaVersion}, integrity ${about.integrity}; ${counts}).\n`
          : `This replaces the database at ${dbPath} with the encrypted backup ${file}.\n`) +
          'The current database is backed up first, so this can be undone.\n',
      );
      const rl = createInterface({ input: io.stdin, output: io.stderr });
      const answer = (await rl.question('Type "restore" to continue: ')).trim().toLowerCase();
      rl.close();
      if (answer !== 'restore') {
        throw userError('Restore not confirmed.', { code: 'not_confirmed', safe: 'Nothing was restored.' });
      }
    }
    // The backup's saved passwords open with the passphrase of when it was taken: checked first, so a
    // wrong one changes nothing (an encrypted backup cannot be restored without it).
    const carries = encrypted || Boolean(readKeys(keysFileOf(file))?.secretsFile);
    let passphrase = io.env[PASSPHRASE_ENV] || undefined;
    if (!passphrase && carries && tty)
      passphrase = await readPassphraseFromStdin('Passphrase of the saved passwords in this backup: ');
    let engine: Engine;
    try {
      engine = Engine.open({ dbPath });
    } catch (e) {
      if (!(isUnderstudyError(e) && e.code === 'db_damaged')) throw e;
      // The current file is damaged: restore without opening it, keeping it beside the database.
      const r = restoreOverDamaged(dbPath, about?.path ?? file);
      await r.engine.close();
      output(opts, io, { restored: r.restored, damagedKept: r.damagedKept }, () =>
        [
          `Restored ${dbPath} from ${r.restored.path}.`,
          `The damaged database was kept as ${r.damagedKept}.`,
        ].join('\n'),
      );
      return;
    }
    const result = await restoreBackup(engine, about?.path ?? file, {
      ...(passphrase ? { passphrase } : {}),
    }).catch(async (e: unknown) => {
      await engine.close();
      throw e;
    });
    await result.engine.close();
    output(opts, io, { restored: result.restored, preRestore: result.preRestore.path }, () =>
      [
        `Restored ${dbPath} from ${result.restored.path}.`,
        `The database as it was before is saved as ${result.preRestore.path} (undo: \`understudy restore ${result.preRestore.path}\`).`,
        ...(result.secretsRestored
          ? [
              result.passphraseChecked
                ? 'Saved passwords and the unsubscribe key were restored; the passphrase opens them.'
                : 'Saved passwords and the unsubscribe key were restored; they open with the passphrase in use when the backup was taken.',
            ]
          : []),
      ].join('\n'),
    );
  });
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
