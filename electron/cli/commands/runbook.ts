/** `runbook [--out runbook.html]`: the disaster-recovery runbook generated from this setup. */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { writeRunbook } from '../../engine/continuity/runbook';

export function registerRunbook(program: Command, io: Io): void {
  common(
    program
      .command('runbook')
      .description(
        'the outage runbook for this setup (who to tell, rules, backups and their DNS records, drills, restore, notices) as a printable HTML page',
      )
      .option('--out <file>', 'write it here (default: print the HTML to stdout)')
      .option('--force', 'replace the --out file if it already exists'),
  ).action(async (opts: CommonOptions & { out?: string; force?: boolean }) => {
    await withEngine(opts, io, (engine) => {
      const r = writeRunbook(engine, opts.out, { force: opts.force === true });
      if (!opts.out && !opts.json) {
        io.stdout.write(r.runbook.html);
        return;
      }
      const { html: _html, ...facts } = r.runbook;
      void _html;
      output(opts, io, { out: r.out, ...facts }, () =>
        [
          `Runbook written to ${r.out}.`,
          r.runbook.gaps.length
            ? `Fix before the next outage:\n${r.runbook.gaps.map((g) => `  - ${g}`).join('\n')}`
            : 'Nothing is missing from the plan.',
          'Open it in a browser and print it; keep a copy where the team can find it without this computer.',
        ].join('\n'),
      );
    });
  });
}
