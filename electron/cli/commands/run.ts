/**
 * `run`: the whole continuity engine in the foreground (health monitor, scheduler, outage policies,
 * backups, inbox processing, drills, resuming interrupted sends) until SIGINT or SIGTERM, then a clean
 * shutdown that loses nothing. Also `health` and `schedule …`, which act through the same engine.
 */
import type { Command } from 'commander';
import { common, orList, output, withEngine, dbPathOf, type CommonOptions, type Io } from '../context';
import { CatchUpDecisionSchema, CatchUpPolicySchema, OutageModeSchema } from '../../engine/api/continuity';
import { Engine } from '../../engine/engine';
import { createContinuity } from '../../engine/continuity/adapters';
import { startPeriodicWork } from '../../engine/continuity/periodic';
import { applyPendingRestore } from '../../engine/continuity/backups';
import { readSettings, updateSettings, type SettingsPatch } from '../../engine/continuity/settings';
import { displayTime } from '../../engine/time';
import { openEngineSecrets, openServiceSecrets, StdinLines } from './secrets';
import type { EventRow } from '../../engine/db/repos/events';
import { userError } from '../../engine/errors';

// eslint-disable-next-line max-lines-per-function -- one long-running command whose closures share its engine and abort signal
export function registerRun(program: Command, io: Io): void {
  common(
    program
      .command('run')
      .description('run the continuity engine in the foreground until Ctrl-C (for an always-on machine)')
      .option('--tick <seconds>', 'longest pause between passes', '30'),
  ).action(async (opts: CommonOptions & { tick: string }) => {
    const dbPath = dbPathOf(opts, io);
    const restored = await applyPendingRestore(dbPath);
    if (restored) io.stderr.write(`Restored the database from ${restored.path} as requested.\n`);
    // Asked before the database opens: no secret stored yet means no passphrase is needed to start.
    const secrets = await openServiceSecrets(dbPath, io, new StdinLines(io));
    const engine = Engine.open({ dbPath, ...(secrets ? { secrets } : {}) });
    let stopping = false;
    try {
      const log = (e: EventRow) => {
        if (e.severity === 'debug') return;
        if (opts.json) io.stdout.write(`${JSON.stringify({ event: e })}\n`);
        else io.stderr.write(`${e.at} ${e.severity.padEnd(7)} ${e.type}: ${e.message}\n`);
      };
      engine.bus.on('event', log);
      const maxSleepMs = Math.max(0.05, Number(opts.tick) || 30) * 1000;
      const stopped = new Promise<string>((resolve) => {
        const on = (sig: string) => () => resolve(sig);
        process.once('SIGINT', on('SIGINT'));
        process.once('SIGTERM', on('SIGTERM'));
      });
      io.stderr.write(`Understudy is running on ${dbPath} (pid ${process.pid}). Ctrl-C stops it cleanly.\n`);
      // The same periodic work as `understudy serve` and the desktop app (continuity/periodic.ts).
      const service = startPeriodicWork(engine, { maxSleepMs });
      const sig = await stopped;
      stopping = true;
      // A second Ctrl-C means "now": everything written so far is durable (WAL, synchronous=FULL),
      // and interrupted sends resume from their outbox at the next start.
      const force = () => {
        io.stderr.write('Stopping now without waiting.\n');
        process.exit(130);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      io.stderr.write(`${sig}: stopping — letting running sends write their last outcomes...\n`);
      await service.stop();
    } finally {
      await engine.close();
      if (stopping)
        io.stderr.write('Stopped cleanly. Interrupted sends resume where they stopped at the next start.\n');
    }
  });

  common(
    program.command('health').description('probe every provider and ESP now and show their health'),
  ).action(async (opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const monitor = createContinuity(engine).monitor;
      await monitor.tick(true);
      const view = monitor.view();
      output(opts, io, { providers: view }, () =>
        view.length
          ? view
              .map(
                (v) =>
                  `${v.provider} (${v.kind}): ${v.state}${v.lastResult ? ` — ${v.lastResult.detail}` : ''}`,
              )
              .join('\n')
          : 'No providers yet.',
      );
    });
  });

  common(
    program
      .command('policy')
      .description(
        'continuity settings: time zone, outage policy, catch-up, health probes, backups (no option: show)',
      )
      .option('--zone <iana>', 'your time zone, e.g. Europe/Berlin')
      .option(
        '--outage <mode>',
        `when a campaign’s ESP/primary is down at send time: ${OutageModeSchema.options.join(' | ')}`,
      )
      .option('--wait-minutes <n>', 'with --outage wait: minutes to wait before sending through the backups')
      .option(
        '--catch-up <policy>',
        `a send time missed by more than --catch-up-after hours: ${CatchUpPolicySchema.options.join(' | ')}`,
      )
      .option('--catch-up-after <hours>', 'hours late before the catch-up policy applies')
      .option('--health-interval <seconds>', 'seconds between health probes')
      .option('--failures-to-down <n>', 'failed probes in a row before a provider is down')
      .option('--successes-to-up <n>', 'good probes in a row before a down provider is back')
      .option('--backup-every <minutes>', 'minutes between scheduled backups')
      .option('--backup-dir <dir>', 'folder for scheduled backups')
      .option('--sync-every <minutes>', 'minutes between scheduled syncs of each ESP connection')
      .option(
        '--alert-to <addresses>',
        'email alerts to these addresses, comma-separated ("" turns them off)',
      )
      .option('--alert-from <address>', 'the From address of alert emails')
      .option(
        '--backup-mirror <dir>',
        'a second folder (synced cloud folder, USB disk) that gets each backup too; "off" to stop',
      )
      .option('--backup-encrypt <on|off>', 'encrypt each database copy so only the passphrase opens it'),
  ).action(async (opts: CommonOptions & Record<string, string | undefined>) => {
    const num = (k: string) => (opts[k] === undefined ? undefined : Number(opts[k]));
    const patch: SettingsPatch = {};
    if (opts.zone) patch.timeZone = opts.zone;
    if (opts.outage || opts.waitMinutes)
      patch.outagePolicy = {
        mode: opts.outage ?? 'wait',
        ...(opts.waitMinutes ? { waitMinutes: num('waitMinutes') } : {}),
      };
    if (opts.catchUp || opts.catchUpAfter)
      patch.catchUp = {
        ...(opts.catchUp ? { policy: opts.catchUp } : {}),
        ...(opts.catchUpAfter ? { afterHours: num('catchUpAfter') } : {}),
      };
    const health = Object.fromEntries(
      (
        [
          ['intervalSeconds', num('healthInterval')],
          ['failuresToDown', num('failuresToDown')],
          ['successesToUp', num('successesToUp')],
        ] as const
      ).filter(([, v]) => v !== undefined),
    );
    if (Object.keys(health).length) patch.health = health;
    if (opts.backupEncrypt !== undefined && !['on', 'off'].includes(opts.backupEncrypt))
      throw userError(`--backup-encrypt takes on or off, not "${opts.backupEncrypt}".`, {
        code: 'invalid_option',
        safe: 'No setting was changed.',
      });
    if (opts.backupEvery || opts.backupDir || opts.backupMirror || opts.backupEncrypt)
      patch.backups = {
        ...(opts.backupEvery ? { intervalMinutes: num('backupEvery') } : {}),
        ...(opts.backupDir ? { dir: opts.backupDir } : {}),
        ...(opts.backupMirror
          ? { mirrorDir: opts.backupMirror === 'off' ? undefined : opts.backupMirror }
          : {}),
        ...(opts.backupEncrypt ? { encrypt: opts.backupEncrypt === 'on' } : {}),
      };
    if (opts.syncEvery !== undefined) patch.sync = { everyMinutes: num('syncEvery') };
    if (opts.alertTo !== undefined || opts.alertFrom !== undefined)
      patch.alerts = {
        ...(opts.alertTo !== undefined ? { to: opts.alertTo.split(/[,;\s]+/).filter(Boolean) } : {}),
        ...(opts.alertFrom !== undefined ? { from: opts.alertFrom } : {}),
      };
    await withEngine(opts, io, (engine) => {
      const s = Object.keys(patch).length ? updateSettings(engine, patch) : readSettings(engine);
      output(opts, io, s, () =>
        [
          `time zone: ${s.timeZone}`,
          `outage policy: ${s.outagePolicy.mode}${s.outagePolicy.mode === 'wait' ? ` up to ${s.outagePolicy.waitMinutes} min, then the backups` : ''}`,
          `catch-up: ${s.catchUp.policy} when more than ${s.catchUp.afterHours} h late (on time within ${s.catchUp.graceMinutes} min)`,
          `health: every ${s.health.intervalSeconds} s; down after ${s.health.failuresToDown} failures, back after ${s.health.successesToUp} successes`,
          `backups: every ${s.backups.intervalMinutes} min, keep ${s.backups.keepHourly} hourly and ${s.backups.keepDaily} daily${s.backups.dir ? ` in ${s.backups.dir}` : ''}${s.backups.mirrorDir ? `, copied to ${s.backups.mirrorDir}` : ''}${s.backups.encrypt ? ', encrypted' : ''}`,
          `sync: every ${s.sync.everyMinutes} min (a full pass every ${s.sync.fullEveryHours} h)`,
          `alerts: ${s.alerts.to.length ? `emailed to ${s.alerts.to.join(', ')}${s.alerts.from ? ` from ${s.alerts.from}` : ''}` : 'not emailed (understudy policy --alert-to you@yourshop.com)'}`,
          `mailbox: ${s.mailbox ? `${s.mailbox.user} at ${s.mailbox.host}:${s.mailbox.port}${s.mailbox.seedAddress ? `, drills to ${s.mailbox.seedAddress}` : ''}` : 'not set (understudy inbox setup)'}`,
        ].join('\n'),
      );
    });
  });

  const schedule = program
    .command('schedule')
    .description('scheduled campaigns: list, set, pause, resume, cancel, catch-up');
  const cid = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw userError(`"${v}" is not a campaign number.`, { next: 'See `understudy schedule list`.' });
    return n;
  };
  common(schedule.command('list').description('campaigns with a send time, in your time zone')).action(
    async (opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const zone = readSettings(engine).timeZone;
        const rows = engine.repos.schedules.upcoming();
        output(opts, io, { timeZone: zone, campaigns: rows }, () =>
          rows.length
            ? rows
                .map(
                  (c) =>
                    `${c.id}\t${c.status}${c.hold ? ` (held: ${c.hold})` : ''}\t${c.scheduledAt ? displayTime(c.scheduledAt, c.timeZone ?? zone) : '—'}\t${c.name || c.subject}${c.note ? `\n\t${c.note}` : ''}`,
                )
                .join('\n')
            : 'Nothing scheduled.',
        );
      });
    },
  );
  common(
    schedule
      .command('set <campaign> [time]')
      .description(
        'schedule or reschedule: TIME is 2026-12-01T09:30 in your zone, or an instant with Z/offset (not in the past)',
      )
      .option('--zone <iana>', 'time zone of TIME (default: the campaign’s, else your setting)')
      .option('--now', 'send now: schedule it for this moment instead of a TIME'),
  ).action(
    async (c: string, time: string | undefined, opts: CommonOptions & { zone?: string; now?: boolean }) => {
      await withEngine(opts, io, async (engine) => {
        const r = await createContinuity(engine).scheduler.schedule(cid(c), time ?? null, opts.zone, {
          sendNow: opts.now === true,
        });
        output(opts, io, r, () => `Scheduled for ${r.shown} (${r.utc}).${r.note ? `\n${r.note}` : ''}`);
      });
    },
  );
  for (const [verb, what] of [
    ['pause', 'pause a scheduled or sending campaign (and at its ESP)'],
    ['resume', 'resume a paused campaign'],
    ['cancel', 'cancel a campaign (and at its ESP)'],
  ] as const) {
    common(schedule.command(`${verb} <campaign>`).description(what)).action(
      async (c: string, opts: CommonOptions) => {
        await withEngine(opts, io, async (engine) => {
          if (verb !== 'cancel') await openEngineSecrets(engine, opts, io).catch(() => undefined);
          const s = createContinuity(engine).scheduler;
          const message = await s[verb](cid(c));
          await s.idle();
          output(opts, io, { message }, () => message);
        });
      },
    );
  }
  common(
    schedule
      .command('catchup <campaign> <decision>')
      .description(`answer a missed send time: ${orList(CatchUpDecisionSchema.options)}`),
  ).action(async (c: string, answer: string, opts: CommonOptions) => {
    const parsed = CatchUpDecisionSchema.safeParse(answer);
    if (!parsed.success)
      throw userError(`The decision is ${orList(CatchUpDecisionSchema.options.map((d) => `"${d}"`))}.`, {
        safe: 'Nothing was changed.',
      });
    const decision = parsed.data;
    await withEngine(opts, io, async (engine) => {
      if (decision === 'send') await openEngineSecrets(engine, opts, io);
      const s = createContinuity(engine).scheduler;
      const message = await s.decideCatchUp(cid(c), decision);
      await s.idle();
      output(opts, io, { message }, () => message);
    });
  });
}
