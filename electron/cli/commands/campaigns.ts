/** `campaigns add|list|show|policy`: campaigns to send through the backup chain, and their outage policy. */
import { Option, type Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { common, output, parseIntOption, withEngine, type CommonOptions, type Io } from '../context';
import { quoteInput, userError } from '../../engine/errors';
import { createCampaign, getCampaign, listCampaigns, requireCampaign } from '../../engine/sending';
import { campaignCapacity } from '../../engine/sending/campaignCapacity';
import { describePolicy, policyInForce, setCampaignPolicy } from '../../engine/continuity/policy';
import { DialectSchema, type Campaign } from '../../engine/api/sending';

function readBody(flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st)
    throw userError(`The ${flag} file ${quoteInput(file, 200)} does not exist.`, {
      safe: 'Nothing was changed.',
      next: 'Check the path.',
    });
  if (st.isDirectory())
    throw userError(`The ${flag} path ${quoteInput(file, 200)} is a folder, not a file.`, {
      code: 'is_a_folder',
      safe: 'Nothing was changed.',
      next: `Give the ${flag === '--html' ? 'HTML' : 'text'} file itself.`,
    });
  return readFileSync(file, 'utf8');
}

function line(c: Campaign): string {
  const k = c.counts;
  const progress = k.total
    ? ` — ${k.sent}/${k.total} sent, ${k.failedPerm + k.failedTemp} failed, ${k.skipped + k.suppressed} skipped`
    : '';
  return `${c.id}\t${c.status}\t${c.scheduledAt ?? '-'}\t${c.list ?? '-'}\t${c.subject}${progress}`;
}

// eslint-disable-next-line max-lines-per-function -- the group's subcommands in --help order; each action is a few lines
export function registerCampaigns(program: Command, io: Io): void {
  const campaigns = program.command('campaigns').description('campaigns: create, list, show');

  common(
    campaigns
      .command('add')
      .description('create a campaign (a draft, or scheduled with --at)')
      .requiredOption('--list <name>', 'the list to send to')
      .requiredOption('--subject <text>', 'subject line (merge tags allowed)')
      .requiredOption('--from <address>', '"Name <address>" or an address')
      .requiredOption('--html <file>', 'the HTML body')
      .option('--text <file>', 'the plain-text body (default: derived from the HTML)')
      .option('--reply-to <address>', 'Reply-To address')
      .option('--name <name>', 'an internal name (default: the subject)')
      .addOption(
        new Option('--dialect <dialect>', 'merge tags of').choices(DialectSchema.options).default('local'),
      )
      .option(
        '--at <iso>',
        'when to send, ISO-8601 with an offset, e.g. 2026-12-01T09:00:00+01:00 (not in the past)',
      )
      .option('--now', 'send now: schedule it for this moment (`understudy run` sends it at once)'),
  ).action(
    async (
      opts: CommonOptions & {
        list: string;
        subject: string;
        from: string;
        html: string;
        text?: string;
        replyTo?: string;
        name?: string;
        dialect: string;
        at?: string;
        now?: boolean;
      },
    ) => {
      const dialect = DialectSchema.safeParse(opts.dialect);
      if (!dialect.success)
        throw userError(
          `Unknown --dialect "${opts.dialect}". Use one of: ${DialectSchema.options.join(', ')}.`,
          {
            safe: 'Nothing was changed.',
          },
        );
      const html = readBody('--html', opts.html);
      const text = readBody('--text', opts.text);
      await withEngine(opts, io, (engine) => {
        const c = createCampaign(engine, {
          list: opts.list,
          subject: opts.subject,
          from: opts.from,
          html: html ?? null,
          text: text ?? null,
          dialect: dialect.data,
          ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.at !== undefined ? { at: opts.at } : {}),
          ...(opts.now ? { sendNow: true } : {}),
        });
        output(
          opts,
          io,
          c,
          () =>
            `Campaign ${c.id} created (${c.status}${c.scheduledAt ? ` for ${c.scheduledAt}` : ''}). Check it with \`understudy send ${c.id} --dry-run\`, send it with \`understudy send ${c.id}\`.`,
        );
      });
    },
  );

  common(campaigns.command('list').description('campaigns, newest first, with delivery counts')).action(
    async (opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const list = listCampaigns(engine);
        output(opts, io, { campaigns: list }, () =>
          list.length === 0
            ? 'No campaigns yet. Create one with `understudy campaigns add --list NAME --subject S --from ADDR --html FILE`.'
            : ['id\tstatus\tscheduled\tlist\tsubject', ...list.map(line)].join('\n'),
        );
      });
    },
  );

  common(
    campaigns.command('show <id>').description('one campaign: counts, providers used, last run, failures'),
  ).action(async (id: string, opts: CommonOptions) => {
    const n = parseIntOption('id', id, 1)!;
    await withEngine(opts, io, (engine) => {
      const c = getCampaign(engine, n);
      // When it would finish through the chain as it is now (issue 16 §4).
      const capacity = campaignCapacity(engine, n);
      output(opts, io, { ...c, capacity }, () =>
        [
          `Campaign ${c.id}: "${c.subject}" from ${c.fromName ? `${c.fromName} <${c.fromEmail}>` : c.fromEmail} to "${c.list}"`,
          `status: ${c.status}${c.scheduledAt ? `, scheduled ${c.scheduledAt}` : ''}${c.startedAt ? `, started ${c.startedAt}` : ''}${c.finishedAt ? `, finished ${c.finishedAt}` : ''}`,
          `deliveries: ${c.counts.total} — sent ${c.counts.sent}, queued ${c.counts.queued + c.counts.claimed}, failed ${c.counts.failedPerm + c.counts.failedTemp}, skipped ${c.counts.skipped}, suppressed ${c.counts.suppressed}`,
          `by provider: ${
            Object.entries(c.byProvider)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || '-'
          }`,
          ...(c.run
            ? [
                `last run: ${c.run.state}, started ${c.run.startedAt}${c.run.error ? `, error: ${c.run.error}` : ''}`,
              ]
            : []),
          ...(capacity.remaining > 0
            ? [`through the backups now: ${capacity.summary}`, ...capacity.notes.map((x) => `  ${x}`)]
            : []),
          `if its ESP or provider is down at its send time: ${describePolicy(policyInForce(engine, engine.repos.campaigns.byId(c.id)?.outagePolicy))}`,
          ...(c.custody ? [`at ${c.custody.esp}: ${c.custody.sentence}`] : []),
          ...(c.audience
            ? [
                `audience: ${c.audience.sentence}`,
                ...(c.audience.next ? [`what to do: ${c.audience.next}`] : []),
              ]
            : []),
          ...(c.review.length ? ['review before it is sent:', ...c.review.map((w) => `  - ${w}`)] : []),
          ...(c.failures.length
            ? [
                'failures:',
                ...c.failures.map((f) => `  ${f.email}\t${f.state}\t${f.errorClass ?? ''}\t${f.reply ?? ''}`),
              ]
            : []),
        ].join('\n'),
      );
    });
  });

  common(
    campaigns
      .command('policy <id>')
      .description("a campaign's own outage policy (no option: show the policy in force)")
      .option('--outage <mode>', 'pause | wait | backup | default (follow `understudy policy`)')
      .option('--wait-minutes <n>', 'with --outage wait: minutes to wait for the ESP before the backups'),
  ).action(async (id: string, opts: CommonOptions & { outage?: string; waitMinutes?: string }) => {
    const n = parseIntOption('id', id, 1)!;
    const modes = ['pause', 'wait', 'backup', 'default'] as const;
    if (opts.outage !== undefined && !(modes as readonly string[]).includes(opts.outage))
      throw userError(`"${opts.outage}" is not an outage policy.`, {
        code: 'bad_option',
        safe: 'Nothing was changed.',
        next: 'Use --outage pause, wait, backup or default.',
      });
    const wait = parseIntOption('wait-minutes', opts.waitMinutes, 1);
    if (wait !== undefined && wait > 1440)
      throw userError('--wait-minutes is at most 1440 (a day).', {
        code: 'bad_option',
        safe: 'Nothing was changed.',
      });
    await withEngine(opts, io, (engine) => {
      const p =
        opts.outage === undefined
          ? policyInForce(engine, requireCampaign(engine, n).outagePolicy)
          : setCampaignPolicy(engine, n, opts.outage as (typeof modes)[number], wait);
      output(
        opts,
        io,
        p,
        () => `Campaign ${n}: if its ESP or provider is down at its send time, ${describePolicy(p)}.`,
      );
    });
  });
}
