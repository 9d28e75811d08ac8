/**
 * `send ID [--via P] [--dry-run]`, `send ID --test ADDRESS [--as MEMBER]`, `pause ID`, `resume ID`,
 * `cancel ID`, `retry-failed ID`. A send runs until the campaign is done, with progress on stderr;
 * Ctrl-C pauses it (resume picks up exactly where it stopped). A kill or crash leaves it 'sending':
 * the next `send ID` or the app resumes it.
 */
import type { Command } from 'commander';
import {
  common,
  dbPathOf,
  output,
  parseIntOption,
  progressPrinter,
  withEngine,
  type CommonOptions,
  type Io,
} from '../context';
import type { Engine } from '../../engine/engine';
import {
  cancelCampaign,
  pauseCampaign,
  resumeCampaign,
  retryFailed,
  runCampaign,
  currentSummary,
  requireCampaign,
  waitForLease,
  sendTest,
  type RunOptions,
} from '../../engine/sending';
import type { SendProgress, SendSummary } from '../../engine/api/sending';
import { openSecrets, StdinLines } from './secrets';
import { custodySentence, tryCustodyNow } from '../../engine/mirror/esp/custody';
import { userError } from '../../engine/errors';
import { leftOutRisky, describeReasons, riskyOffer } from '../../engine/sending/reputation';

type Runner = (engine: Engine, id: number, o: RunOptions) => Promise<SendSummary>;

function jsonOf(s: SendSummary) {
  return {
    campaign: s.campaign,
    sent: s.sent,
    failed: s.failed,
    skipped: s.skipped,
    suppressed: s.suppressed,
    byProvider: s.byProvider,
    state: s.state,
    queued: s.queued,
    resentUncertain: s.resentUncertain,
    durationMs: s.durationMs,
    message: s.message,
  };
}

/**
 * Another live process holds the campaign's lease: by default a user error (exit 1: nothing was done,
 * and a script must not take "someone else is sending" for "sent"); with --wait, wait on the lease
 * (its holder's heartbeat and liveness, checked about once a second) and then run.
 */
async function runOrWait(
  engine: Engine,
  io: Io,
  id: number,
  o: RunOptions,
  wait: boolean,
  run: Runner,
): Promise<SendSummary> {
  for (;;) {
    const s = await run(engine, id, o);
    if (s.state !== 'already_running') return s;
    if (!wait)
      throw userError(s.message, {
        code: 'already_sending',
        safe: 'This command sent nothing; the other process keeps sending the campaign.',
        next: `Let it finish, run \`understudy send ${id} --wait\` to continue after it, or stop it with \`understudy pause ${id}\`.`,
      });
    io.stderr.write(`${s.message} Waiting for it to finish...\n`);
    await waitForLease(engine, id, o.signal);
    if (o.signal?.aborted) return s;
    const c = engine.repos.deliveries.counts(id);
    if (requireCampaign(engine, id).status === 'sent' && c.queued + c.claimed === 0)
      return currentSummary(
        engine,
        id,
        `Campaign ${id} was finished by the other process; nothing was left to send.`,
      );
  }
}

async function sendLike(
  io: Io,
  idArg: string,
  opts: CommonOptions & { via?: string; dryRun?: boolean; wait?: boolean; skipRisky?: boolean },
  run: Runner,
  /** `send`: say what happens at the ESP of a mirrored campaign, before and after. */
  sayCustody = false,
) {
  const id = parseIntOption('id', idArg, 1)!;
  await withEngine(opts, io, async (engine) => {
    const secrets = opts.dryRun ? undefined : await openSecrets(dbPathOf(opts, io), io, new StdinLines(io));
    const progress = progressPrinter(io);
    const before = sayCustody && !opts.dryRun ? custodySentence(engine, id) : null;
    if (before && before.owner === 'esp') io.stderr.write(`${before.sentence}\n`);
    const ac = new AbortController();
    const onSigint = () => {
      io.stderr.write('\nPausing: messages on the wire finish, nothing else is sent...\n');
      ac.abort('pause');
    };
    const onSigterm = () => ac.abort('shutdown');
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    try {
      const s = await runOrWait(
        engine,
        io,
        id,
        {
          signal: ac.signal,
          ...(secrets ? { secrets } : {}),
          ...(opts.via ? { via: opts.via } : {}),
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(opts.skipRisky && !opts.dryRun ? { skipRisky: true } : {}),
          onProgress: (p: SendProgress) =>
            progress.update(
              `${p.state === 'waiting' ? 'waiting for a provider... ' : ''}${p.sent}/${p.total} sent, ${p.failed} failed, ${p.skipped + p.suppressed} skipped, ${p.inFlight} in flight, ${p.perSecond.toFixed(0)}/s${p.provider ? ` via ${p.provider}` : ''}`,
            ),
        },
        opts.wait === true,
        run,
      );
      progress.done();
      const after = before ? custodySentence(engine, id) : null;
      // The engine's message names no command (the app shows it too); the CLI adds its own.
      const hint =
        s.state === 'paused'
          ? ` Resume with \`understudy resume ${id}\`.`
          : s.state === 'waiting'
            ? ` Run \`understudy send ${id}\` to continue, or leave it to \`understudy run\` or the app.`
            : s.state === 'finished' && s.failed > 0
              ? ` Resend to the failed ones with \`understudy retry-failed ${id}\`.`
              : '';
      // People most likely to hurt a cold or small backup (sending/reputation.ts): offered in a dry
      // run, and what was left out said after a send with --skip-risky.
      const risky = sayCustody ? riskyLine(engine, id, opts) : null;
      output(
        opts,
        io,
        { ...jsonOf(s), ...(after ? { esp: after.sentence } : {}), ...(risky ? { risky: risky.json } : {}) },
        () =>
          [
            `${s.message}${hint}`,
            ...(risky?.line ? [risky.line] : []),
            ...(after ? [after.sentence] : []),
          ].join('\n'),
      );
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      progress.done();
    }
  });
}

/** The risky-people sentence of `send`: the offer (dry run) or who was left out (--skip-risky). */
function riskyLine(
  engine: Engine,
  id: number,
  opts: { via?: string; dryRun?: boolean; skipRisky?: boolean },
): { line: string | null; json: unknown } | null {
  if (opts.dryRun) {
    const offer = riskyOffer(engine, id, { via: opts.via });
    if (offer.count === 0) return { line: null, json: offer };
    return {
      line: `${offer.summary} ${opts.skipRisky ? 'With --skip-risky they are left out (and listed in the report).' : 'Add --skip-risky to leave them out (they are listed in the report, not unsubscribed).'}`,
      json: offer,
    };
  }
  if (!opts.skipRisky) return null;
  const rows = leftOutRisky(engine, [id]);
  const n = rows.reduce((a, r) => a + r.count, 0);
  return {
    line:
      n === 0
        ? 'Nobody was left out: nobody on this campaign is likely to hurt the backup’s reputation.'
        : `${n.toLocaleString('en')} ${n === 1 ? 'person was' : 'people were'} left out to protect the backup’s reputation (${describeReasons(rows)}); they are counted as skipped.`,
    json: { leftOut: n, byReason: rows.map(({ reason, count }) => ({ reason, count })) },
  };
}

/** A campaign just taken over from its ESP: one try at unscheduling it there, and the sentence. */
async function custodyAfter(engine: Engine, id: number): Promise<string | null> {
  if (!custodySentence(engine, id)) return null;
  await tryCustodyNow(engine, id);
  return custodySentence(engine, id)?.sentence ?? null;
}

export function registerSend(program: Command, io: Io): void {
  common(
    program
      .command('send <id>')
      .description('send a campaign through the provider chain until it is done (progress on stderr)')
      .option('--via <provider>', 'send only through this provider (no failover)')
      .option('--dry-run', 'render every message and count recipients; send and change nothing')
      .option(
        '--skip-risky',
        'leave out people most likely to hurt a cold or small backup (hard-bounced before, bounced or cleaned on another list, never confirmed); recorded as skipped',
      )
      .option('--wait', 'if another process is sending this campaign, wait for it to stop, then continue')
      .option('--test <address>', 'send one test to this address instead (nothing is recorded as sent)')
      .option('--as <member>', 'with --test: fill the merge tags with this member of the list'),
  ).action(
    async (
      id: string,
      opts: CommonOptions & {
        via?: string;
        dryRun?: boolean;
        wait?: boolean;
        test?: string;
        as?: string;
        skipRisky?: boolean;
      },
    ) => {
      if (opts.test === undefined)
        return sendLike(io, id, opts, (engine, n, o) => runCampaign(engine, n, o), true);
      const n = parseIntOption('id', id, 1)!;
      await withEngine(opts, io, async (engine) => {
        const secrets = await openSecrets(dbPathOf(opts, io), io, new StdinLines(io));
        const r = await sendTest(engine, n, {
          to: opts.test!,
          secrets,
          ...(opts.as ? { as: opts.as } : {}),
          ...(opts.via ? { via: opts.via } : {}),
        });
        output(
          opts,
          io,
          r,
          () =>
            `Test of campaign ${r.campaign} sent to ${r.to} through "${r.provider}"${r.as ? ` with the values of ${r.as}` : ''}. The campaign itself is unchanged.`,
        );
      });
    },
  );

  common(
    program
      .command('resume <id>')
      .description('resume a paused campaign from exactly what is not yet sent')
      .option('--wait', 'if another process is sending it, wait for it to stop, then continue'),
  ).action((id: string, opts: CommonOptions & { wait?: boolean }) =>
    sendLike(io, id, opts, (engine, n, o) => resumeCampaign(engine, n, o)),
  );

  common(
    program
      .command('retry-failed <id>')
      .description('resend only to the recipients whose delivery failed')
      .option('--wait', 'if another process is sending it, wait for it to stop, then continue'),
  ).action((id: string, opts: CommonOptions & { wait?: boolean }) =>
    sendLike(io, id, opts, (engine, n, o) => retryFailed(engine, n, o)),
  );

  common(
    program
      .command('pause <id>')
      .description('pause a sending campaign (a running send stops within a second)'),
  ).action(async (id: string, opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      const c = pauseCampaign(engine, parseIntOption('id', id, 1)!);
      const esp = await custodyAfter(engine, c.id);
      output(opts, io, { ...c, ...(esp ? { esp } : {}) }, () =>
        [`Campaign ${c.id} paused. Resume it with \`understudy resume ${c.id}\`.`, esp]
          .filter(Boolean)
          .join('\n'),
      );
    });
  });

  common(program.command('cancel <id>').description('cancel a campaign: nothing more is sent')).action(
    async (id: string, opts: CommonOptions) => {
      await withEngine(opts, io, async (engine) => {
        const c = cancelCampaign(engine, parseIntOption('id', id, 1)!);
        const esp = await custodyAfter(engine, c.id);
        output(opts, io, { ...c, ...(esp ? { esp } : {}) }, () =>
          [`Campaign ${c.id} cancelled: ${c.counts.sent} were sent before, the rest will not be.`, esp]
            .filter(Boolean)
            .join('\n'),
        );
      });
    },
  );
}
