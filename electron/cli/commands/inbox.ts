/** `inbox setup`, `inbox process`: the backup sending mailbox (unsubscribe requests and bounces). */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { openEngineSecrets, readPassword, StdinLines } from './secrets';
import { configureMailbox } from '../../engine/continuity/mailbox';
import { processInbox } from '../../engine/continuity/inbox';
import { listReview, resolveReview } from '../../engine/continuity/unsubscribe';
import { userError } from '../../engine/errors';

export function registerInbox(program: Command, io: Io): void {
  const inbox = program.command('inbox').description('the backup sending mailbox (IMAP)');
  common(
    inbox
      .command('setup')
      .description('where unsubscribe requests and bounces arrive, and the seed address for drills')
      .requiredOption('--host <host>', 'IMAP host')
      .option('--port <n>', 'IMAP port', '993')
      .option('--no-tls', 'plain IMAP (STARTTLS when offered) instead of implicit TLS')
      .requiredOption('--user <user>', 'IMAP user')
      .option('--password-env <VAR>', 'read the password from this environment variable (else stdin)')
      .option('--mailbox <name>', 'folder to read', 'INBOX')
      .option('--seed <address>', 'address drills send to (delivered to this mailbox)')
      .option('--seed-mailbox <name>', 'folder where drill messages arrive', 'INBOX'),
  ).action(
    async (
      opts: CommonOptions & {
        host: string;
        port: string;
        tls: boolean;
        user: string;
        passwordEnv?: string;
        mailbox: string;
        seed?: string;
        seedMailbox: string;
      },
    ) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw userError(`--port "${opts.port}" is not a port number.`);
      await withEngine(opts, io, async (engine) => {
        const lines = new StdinLines(io);
        await openEngineSecrets(engine, opts, io, lines);
        const password = await readPassword(io, lines, opts.passwordEnv);
        const s = await configureMailbox(engine, {
          host: opts.host,
          port,
          secure: opts.tls,
          user: opts.user,
          mailbox: opts.mailbox,
          seedMailbox: opts.seedMailbox,
          ...(opts.seed ? { seedAddress: opts.seed } : {}),
          password,
        });
        output(
          opts,
          io,
          { ...s, secretRef: undefined },
          () => `Backup mailbox: ${s.user} at ${s.host}:${s.port} (${s.mailbox}).`,
        );
      });
    },
  );

  common(
    inbox.command('process').description('apply unsubscribe requests and bounce reports from the mailbox'),
  ).action(async (opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const r = await processInbox(engine);
      output(
        opts,
        io,
        r,
        () =>
          `${r.examined} new message(s) in ${r.mailbox}: ${r.unsubscribes} unsubscribe(s), ${r.bounces} bounce(s), ${r.complaints} complaint(s) applied and suppressed, ${r.ignored} ignored${r.queuedForEsp ? `; ${r.queuedForEsp} queued for the ESP` : ''}.`,
      );
    });
  });

  common(
    inbox
      .command('review')
      .description(
        'unsubscribe requests kept for review (a link or email whose code did not verify, a sender on no list)',
      )
      .option('--all', 'include items already dealt with')
      .option('--done <id>', 'mark item <id> as dealt with (give --note)')
      .option('--note <text>', 'what was done, kept with the item'),
  ).action(async (opts: CommonOptions & { all?: boolean; done?: string; note?: string }) => {
    await withEngine(opts, io, (engine) => {
      if (opts.done !== undefined) {
        const id = Number(opts.done);
        if (!Number.isSafeInteger(id) || id < 1)
          throw userError(`--done "${opts.done}" is not an item number.`, {
            safe: 'Nothing was changed.',
            next: 'Run `understudy inbox review` to see the numbers.',
          });
        if (!opts.note?.trim())
          throw userError(
            'Say what was done with --note, e.g. --note "unsubscribed ann@example.org by hand".',
            {
              safe: 'Nothing was changed.',
            },
          );
        const item = resolveReview(engine, id, opts.note);
        output(opts, io, item, () => `Item #${item.id} marked as dealt with.`);
        return;
      }
      const r = listReview(engine, { includeResolved: !!opts.all });
      output(opts, io, r, () => {
        if (!r.items.length) return 'No unsubscribe requests are waiting for review.';
        const lines = [`${r.open} unsubscribe request(s) waiting for review:`];
        for (const i of r.items) {
          const who = i.fromEmail
            ? `from ${i.fromEmail}`
            : i.channel === 'mailto'
              ? 'by email'
              : 'through a link';
          lines.push(
            `#${i.id} ${who}${i.campaignId !== null ? `, campaign ${i.campaignId}` : ''}${i.seen > 1 ? ` (${i.seen} times)` : ''}${i.resolvedAt ? ` — done: ${i.resolution ?? ''}` : ''}`,
            `   ${i.why}`,
          );
        }
        lines.push(
          'Unsubscribe the person by hand if you can tell who it is, then run `understudy inbox review --done <n> --note "..."`.',
        );
        return lines.join('\n');
      });
    });
  });
}
