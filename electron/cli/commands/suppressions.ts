/**
 * `suppressions list|remove|history`: review the global suppression list and allow mail to an address
 * again, with a reason kept in the events log (a spam complaint needs --force).
 */
import type { Command } from 'commander';
import { common, output, parseIntOption, withEngine, type CommonOptions, type Io } from '../context';
import { userError } from '../../engine/errors';
import {
  badReason,
  isSuppressionReason,
  listSuppressions,
  removeSuppression,
  suppressionHistory,
} from '../../engine/mirror/suppressions';
import { SUPPRESSION_REASONS } from '../../engine/api/suppressions';

/** "2026-12-06 20:46 UTC": a stored instant, readable. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
/** Text from outside (an SMTP reply, a reason) without control characters, on one line. */
// eslint-disable-next-line no-control-regex
const plain = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').trim();

export function registerSuppressions(program: Command, io: Io): void {
  const group = program
    .command('suppressions')
    .description('addresses that get no mail from any list (bounces, complaints, cleaned): review and undo');

  common(
    group
      .command('list')
      .description('suppressed addresses, newest first, and the ones recently allowed again')
      .option('--reason <reason>', `only this reason: ${SUPPRESSION_REASONS.join(', ')}`)
      .option('--since <when>', 'only those added since: 2026-12-01, 2026-12-01T09:00+01:00, or 24h, 7d, 4w')
      .option('--search <text>', 'only addresses containing this text')
      .option('--limit <n>', 'at most this many rows (1-1000, default 100)')
      .option('--offset <n>', 'skip this many rows first (paging)'),
  ).action(
    async (
      opts: CommonOptions & {
        reason?: string;
        since?: string;
        search?: string;
        limit?: string;
        offset?: string;
      },
    ) => {
      if (opts.reason !== undefined && !isSuppressionReason(opts.reason)) throw badReason(opts.reason);
      const limit = parseIntOption('limit', opts.limit, 1) ?? 100;
      if (limit > 1000)
        throw userError(`--limit must be at most 1000, not ${limit}.`, {
          code: 'bad_limit',
          safe: 'Nothing was changed.',
          next: 'Page through with --offset.',
        });
      const offset = parseIntOption('offset', opts.offset, 0) ?? 0;
      if (opts.search !== undefined && opts.search.length > 254)
        throw userError('--search is longer than any email address (254 characters).', {
          code: 'bad_search',
          safe: 'Nothing was changed.',
          next: 'Search for part of the address.',
        });
      await withEngine(opts, io, (engine) => {
        const page = listSuppressions(engine, {
          ...(opts.reason ? { reason: opts.reason as never } : {}),
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.search !== undefined ? { search: opts.search } : {}),
          limit,
          offset,
        });
        output(opts, io, page, () => {
          const lines: string[] = [];
          if (page.total === 0) lines.push('No suppressed addresses match.');
          else {
            const last = Math.min(offset + page.rows.length, page.total);
            lines.push(
              `${page.total} suppressed address${page.total === 1 ? '' : 'es'}${page.rows.length < page.total ? ` (showing ${offset + 1}-${last})` : ''}:`,
            );
            for (const r of page.rows)
              lines.push(
                `  ${r.email}  ${r.reason}  since ${when(r.createdAt)}  from ${plain(r.source)}${r.detail ? `: ${plain(r.detail).slice(0, 120)}` : ''}`,
              );
          }
          if (page.lifted.length > 0) {
            lines.push('Recently allowed again:');
            for (const l of page.lifted)
              lines.push(
                `  ${l.email}  ${l.how === 'removed' ? 'removed by hand' : 'rolled back (provider fault)'} ${when(l.at)}${l.why ? `: ${plain(l.why).slice(0, 120)}` : ''}`,
              );
          }
          return lines.join('\n');
        });
      });
    },
  );

  common(
    group
      .command('remove <email>')
      .description('allow mail to a suppressed address again (kept in the events log)')
      .option('--why <text>', 'why this address may get mail again (required)')
      .option('--force', 'needed to lift a spam complaint'),
  ).action(async (email: string, opts: CommonOptions & { why?: string; force?: boolean }) => {
    await withEngine(opts, io, (engine) => {
      const r = removeSuppression(engine, { email, why: opts.why ?? '', force: opts.force === true });
      if (r.warning) io.stderr.write(`Warning: ${r.warning}\n`);
      output(opts, io, r, () =>
        [
          `${r.email} can get mail again (it was ${r.removed.reason} since ${when(r.removed.createdAt)}).`,
          ...r.restored.map(
            (x) => `  "${plain(x.list)}": set back from ${x.from} to ${x.to}, as it was before.`,
          ),
          ...r.stillBlocked.map(
            (x) =>
              `  "${plain(x.list)}": still ${x.status}; it gets this list's mail only once you subscribe the person there again.`,
          ),
        ].join('\n'),
      );
    });
  });

  common(
    group.command('history <email>').description('everything the events log says about one address'),
  ).action(async (email: string, opts: CommonOptions) => {
    await withEngine(opts, io, (engine) => {
      const h = suppressionHistory(engine, email);
      output(opts, io, h, () =>
        [
          h.current
            ? `${h.email} is suppressed: ${h.current.reason} since ${when(h.current.createdAt)} (from ${plain(h.current.source)}).`
            : `${h.email} is not suppressed.`,
          ...(h.events.length === 0
            ? ['Nothing in the events log about this address.']
            : h.events.map((e) => `  ${when(e.at)}  ${e.type}  ${plain(e.message).slice(0, 200)}`)),
        ].join('\n'),
      );
    });
  });
}
