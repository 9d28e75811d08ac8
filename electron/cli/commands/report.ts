/** `report INCIDENT --out report.html`: the post-incident report (open it and print to PDF). */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { writeReport } from '../../engine/continuity/report';
import { readSettings } from '../../engine/continuity/settings';
import { humanDuration } from '../../engine/time';
import { userError } from '../../engine/errors';

export function registerReport(program: Command, io: Io): void {
  common(
    program
      .command('report <incident>')
      .description('the post-incident report as a self-contained HTML page (printable to PDF)')
      .option('--out <file>', 'write it here (default: print the HTML to stdout)')
      .option('--force', 'replace the --out file if it already exists')
      .option('--zone <iana>', 'show times in this zone (default: the time zone setting)'),
  ).action(
    async (incident: string, opts: CommonOptions & { out?: string; zone?: string; force?: boolean }) => {
      const n = Number(incident.replace(/^#/, ''));
      if (!Number.isInteger(n) || n < 1)
        throw userError(`"${incident}" is not an incident number.`, { next: 'See `understudy incidents`.' });
      await withEngine(opts, io, (engine) => {
        const r = writeReport(engine, n, opts.out, opts.zone ?? readSettings(engine).timeZone, {
          force: opts.force === true,
        });
        if (!opts.out && !opts.json) {
          io.stdout.write(r.html);
          return;
        }
        const summary = {
          out: r.out,
          incident: r.report.incident,
          campaigns: r.report.campaigns.map((c) => ({
            id: c.id,
            name: c.name,
            scheduledAt: c.scheduledAt,
            firstSentAt: c.firstSentAt,
            delayMs: c.delayMs,
            sent: c.sent,
            failed: c.failed,
            byProvider: c.byProvider,
          })),
          byProvider: r.report.byProvider,
          failures: r.report.failures,
          statusChanges: r.report.statusChanges,
        };
        output(opts, io, summary, () =>
          [
            `Report written to ${r.out}.`,
            ...r.report.campaigns.map(
              (c) =>
                `  ${c.name || c.subject}: ${c.sent}/${c.recipients} sent${c.delayMs !== null ? `, ${humanDuration(c.delayMs)} late` : ''} (${
                  Object.entries(c.byProvider)
                    .map(([p, k]) => `${p} ${k}`)
                    .join(', ') || 'nothing sent'
                })`,
            ),
            'Open it in a browser and print to PDF for a document.',
          ].join('\n'),
        );
      });
    },
  );
}
