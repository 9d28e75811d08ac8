/** `lists`, `import`, `export`, `subscribers`: the mirror's lists from the command line. */
import type { Command } from 'commander';
import {
  common,
  output,
  withEngine,
  progressPrinter,
  parseIntOption,
  type CommonOptions,
  type Io,
} from '../context';
import { importFile } from '../../engine/mirror/csv/importer';
import { exportList } from '../../engine/mirror/csv/exporter';
import { listSummaries, querySubscribers, streamSubscribers } from '../../engine/mirror/lists';
import { subscriberDetailByEmail } from '../../engine/mirror/subscriberDetail';
import type { Engine } from '../../engine/engine';
import { importHeadline, type Subscriber } from '../../engine/api/lists';
import { once } from 'node:events';
import {
  IMPORT_FIELDS,
  IMPORT_FORMATS,
  ImportFormatSchema,
  SubscriberSortSchema,
} from '../../engine/api/lists';
import { shown } from '../../engine/display';
import { isSubscriberStatus, SUBSCRIBER_STATUSES } from '../../engine/model/status';
import { userError } from '../../engine/errors';

// eslint-disable-next-line max-lines-per-function -- the group's subcommands in --help order; each action is a few lines
export function registerLists(program: Command, io: Io): void {
  common(program.command('lists').description('lists with their counts by status')).action(
    async (opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const lists = listSummaries(engine);
        output(opts, io, { lists }, () =>
          lists.length === 0
            ? 'No lists yet. Import one with `understudy import FILE --list NAME`.'
            : lists
                .map((l) => {
                  const parts = SUBSCRIBER_STATUSES.filter((s) => l.byStatus[s] > 0).map(
                    (s) => `${s} ${l.byStatus[s]}`,
                  );
                  return `${l.name}: ${l.total} (${parts.join(', ') || 'empty'})`;
                })
                .join('\n'),
        );
      });
    },
  );

  common(
    program
      .command('import <file>')
      .description(
        `import a CSV/TSV export (${IMPORT_FORMATS.filter((f) => f.id !== 'understudy' && f.id !== 'csv')
          .map((f) => f.label)
          .join(', ')}, or any CSV) into a list`,
      )
      .requiredOption('--list <name>', 'the list to import into (created if it does not exist)')
      .option('--format <format>', ImportFormatSchema.options.join('|'), 'auto')
      .option('--map <Column=field...>', `map a column: ${IMPORT_FIELDS.join(', ')}, merge:TAG, extra:NAME`)
      .option(
        '--status <status>',
        `status for rows whose file does not say (${SUBSCRIBER_STATUSES.join('|')}; default subscribed)`,
      )
      .option('--encoding <encoding>', 'utf-8|utf-16le|utf-16be|windows-1252 (default: detected)')
      .option('--reject-report <file>', 'write rejected rows (line, reason, raw text) to this CSV')
      .option('--force', 'replace the --reject-report file if it already exists'),
  ).action(
    async (
      file: string,
      opts: CommonOptions & {
        list: string;
        format: string;
        map?: string[];
        rejectReport?: string;
        force?: boolean;
        status?: string;
        encoding?: string;
      },
    ) => {
      const format = ImportFormatSchema.safeParse(opts.format);
      if (!format.success)
        throw userError(
          `Unknown --format "${shown(opts.format, 60)}". Use one of: ${ImportFormatSchema.options.join(', ')}.`,
        );
      if (opts.status !== undefined && !isSubscriberStatus(opts.status)) {
        throw userError(
          `Unknown --status "${shown(opts.status, 60)}". Use one of: ${SUBSCRIBER_STATUSES.join(', ')}.`,
        );
      }
      const encodings = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
      const encoding = opts.encoding
        ?.toLowerCase()
        .replace(/^(cp|win)-?1252$/, 'windows-1252')
        .replace(/^utf8$/, 'utf-8');
      if (encoding !== undefined && !(encodings as readonly string[]).includes(encoding)) {
        throw userError(
          `Unknown --encoding "${shown(opts.encoding ?? '', 60)}". Use one of: ${encodings.join(', ')}.`,
        );
      }
      const map: Record<string, string> = {};
      for (const m of opts.map ?? []) {
        const eq = m.lastIndexOf('=');
        if (eq <= 0) throw userError(`--map "${shown(m, 100)}" is not of the form "Column=field".`);
        map[m.slice(0, eq)] = m.slice(eq + 1);
      }
      await withEngine(opts, io, async (engine) => {
        const progress = progressPrinter(io);
        const ac = new AbortController();
        const onSignal = () => ac.abort();
        process.once('SIGINT', onSignal);
        try {
          const result = await importFile(
            engine,
            {
              file,
              list: opts.list,
              format: format.data,
              map,
              ...(opts.rejectReport ? { rejectReport: opts.rejectReport } : {}),
              ...(opts.status ? { status: opts.status as never } : {}),
              ...(encoding ? { encoding: encoding as (typeof encodings)[number] } : {}),
            },
            {
              signal: ac.signal,
              forceRejectReport: opts.force === true,
              onProgress: (p) =>
                progress.update(
                  p.phase === 'merging'
                    ? `merging ${p.rows} rows into "${shown(opts.list, 80)}"...`
                    : `reading: ${p.rows} rows, ${pct(p.bytes, p.totalBytes)}`,
                ),
            },
          );
          progress.done();
          output(opts, io, result, () =>
            [
              `${importHeadline({ ...result, list: shown(result.list, 80) })}.`,
              `  ${result.rows} rows read (${result.format}, ${result.encoding}, delimiter ${JSON.stringify(result.delimiter)})`,
              `  new ${result.imported}, updated ${result.updated}, unchanged ${result.unchanged}, duplicates in file ${result.duplicates}, rejected ${result.rejected}`,
              `  by status: ${
                Object.entries(result.byStatus)
                  .filter(([, n]) => n > 0)
                  .map(([s, n]) => `${s} ${n}`)
                  .join(', ') || 'none'
              }`,
              result.rejectReport ? `  rejected rows are listed in ${shown(result.rejectReport)}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        } finally {
          process.off('SIGINT', onSignal);
          progress.done();
        }
      });
    },
  );

  common(
    program
      .command('export')
      .description('export a list (every status, merge fields, tags, timestamps) to CSV')
      .requiredOption('--list <name>', 'the list')
      .requiredOption(
        '--out <file>',
        'the CSV file to write (never the database, the secret file or a backup)',
      )
      .option('--force', 'replace the --out file if it already exists'),
  ).action(async (opts: CommonOptions & { list: string; out: string; force?: boolean }) => {
    await withEngine(opts, io, async (engine) => {
      const result = await exportList(engine, opts.list, opts.out, { force: opts.force === true });
      output(
        opts,
        io,
        result,
        () => `Exported ${result.rows} subscribers of "${shown(result.list, 80)}" to ${shown(result.out)}.`,
      );
    });
  });

  common(
    program
      .command('subscribers')
      .description('show subscribers of a list')
      .requiredOption('--list <name>', 'the list')
      .option('--status <status>', `only this status (${SUBSCRIBER_STATUSES.join('|')})`)
      .option('--search <text>', 'words of the name or address (each the start of a word), or @domain')
      .option('--sort <column>', `sort by ${SubscriberSortSchema.options.join('|')}`, 'email')
      .option('--desc', 'sort the other way round')
      .option('--limit <n>', 'at most this many rows (above 1000 they are streamed as they are read)', '50')
      .option('--all', 'every matching row, streamed (JSON: the same document, written row by row)')
      .option('--offset <n>', 'skip this many rows', '0'),
  ).action(
    async (
      opts: CommonOptions & {
        list: string;
        status?: string;
        search?: string;
        sort: string;
        desc?: boolean;
        limit: string;
        offset: string;
        all?: boolean;
      },
    ) => {
      const sort = SubscriberSortSchema.safeParse(opts.sort);
      if (!sort.success) {
        throw userError(`Unknown --sort "${opts.sort}".`, {
          code: 'bad_sort',
          safe: 'Nothing was read or changed.',
          next: `Use one of: ${SubscriberSortSchema.options.join(', ')}.`,
        });
      }
      if (opts.status !== undefined && !isSubscriberStatus(opts.status)) {
        throw userError(`Unknown --status "${opts.status}". Use one of: ${SUBSCRIBER_STATUSES.join(', ')}.`);
      }
      const limit = parseIntOption('limit', opts.limit, 1)!;
      const offset = parseIntOption('offset', opts.offset, 0)!;
      await withEngine(opts, io, async (engine) => {
        const query = {
          list: opts.list,
          status: opts.status as never,
          search: opts.search,
          sort: sort.data,
          desc: opts.desc === true,
        };
        if (opts.all || limit > PAGE_LIMIT) {
          await streamRows(engine, opts, { ...query, offset, ...(opts.all ? {} : { limit }) });
          return;
        }
        const page = querySubscribers(engine, { ...query, limit, offset });
        output(opts, io, page, () =>
          [...page.rows.map(subscriberLine), `(${page.rows.length} of ${page.total})`].join('\n'),
        );
      });
    },
  );

  /**
   * Writes rows as they are read, a page at a time, waiting when stdout is full: the same output as
   * a page (`{"total": N, "rows": [...]}` with --json), without a whole list in memory.
   */
  async function streamRows(
    engine: Engine,
    opts: CommonOptions,
    q: Parameters<typeof streamSubscribers>[1],
  ): Promise<void> {
    const total = querySubscribers(engine, { ...q, limit: 1, offset: 0 }).total ?? 0;
    const write = async (text: string) => {
      if (!io.stdout.write(text)) await once(io.stdout, 'drain');
    };
    let n = 0;
    if (opts.json) await write(`{\n  "total": ${total},\n  "rows": [`);
    for (const s of streamSubscribers(engine, q)) {
      await write(opts.json ? `${n ? ',' : ''}\n    ${JSON.stringify(s)}` : `${subscriberLine(s)}\n`);
      n++;
    }
    await write(opts.json ? `${n ? '\n  ' : ''}]\n}\n` : `(${n} of ${total})\n`);
  }

  common(
    program
      .command('subscriber <email>')
      .description("one subscriber's page: fields, tags, what happened to them, what they were sent")
      .requiredOption('--list <name>', 'the list'),
  ).action(async (email: string, opts: CommonOptions & { list: string }) => {
    await withEngine(opts, io, (engine) => {
      const d = subscriberDetailByEmail(engine, opts.list, email);
      const s = d.subscriber;
      output(opts, io, d, () =>
        [
          `${s.email}${s.firstName || s.lastName ? ` (${[s.firstName, s.lastName].filter(Boolean).join(' ')})` : ''}, list "${d.list}"`,
          `status: ${s.status}${s.statusChangedAt ? ` since ${s.statusChangedAt}` : ''}${s.statusReason ? ` (${s.statusReason})` : ''}`,
          `tags: ${s.tags.length ? s.tags.join(' | ') : '-'}`,
          ...d.fields.map((f) => `${f.name}: ${f.value}`),
          'history:',
          ...d.history.map((h) => `  ${h.at}  ${h.text}`),
          'sent:',
          ...(d.sent.length
            ? d.sent.map((x) => `  ${x.at}  ${x.campaign}  via ${x.provider ?? '-'}  ${x.outcome}`)
            : ['  nothing yet']),
        ].join('\n'),
      );
    });
  });
}

/** Above this many rows, `subscribers` streams instead of building one page. */
const PAGE_LIMIT = 1000;

function subscriberLine(s: Subscriber): string {
  return `${s.email}\t${s.status}\t${[s.firstName, s.lastName].filter(Boolean).join(' ')}`;
}

function pct(a: number, b: number): string {
  return b > 0 ? `${Math.min(100, Math.floor((a / b) * 100))}%` : `${a} bytes`;
}
