/** `incidents`, `incidents show ID`, `incidents note ID TEXT`: outages and their timelines. */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { addNote, requireIncident, timeline } from '../../engine/continuity/incidents';
import { humanDuration } from '../../engine/continuity/time';
import { userError } from '../../engine/errors';

function id(v: string): number {
  const n = Number(v.replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1)
    throw userError(`"${v}" is not an incident number.`, { next: 'See `understudy incidents`.' });
  return n;
}

export function registerIncidents(program: Command, io: Io): void {
  const incidents = common(
    program
      .command('incidents')
      .description('incidents (outages of a provider or ESP), newest first')
      .option('--limit <n>', 'how many', '50'),
  ).action(async (opts: CommonOptions & { limit: string }) => {
    await withEngine(opts, io, (engine) => {
      const rows = engine.repos.incidents.list(Math.max(1, Number(opts.limit) || 50));
      output(opts, io, { incidents: rows }, () =>
        rows.length === 0
          ? 'No incidents. Understudy opens one when a provider or ESP goes down.'
          : rows
              .map((i) => {
                const lasted = Date.parse(i.closedAt ?? engine.now()) - Date.parse(i.openedAt);
                return `${i.id}\t${i.status === 'open' ? 'OPEN  ' : 'closed'}\t${i.openedAt}\t${humanDuration(lasted)}\t${i.title}`;
              })
              .join('\n'),
      );
    });
  });

  common(incidents.command('show <id>').description('an incident and its timeline')).action(
    async (v: string, opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const i = requireIncident(engine, id(v));
        const events = timeline(engine, i.id);
        output(opts, io, { ...i, timeline: events }, () =>
          [
            `Incident ${i.id}: ${i.title} (${i.status})`,
            `opened ${i.openedAt}${i.closedAt ? `, closed ${i.closedAt}` : ''}`,
            '',
            ...events.map((e) => `${e.at}  ${e.type.padEnd(24)} ${e.message}`),
          ].join('\n'),
        );
      });
    },
  );

  common(incidents.command('note <id> <text...>').description('add a note to an incident timeline')).action(
    async (v: string, text: string[], opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const e = addNote(engine, id(v), text.join(' '));
        output(opts, io, e, () => `Note added to incident ${v}.`);
      });
    },
  );
}
