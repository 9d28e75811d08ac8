/** `status`: where the database is, its schema version and sizes; `--check` runs integrity_check. */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { LATEST_VERSION } from '../../engine/db/migrations';
import { userError } from '../../engine/errors';

export function registerStatus(program: Command, io: Io): void {
  common(
    program
      .command('status')
      .description('database path, schema version, sizes')
      .option('--check', 'also run the full integrity check (slow on big databases)'),
  ).action(async (opts: CommonOptions & { check?: boolean }) => {
    await withEngine(opts, io, (engine) => {
      const status = engine.repos.meta.status();
      const problems = opts.check ? engine.repos.meta.integrityCheck() : undefined;
      // The id inside every Message-ID this database sends (<understudy.ID.c…>), to tell its mail apart.
      const installationId = engine.repos.meta.installationId();
      const value = {
        ...status,
        installationId,
        codeSchemaVersion: LATEST_VERSION,
        ...(problems ? { integrity: problems.length ? problems : 'ok' } : {}),
      };
      output(opts, io, value, () =>
        [
          `database: ${status.path}`,
          `schema: ${status.schemaVersion} (this version of Understudy: ${LATEST_VERSION})`,
          `installation id: ${installationId} (in the Message-ID of every message sent from this database)`,
          `size: ${mb(status.sizeBytes)} + WAL ${mb(status.walBytes)} (${status.pageCount} pages of ${status.pageSize} bytes, ${status.freePages} free)`,
          `rows: ${Object.entries(status.tables)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}`,
          `last integrity check: ${status.lastCheckAt ?? 'never'}`,
          ...(problems ? [`integrity: ${problems.length ? problems.join('; ') : 'ok'}`] : []),
        ].join('\n'),
      );
      if (problems && problems.length) {
        throw userError(`The integrity check found ${problems.length} problem(s).`, {
          code: 'db_damaged',
          safe: 'Nothing was changed.',
          next: 'Restore the latest backup with `understudy restore FILE`.',
        });
      }
    });
  });
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
