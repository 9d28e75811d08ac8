/** `drill [PROVIDER]`, `drills`: test each backup provider end to end, and the history. */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { runDrills } from '../../engine/continuity/drills';
import { setDrillEveryHours } from '../../engine/continuity/drillInterval';
import { openEngineSecrets } from './secrets';
import { userError } from '../../engine/errors';

export function registerDrill(program: Command, io: Io): void {
  common(
    program
      .command('drill [provider]')
      .description(
        'send a test message through each provider (or one) to the seed address and confirm it arrived',
      )
      .option('--timeout <seconds>', 'how long to wait for arrival', '120'),
  ).action(async (provider: string | undefined, opts: CommonOptions & { timeout: string }) => {
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const rows = await runDrills(engine, {
        provider,
        timeoutMs: Math.max(1, Number(opts.timeout) || 120) * 1000,
      });
      output(opts, io, { drills: rows }, () =>
        rows.map((d) => `${d.providerName}: ${d.result.toUpperCase()} — ${d.detail}`).join('\n'),
      );
      const failed = rows.filter((d) => d.result === 'failed');
      if (failed.length)
        throw userError(`${failed.length} of ${rows.length} drill(s) failed.`, {
          code: 'drill_failed',
          next: 'Fix the provider(s) above (password, host, port), then run `understudy drill` again.',
        });
    });
  });

  common(
    program
      .command('drills')
      .description('drill history, newest first; --every sets how often scheduled drills run')
      .option('--every <hours>', 'run scheduled drills every HOURS hours (168 = weekly; 0 = off)'),
  ).action(async (opts: CommonOptions & { every?: string }) => {
    await withEngine(opts, io, (engine) => {
      if (opts.every !== undefined) {
        const h = setDrillEveryHours(engine, opts.every);
        output(opts, io, { everyHours: h }, () =>
          h === 0 ? 'Scheduled drills are off.' : `Drills will run every ${h} hours.`,
        );
        return;
      }
      {
        // Each drill with its authentication on arrival (SPF, DKIM, DMARC, ARC), when it was checked.
        const rows = engine.repos.drills.list().map((d) => {
          const a = engine.repos.dnsAuth.drillAuth(d.id);
          return {
            ...d,
            auth: a ? { spf: a.spf, dkim: a.dkim, dmarc: a.dmarc, arc: a.arc, why: a.why } : null,
          };
        });
        output(opts, io, { drills: rows }, () =>
          rows.length
            ? rows
                .map((d) => `${d.id}\t${d.startedAt}\t${d.providerName}\t${d.result}\t${d.detail ?? ''}`)
                .join('\n')
            : 'No drills yet. Run `understudy drill`.',
        );
      }
    });
  });
}
