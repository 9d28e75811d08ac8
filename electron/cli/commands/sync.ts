/** `sync [--esp N] [--full]`: mirror ESP lists, members and scheduled campaigns (progress on stderr). */
import type { Command } from 'commander';
import { common, output, progressPrinter, withEngine, type CommonOptions, type Io } from '../context';
import { syncEsp, type SyncSummary } from '../../engine/mirror/esp/sync';
import { SUBSCRIBER_STATUSES } from '../../engine/model/status';
import { openEngineSecrets } from './secrets';

/** "Tue 1 Dec 2026, 10:00 (Europe/Paris)" — in the ESP's zone when it says, and in this computer's zone. */
export function whenText(utc: string, zone: string | null): string {
  const fmt = (tz?: string) =>
    new Intl.DateTimeFormat('en-GB', {
      dateStyle: 'medium',
      timeStyle: 'short',
      ...(tz ? { timeZone: tz } : {}),
    }).format(new Date(utc));
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const local = `${fmt()} (${here})`;
  if (!zone || zone === here) return local;
  try {
    return `${fmt(zone)} (${zone}) = ${local}`;
  } catch {
    return local;
  }
}

function human(s: SyncSummary): string {
  const m = s.members;
  const by = SUBSCRIBER_STATUSES.filter((k) => m.byStatus[k] > 0)
    .map((k) => `${k} ${m.byStatus[k]}`)
    .join(', ');
  return [
    `${s.provider}: ${s.mode} sync${s.resumed ? ' (resumed)' : ''}, ${s.lists} lists (${s.listsAdded} new), ${s.pages} pages${s.pushedBack ? `, ${s.pushedBack} local unsubscribes/bounces pushed back first` : ''}.`,
    `  members: ${m.added} added, ${m.updated} updated, ${m.unchanged} unchanged${m.archived ? `, ${m.archived} archived (gone at the ESP)` : ''}${m.keptLocal ? `, ${m.keptLocal} local unsubscribes/bounces kept (to push back)` : ''}${m.invalid ? `, ${m.invalid} invalid addresses skipped` : ''}${by ? ` — seen: ${by}` : ''}`,
    `  scheduled campaigns: ${s.campaigns.total} (${s.campaigns.added} new, ${s.campaigns.updated} changed${s.campaigns.gone ? `, ${s.campaigns.gone} no longer scheduled there` : ''})`,
    ...s.campaigns.scheduled.map((c) => `    "${c.name}" sends ${whenText(c.scheduledAt, c.timeZone)}`),
    ...(s.campaigns.audiences.resolved
      ? [
          `  aimed at a segment, tag or group, audience mirrored for a backup send: ${s.campaigns.audiences.resolved}`,
        ]
      : []),
    ...s.campaigns.audiences.unresolvable.map(
      (u) =>
        `  Understudy cannot send "${u.name}" through a backup because ${u.reason}. What to do: ${u.next}`,
    ),
  ].join('\n');
}

export function registerSync(program: Command, io: Io): void {
  common(
    program
      .command('sync')
      .description('mirror ESP lists, members and scheduled campaigns (incremental after the first sync)')
      .option('--esp <name>', 'only this ESP connection')
      .option('--full', 'a full pass instead of changes only (still resumes an interrupted sync)'),
  ).action(async (opts: CommonOptions & { esp?: string; full?: boolean }) => {
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const progress = progressPrinter(io);
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once('SIGINT', onSignal);
      try {
        const summaries = await syncEsp(engine, {
          esp: opts.esp,
          full: opts.full,
          signal: ac.signal,
          onProgress: (p) =>
            progress.update(
              `${p.provider}: ${p.phase}${p.list ? ` "${p.list}"` : ''} — ${p.pages} pages, ${p.members}${p.total ? ` of ${p.total}` : ''} members`,
            ),
        });
        progress.done();
        output(opts, io, { syncs: summaries }, () =>
          summaries.length ? summaries.map(human).join('\n') : 'No ESP connections to sync.',
        );
      } finally {
        process.removeListener('SIGINT', onSignal);
        progress.done();
      }
    });
  });
}
