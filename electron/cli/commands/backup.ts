/** `backup [--out FILE]`, `backups`, `restore FILE [--yes]`: verified backups of the database. */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { common, dbPathOf, output, withEngine, type CommonOptions, type Io } from '../context';
import { Engine } from '../../engine/engine';
import {
  inspectBackup,
  restoreBackup,
  restoreOverDamaged,
  takeBackup,
  backupsDir,
} from '../../engine/continuity/backups';
import { isUnderstudyError, userError } from '../../engine/errors';

export function registerBackup(program: Command, io: Io): void {
  common(
    program
      .command('backup')
      .description('take a verified backup of the database now, with a CSV export of every list beside it')
      .option('--out <file>', 'where to write it (default: the backups folder beside the database)')
      .option('--force', 'replace the --out file if it already exists (never an existing backup)')
      .option('--no-lists', 'do not export the lists to CSV'),
  ).action(async (opts: CommonOptions & { out?: string; lists: boolean; force?: boolean }) => {
    await withEngine(opts, io, async (engine) => {
      const b = await takeBackup(engine, {
        kind: 'manual',
        ...(opts.out ? { out: opts.out } : {}),
        force: opts.force === true,
        exportLists: opts.lists,
      });
      output(opts, io, b, () =>
        [
          `Backup written and verified (integrity ${b.integrity}): ${b.path}`,
          `${mb(b.sizeBytes)}, schema ${b.schemaVersion}, ${b.durationMs} ms`,
          ...(b.listsDir ? [`${b.lists} list(s) exported to ${b.listsDir}`] : []),
        ].join('\n'),
      );
    });
  });

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
    const about = inspectBackup(file);
    const dbPath = dbPathOf(opts, io);
    if (!opts.yes) {
      const tty = (io.stdin as NodeJS.ReadStream).isTTY === true;
      if (!tty) {
        throw userError('Restoring replaces the whole database, so it needs a confirmation.', {
          code: 'confirmation_required',
          safe: 'Nothing was restored.',
          next: 'Run it in a terminal to be asked, or add --yes in a script.',
        });
      }
      const counts = Object.entries(about.counts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      io.stderr.write(
        `This replaces the database at ${dbPath} with the backup ${about.path}\n` +
          `(schema ${about.schemaVersion}, integrity ${about.integrity}; ${counts}).\n` +
          'The current database is backed up first, so this can be undone.\n',
      );
      const rl = createInterface({ input: io.stdin, output: io.stderr });
      const answer = (await rl.question('Type "restore" to continue: ')).trim().toLowerCase();
      rl.close();
      if (answer !== 'restore') {
        throw userError('Restore not confirmed.', { code: 'not_confirmed', safe: 'Nothing was restored.' });
      }
    }
    let engine: Engine;
    try {
      engine = Engine.open({ dbPath });
    } catch (e) {
      if (!(isUnderstudyError(e) && e.code === 'db_damaged')) throw e;
      // The current file is damaged: restore without opening it, keeping it beside the database.
      const r = restoreOverDamaged(dbPath, about.path);
      await r.engine.close();
      output(opts, io, { restored: r.restored, damagedKept: r.damagedKept }, () =>
        [
          `Restored ${dbPath} from ${r.restored.path}.`,
          `The damaged database was kept as ${r.damagedKept}.`,
        ].join('\n'),
      );
      return;
    }
    const result = await restoreBackup(engine, about.path).catch(async (e: unknown) => {
      await engine.close();
      throw e;
    });
    await result.engine.close();
    output(opts, io, { restored: result.restored, preRestore: result.preRestore.path }, () =>
      [
        `Restored ${dbPath} from ${result.restored.path}.`,
        `The database as it was before is saved as ${result.preRestore.path} (undo: \`understudy restore ${result.preRestore.path}\`).`,
      ].join('\n'),
    );
  });
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
