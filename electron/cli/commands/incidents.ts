/** `incidents`, `incidents show ID`, `incidents note ID TEXT`: outages and their timelines. */
import type { Command } from 'commander';
import { common, orList, output, withEngine, type CommonOptions, type Io } from '../context';
import { NoticeKindSchema } from '../../engine/api/continuity';
import { addNote, requireIncident, timeline } from '../../engine/continuity/incidents';
import { humanDuration } from '../../engine/time';
import { userError } from '../../engine/errors';
import { createNotice, importCodes, sendStakeholderUpdate } from '../../engine/continuity/communication';
import { readSettings } from '../../engine/continuity/settings';
import { openEngineSecrets } from './secrets';
import {
  INCIDENT_CAUSES,
  INCIDENT_CAUSE_WORDS,
  type IncidentCause,
  type IncidentReview,
} from '../../engine/api/review';
import { addAction, changeAction, incidentReview, saveReview } from '../../engine/continuity/review';
import { displayTime } from '../../engine/time';

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

  registerReview(incidents, io);

  common(
    incidents
      .command('codes <file>')
      .description('import unique compensation codes (one per line, or a "code" column) into a batch')
      .requiredOption('--batch <name>', 'name of the batch'),
  ).action(async (file: string, opts: CommonOptions & { batch: string }) => {
    await withEngine(opts, io, (engine) => {
      const r = importCodes(engine, file, opts.batch);
      output(
        opts,
        io,
        r,
        () =>
          `${r.added} code(s) added to "${r.batch}" (${r.duplicates} duplicate(s) ignored); ${r.free} free.`,
      );
    });
  });

  common(
    incidents
      .command('notice')
      .description(
        'create a subscriber status notice or an apology as a campaign (send it with `understudy send ID`)',
      )
      .requiredOption('--kind <kind>', NoticeKindSchema.options.join(' | '))
      .requiredOption('--list <name>', 'the list to write to')
      .requiredOption('--from <address>', '"Name <address>" or an address')
      .option('--company <name>', 'business name in the text (default: the list name)')
      .option('--subject <text>', 'subject (default: from the template)')
      .option('--message <text>', 'the main paragraph (default: from the template)')
      .option('--codes <batch>', 'apology only: give each recipient a code from this batch')
      .option('--at <time>', 'schedule it (ISO-8601 with offset)'),
  ).action(
    async (
      opts: CommonOptions & {
        kind: string;
        list: string;
        from: string;
        company?: string;
        subject?: string;
        message?: string;
        codes?: string;
        at?: string;
      },
    ) => {
      if (!NoticeKindSchema.safeParse(opts.kind).success)
        throw userError(`--kind is ${orList(NoticeKindSchema.options.map((k) => `"${k}"`))}.`, {
          safe: 'Nothing was changed.',
        });
      await withEngine(opts, io, (engine) => {
        const r = createNotice(engine, {
          kind: opts.kind as 'status' | 'apology',
          list: opts.list,
          from: opts.from,
          ...(opts.company ? { company: opts.company } : {}),
          ...(opts.subject ? { subject: opts.subject } : {}),
          ...(opts.message ? { message: opts.message } : {}),
          ...(opts.codes ? { codes: opts.codes } : {}),
          ...(opts.at ? { at: opts.at } : {}),
        });
        output(opts, io, { campaignId: r.campaign.id, codes: r.codes }, () =>
          [
            `Campaign ${r.campaign.id} created (${r.campaign.status}). Review it with \`understudy campaigns show ${r.campaign.id}\`, send it with \`understudy send ${r.campaign.id}\`.`,
            ...(r.codes
              ? [
                  `Codes: ${r.codes.assigned} assigned${r.codes.withoutCode ? `; ${r.codes.withoutCode} recipient(s) without a code will not be sent this apology` : ''}.`,
                ]
              : []),
          ].join('\n'),
        );
      });
    },
  );

  common(
    incidents
      .command('update')
      .description('email the team a status update through any working provider')
      .requiredOption('--to <addresses>', 'comma-separated addresses')
      .requiredOption('--from <address>', 'sender address')
      .option('--note <text>', 'a line of your own at the top'),
  ).action(async (opts: CommonOptions & { to: string; from: string; note?: string }) => {
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const r = await sendStakeholderUpdate(engine, {
        to: opts.to
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
        from: opts.from,
        zone: readSettings(engine).timeZone,
        ...(opts.note ? { note: opts.note } : {}),
      });
      output(opts, io, r, () => `Update "${r.subject}" sent to ${r.to.join(', ')} through ${r.provider}.`);
    });
  });
}

function causeOf(v: string): IncidentCause | null {
  const k = v
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (k === '' || k === 'none') return null;
  if ((INCIDENT_CAUSES as readonly string[]).includes(k)) return k as IncidentCause;
  throw userError(`"${v}" is not one of the causes.`, {
    safe: 'The review was not changed.',
    next: `Choose one of: ${INCIDENT_CAUSES.map((c) => `${c} (${INCIDENT_CAUSE_WORDS[c]})`).join('; ')}.`,
  });
}

function reviewLines(r: IncidentReview, zone: string): string[] {
  return [
    `  Cause: ${r.cause ? INCIDENT_CAUSE_WORDS[r.cause] : 'not chosen yet'}${r.causeText ? ` — ${r.causeText}` : ''}`,
    `  What worked: ${r.worked || 'not written yet'}`,
    `  What did not: ${r.didNotWork || 'not written yet'}`,
    r.actions.length ? '  Actions:' : '  Actions: none yet',
    ...r.actions.map(
      (a) =>
        `    ${a.id}. [${a.done ? 'x' : ' '}] ${a.text} — ${a.owner}${a.done && a.doneAt ? ` (done ${displayTime(a.doneAt, zone)})` : ''}`,
    ),
  ];
}

/** `incidents review ID` and `incidents action ID`: the post-incident review (issue 16 §7). */
function registerReview(incidents: Command, io: Io): void {
  common(
    incidents
      .command('review <id>')
      .description("show or write an incident's review (printed with its report)")
      .option('--cause <cause>', `what caused it: ${INCIDENT_CAUSES.join(', ')}`)
      .option('--cause-text <text>', 'the cause in your own words')
      .option('--worked <text>', 'what worked')
      .option('--did-not-work <text>', 'what did not work'),
  ).action(
    async (
      v: string,
      opts: CommonOptions & { cause?: string; causeText?: string; worked?: string; didNotWork?: string },
    ) => {
      await withEngine(opts, io, (engine) => {
        const n = id(v);
        const cause = opts.cause === undefined ? undefined : causeOf(opts.cause);
        const changing = [cause, opts.causeText, opts.worked, opts.didNotWork].some((x) => x !== undefined);
        const r = changing
          ? saveReview(engine, {
              id: n,
              ...(cause !== undefined ? { cause } : {}),
              ...(opts.causeText !== undefined ? { causeText: opts.causeText.trim() } : {}),
              ...(opts.worked !== undefined ? { worked: opts.worked.trim() } : {}),
              ...(opts.didNotWork !== undefined ? { didNotWork: opts.didNotWork.trim() } : {}),
            })
          : incidentReview(engine, n);
        output(opts, io, r, () =>
          [
            changing ? `Review of incident ${n} saved.` : `Review of incident ${n}:`,
            ...reviewLines(r, readSettings(engine).timeZone),
          ].join('\n'),
        );
      });
    },
  );

  common(
    incidents
      .command('action <id> [text...]')
      .description("add an action with an owner to an incident's review, or mark one done")
      .option('--owner <name>', 'who will do it (needed to add an action)')
      .option('--done <action>', 'mark this action (its number) done')
      .option('--reopen <action>', 'mark this action not done')
      .option('--remove <action>', 'remove this action'),
  ).action(
    async (
      v: string,
      text: string[],
      opts: CommonOptions & { owner?: string; done?: string; reopen?: string; remove?: string },
    ) => {
      await withEngine(opts, io, (engine) => {
        const n = id(v);
        const picked = [opts.done, opts.reopen, opts.remove].filter((x) => x !== undefined).length;
        if (picked > 1 || (picked === 1 && text.length))
          throw userError('Give either an action to add, or one of --done, --reopen, --remove.', {
            safe: 'Nothing was changed.',
            next: 'For example: `understudy incidents action 3 "Add a second backup" --owner Sam`.',
          });
        let r: IncidentReview;
        let said: string;
        if (picked === 1) {
          const which = (opts.done ?? opts.reopen ?? opts.remove)!;
          const actionId = Number(which.replace(/^#/, ''));
          if (!Number.isInteger(actionId) || actionId < 1)
            throw userError(`"${which}" is not an action number.`, {
              safe: 'Nothing was changed.',
              next: `See \`understudy incidents review ${n}\` for the actions and their numbers.`,
            });
          r = changeAction(engine, {
            id: n,
            actionId,
            ...(opts.done !== undefined ? { done: true } : {}),
            ...(opts.reopen !== undefined ? { done: false } : {}),
            ...(opts.remove !== undefined ? { remove: true } : {}),
          });
          said =
            opts.remove !== undefined
              ? `Action ${actionId} removed.`
              : `Action ${actionId} marked ${opts.done !== undefined ? 'done' : 'not done'}.`;
        } else {
          if (!text.length)
            throw userError('Say what is to be done.', {
              safe: 'Nothing was added.',
              next: 'For example: `understudy incidents action 3 "Add a second backup" --owner Sam`.',
            });
          if (!opts.owner?.trim())
            throw userError('An action needs an owner: who will do it?', {
              safe: 'Nothing was added.',
              next: 'Add --owner NAME.',
            });
          r = addAction(engine, n, text.join(' '), opts.owner);
          said = `Action ${r.actions.at(-1)!.id} added for ${r.actions.at(-1)!.owner}.`;
        }
        output(opts, io, r, () => [said, ...reviewLines(r, readSettings(engine).timeZone)].join('\n'));
      });
    },
  );
}
