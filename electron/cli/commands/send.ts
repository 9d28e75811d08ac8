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
  sendTest,
  type RunOptions,
} from '../../engine/sending';
import type { SendProgress, SendSummary } from '../../engine/api/sending';
import { openSecrets, StdinLines } from './secrets';
import { custodySentence, tryCustodyNow } from '../../engine/mirror/esp/custody';

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

async function sendLike(
  io: Io,
  idArg: string,
  opts: CommonOptions & { via?: string; dryRun?: boolean },
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
      const s = await run(engine, id, {
        signal: ac.signal,
        ...(secrets ? { secrets } : {}),
        ...(opts.via ? { via: opts.via } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        onProgress: (p: SendProgress) =>
          progress.update(
            `${p.state === 'waiting' ? 'waiting for a provider... ' : ''}${p.sent}/${p.total} sent, ${p.failed} failed, ${p.skipped + p.suppressed} skipped, ${p.inFlight} in flight, ${p.perSecond.toFixed(0)}/s${p.provider ? ` via ${p.provider}` : ''}`,
          ),
      });
      progress.done();
      const after = before ? custodySentence(engine, id) : null;
      output(opts, io, { ...jsonOf(s), ...(after ? { esp: after.sentence } : {}) }, () =>
        after ? `${s.message}\n${after.sentence}` : s.message,
      );
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      progress.done();
    }
  });
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
      .option('--test <address>', 'send one test to this address instead (nothing is recorded as sent)')
      .option('--as <member>', 'with --test: fill the merge tags with this member of the list'),
  ).action(
    async (
      id: string,
      opts: CommonOptions & { via?: string; dryRun?: boolean; test?: string; as?: string },
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
    program.command('resume <id>').description('resume a paused campaign from exactly what is not yet sent'),
  ).action((id: string, opts: CommonOptions) =>
    sendLike(io, id, opts, (engine, n, o) => resumeCampaign(engine, n, o)),
  );

  common(
    program.command('retry-failed <id>').description('resend only to the recipients whose delivery failed'),
  ).action((id: string, opts: CommonOptions) =>
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
