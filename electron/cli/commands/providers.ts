/**
 * `providers add smtp|update|list|test|remove|presets`: the backup SMTP chain. Passwords come from an
 * environment variable (--password-env) or stdin, never from argv.
 */
import type { Command } from 'commander';
import {
  common,
  dbPathOf,
  orList,
  output,
  parseIntOption,
  withEngine,
  type CommonOptions,
  type Io,
} from '../context';
import { quoteInput, userError } from '../../engine/errors';
import {
  addProvider,
  listProviders,
  removeProvider,
  testProvider,
  updateProvider,
  requireProvider,
  checkProviderInput,
  PRESETS,
} from '../../engine/sending';
import { AuthMethodSchema, TlsModeSchema, type Provider, type ProviderInput } from '../../engine/api/sending';
import { openSecrets, readPassword, StdinLines } from './secrets';
import {
  changeWarmup,
  checkCurve,
  providerWarmup,
  setWarmupIdleDays,
  type WarmupChange,
} from '../../engine/sending/warmup';
import type { WarmupCurve } from '../../engine/sending/limiter';
import { forgetProvider } from '../../engine/sending/context';
import {
  pullRelayFeedback,
  relayApiFor,
  setRelayApiKey,
  type RelayPullResult,
} from '../../engine/sending/feedback/pull';
import type { Engine } from '../../engine/engine';
import {
  changeReputation,
  describeReputation,
  parseRate,
  reputationSettings,
  toApiReputation,
  type ReputationChange,
} from '../../engine/sending/reputation';

interface ProviderFlags extends CommonOptions {
  name?: string;
  host?: string;
  port?: string;
  tls?: string;
  user?: string;
  auth?: string;
  passwordEnv?: string;
  preset?: string;
  perSecond?: string;
  perMinute?: string;
  perHour?: string;
  perDay?: string;
  maxConnections?: string;
  priority?: string;
  weight?: string;
  insecureTls?: boolean;
  allowPlaintextAuth?: boolean;
  ehlo?: string;
  disable?: boolean;
  enable?: boolean;
}

function providerFlags(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'SMTP server host name')
    .option('--port <port>', 'port 1-65535: 465 (implicit TLS) or 587 (STARTTLS), 25')
    .option('--tls <mode>', `${TlsModeSchema.options.join(' | ')} (certificate checks stay on)`)
    .option('--user <user>', 'login user name')
    .option(
      '--auth <method>',
      `${AuthMethodSchema.options.join(' | ')} (XOAUTH2: the password is an access token or a JSON refresh setup)`,
    )
    .option(
      '--password-env <VAR>',
      'read the password from this environment variable (else from stdin); needs --user',
    )
    .option('--preset <name>', `defaults and real limits of: ${Object.keys(PRESETS).join(', ')}`)
    .option('--per-second <n>', 'messages per second, above 0 (may be fractional, e.g. 0.5), or none')
    .option('--per-minute <n>', 'messages per minute: a whole number above 0, or none')
    .option('--per-hour <n>', 'messages per hour: a whole number above 0, or none')
    .option('--per-day <n>', 'messages per rolling 24 hours: a whole number above 0, or none')
    .option('--max-connections <n>', 'simultaneous SMTP connections (1-50)')
    .option('--priority <n>', 'failover order 0-10000: lower is tried first (default 100)')
    .option('--weight <w>', 'share of a campaign among providers of the same priority, 0-1000 (default 1)')
    .option('--insecure-tls', 'accept an invalid or self-signed certificate (only for a relay you control)')
    .option(
      '--allow-plaintext-auth',
      'with --tls none: send the password unencrypted to a host that is not this computer (only on a network you trust)',
    )
    .option('--ehlo <name>', 'host name announced in EHLO');
}

/** A number as typed; its range (port 1–65535, caps above 0, …) is the contract's to check. */
function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n))
    throw userError(`--${flag} must be a number, not "${quoteInput(v)}".`, { safe: 'Nothing was changed.' });
  return n;
}

function toInput(o: ProviderFlags): Partial<ProviderInput> {
  const tls = o.tls;
  if (tls !== undefined && !TlsModeSchema.safeParse(tls).success)
    throw userError(`--tls must be ${orList(TlsModeSchema.options)}, not "${quoteInput(tls)}".`, {
      safe: 'Nothing was changed.',
    });
  const auth =
    o.auth === undefined ? undefined : o.auth.toLowerCase() === 'none' ? 'none' : o.auth.toUpperCase();
  if (auth !== undefined && !AuthMethodSchema.safeParse(auth).success)
    throw userError(`--auth must be ${orList(AuthMethodSchema.options)}, not "${quoteInput(o.auth)}".`, {
      safe: 'Nothing was changed.',
    });
  // "none" removes a cap; 0 is refused (it would stop the provider for good, silently).
  const cap = (flag: string, v: string | undefined) =>
    v !== undefined && ['none', 'off'].includes(v.trim().toLowerCase()) ? null : num(flag, v);
  const input: Partial<ProviderInput> = {
    ...(o.name ? { name: o.name } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: num('port', o.port)! } : {}),
    ...(tls ? { tls: tls as ProviderInput['tls'] } : {}),
    ...(o.user ? { user: o.user } : {}),
    ...(auth ? { auth: auth as ProviderInput['auth'] } : {}),
    ...(o.preset ? { preset: o.preset } : {}),
    ...(o.perSecond !== undefined ? { perSecond: cap('per-second', o.perSecond) } : {}),
    ...(o.perMinute !== undefined ? { perMinute: cap('per-minute', o.perMinute) } : {}),
    ...(o.perHour !== undefined ? { perHour: cap('per-hour', o.perHour) } : {}),
    ...(o.perDay !== undefined ? { perDay: cap('per-day', o.perDay) } : {}),
    ...(o.maxConnections !== undefined ? { maxConnections: num('max-connections', o.maxConnections)! } : {}),
    ...(o.priority !== undefined ? { priority: num('priority', o.priority)! } : {}),
    ...(o.weight !== undefined ? { weight: num('weight', o.weight)! } : {}),
    ...(o.insecureTls ? { allowInvalidCertificate: true } : {}),
    ...(o.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
    ...(o.ehlo ? { ehloName: o.ehlo } : {}),
    ...(o.disable ? { enabled: false } : {}),
    ...(o.enable ? { enabled: true } : {}),
  };
  return input;
}

function line(p: Provider): string {
  const caps = [
    p.perSecond ? `${p.perSecond}/s` : '',
    p.perMinute ? `${p.perMinute}/min` : '',
    p.perHour ? `${p.perHour}/h` : '',
    p.perDay ? `${p.perDay}/day` : '',
  ].filter(Boolean);
  const state =
    p.breaker === 'open'
      ? `down until ${p.retryAt} (${p.breakerReason})`
      : p.pausedUntil && Date.parse(p.pausedUntil) > Date.now()
        ? `paused until ${p.pausedUntil} (${p.breakerReason})`
        : p.health;
  const feedback = p.relayApi
    ? p.hasApiKey
      ? `\t${p.relayApi} bounces pulled${p.feedbackError ? ' (last pull failed)' : ''}`
      : `\tno ${p.relayApi} API key (set-api-key)`
    : '';
  return `${p.priority}\t${p.name}\t${p.host}:${p.port} ${p.tls}${p.user ? ` as ${p.user} (${p.auth})` : ''}\tweight ${p.weight}\t${caps.join(', ') || 'no caps'}, ${p.maxConnections} conn\t${p.sentLastDay} sent in 24 h\t${p.enabled ? state : 'disabled'}${feedback}`;
}

// eslint-disable-next-line max-lines-per-function -- the group's subcommands in --help order; each action is a few lines
export function registerProviders(program: Command, io: Io): void {
  const providers = program.command('providers').description('the backup SMTP accounts, in failover order');

  common(
    providerFlags(
      providers
        .command('add <kind>')
        .description('add an SMTP account: providers add smtp --name N --host H --port P ...')
        .requiredOption('--name <name>', 'a name for this account'),
    ),
  ).action(async (kind: string, opts: ProviderFlags) => {
    if (kind !== 'smtp')
      throw userError(`Only SMTP providers are added here ("${kind}").`, {
        safe: 'Nothing was changed.',
        next: 'Use `understudy providers add smtp --name N --host H --port P`; ESP connections are set up with `understudy esp`.',
      });
    const input = toInput(opts) as ProviderInput;
    if (opts.passwordEnv && !opts.user)
      throw userError(
        '--password-env was given without --user: a password needs a user name to log in with.',
        {
          code: 'password_without_user',
          safe: 'Nothing was changed.',
          next: 'Add --user NAME, or leave out --password-env for a server without login.',
        },
      );
    await withEngine(opts, io, async (engine) => {
      const lines = new StdinLines(io);
      const needsPassword = Boolean(opts.user) && input.auth !== 'none';
      // Refuse (or warn about) plaintext authentication before asking for anything.
      const warning = checkProviderInput(engine, input, needsPassword);
      if (warning) io.stderr.write(`${warning}\n`);
      const secrets = needsPassword ? await openSecrets(dbPathOf(opts, io), io, lines) : undefined;
      if (needsPassword) input.password = await readPassword(io, lines, opts.passwordEnv);
      const p = await addProvider(engine, input, secrets);
      output(opts, io, p, () => `Added ${line(p)}\nCheck it with \`understudy providers test ${p.name}\`.`);
    });
  });

  common(
    providerFlags(
      providers
        .command('update <name>')
        .description('change an SMTP account (only the given options change)')
        .option('--rename <new>', 'new name')
        .option('--disable', 'keep it but do not send through it')
        .option('--enable', 'send through it again')
        .option('--warm', 'declare it warm: no warm-up curve, only its own limits')
        .option('--cold', 'forget a --warm declaration (it warms up again if it is cold)')
        .option('--warmup-start <n>', 'warm-up: messages in any hour on its first day')
        .option('--warmup-growth <x>', 'warm-up: growth a day (1.4 = 40 % more each day)')
        .option('--warmup-days <n>', 'warm-up: days it lasts (0 = no warm-up for this provider)')
        .option(
          '--max-bounce-rate <pct>',
          'pause it during a send when this share of its recent messages bounce (e.g. 5%; "default": its provider\'s own limit)',
        )
        .option(
          '--max-complaint-rate <pct>',
          'pause it during a send when this share is reported as spam (e.g. 0.1%; "default": its provider\'s own limit)',
        )
        .option(
          '--min-sample <n>',
          'fewest messages of a send its rates are judged on (default 200; "default" to reset)',
        )
        .option('--keep-warm', 'send it a small drill now and then so it is never cold when needed')
        .option('--no-keep-warm', 'stop keep-warm drills'),
    ),
  ).action(
    async (name: string, opts: ProviderFlags & WarmupFlags & ReputationFlags & { rename?: string }) => {
      const { maxBounceRate, maxComplaintRate, minSample, keepWarm, ...rest } = opts;
      const input = toInput({ ...rest, ...(opts.rename ? { name: opts.rename } : {}) });
      const warmup = warmupChangeOf(opts);
      const reputation = reputationChangeOf({ maxBounceRate, maxComplaintRate, minSample, keepWarm });
      await withEngine(opts, io, async (engine) => {
        if ((warmup || reputation) && Object.keys(input).length === 0) {
          // Only the warm-up or the reputation guard changes: no provider row is rewritten.
          const p = requireProvider(engine, name);
          const view = warmup ? applyWarmup(engine, p.id, warmup) : null;
          const rep = reputation ? changeReputation(engine, p, reputation) : null;
          output(
            opts,
            io,
            {
              name: p.name,
              ...(view ? { warmup: view } : {}),
              ...(rep ? { reputation: toApiReputation(p.name, rep) } : {}),
            },
            () =>
              [
                ...(view ? [`"${p.name}": ${describeWarmup(view)}`] : []),
                ...(rep ? [`"${p.name}": ${describeReputation(rep)}`] : []),
              ].join('\n'),
          );
          return;
        }
        const lines = new StdinLines(io);
        const warning = checkProviderInput(engine, input, Boolean(opts.passwordEnv), name);
        if (warning) io.stderr.write(`${warning}\n`);
        let secrets;
        if (opts.passwordEnv) {
          secrets = await openSecrets(dbPathOf(opts, io), io, lines);
          input.password = await readPassword(io, lines, opts.passwordEnv);
        }
        // A bad warm-up curve is refused before anything is changed.
        if (warmup?.partial)
          checkCurve(mergedCurve(engine, requireProvider(engine, name).id, warmup.partial));
        const p = await updateProvider(engine, name, input, secrets);
        const view = warmup ? applyWarmup(engine, p.id, warmup) : null;
        const rep = reputation
          ? changeReputation(engine, engine.repos.providers.byId(p.id)!, reputation)
          : null;
        output(
          opts,
          io,
          {
            ...p,
            ...(view ? { warmup: view } : {}),
            ...(rep ? { reputation: toApiReputation(p.name, rep) } : {}),
          },
          () =>
            [
              `Updated ${line(p)}`,
              ...(view ? [`"${p.name}": ${describeWarmup(view)}`] : []),
              ...(rep ? [`"${p.name}": ${describeReputation(rep)}`] : []),
            ].join('\n'),
        );
      });
    },
  );

  common(
    providers
      .command('reputation <name>')
      .description('when a provider is paused for bounces or spam complaints during a send, and keep-warm'),
  ).action(async (name: string, opts: CommonOptions) => {
    await withEngine(opts, io, (engine) => {
      const p = requireProvider(engine, name);
      const s = reputationSettings(engine, p);
      output(opts, io, toApiReputation(p.name, s), () =>
        [
          `"${p.name}": ${describeReputation(s)}`,
          `limits: ${s.edited.bounce || s.edited.complaint ? 'yours' : "its provider's"} (${s.source})`,
        ].join('\n'),
      );
    });
  });

  common(
    providers
      .command('warmup <name>')
      .description('sending history and warm-up of a provider: warm, cold or warming up'),
  ).action(async (name: string, opts: CommonOptions) => {
    await withEngine(opts, io, (engine) => {
      const p = requireProvider(engine, name);
      const view = providerWarmup(engine, p);
      output(opts, io, { name: p.name, warmup: view }, () =>
        [
          `"${p.name}": ${describeWarmup(view)}`,
          view.curve
            ? `curve: ${view.curve.perHourStart} an hour on day 1, ×${view.curve.dailyGrowth} a day, for ${view.curve.days} days`
            : 'curve: none (set one with --warmup-start, --warmup-growth, --warmup-days)',
          `last 30 days: ${view.recent.map((d) => `${d.day} ${d.sent}`).join(', ') || 'nothing sent'}`,
        ].join('\n'),
      );
    });
  });

  common(
    providers
      .command('cold-after <days>')
      .description('after how many idle days a provider is cold again and warms up (default 30)'),
  ).action(async (days: string, opts: CommonOptions) => {
    const n = parseIntOption('days', days, 1)!;
    await withEngine(opts, io, (engine) => {
      const d = setWarmupIdleDays(engine, n);
      output(
        opts,
        io,
        { days: d },
        () => `A provider idle for more than ${d} days is cold and warms up again.`,
      );
    });
  });

  common(providers.command('list').description('providers in failover order, with health and usage')).action(
    async (opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const list = listProviders(engine);
        output(opts, io, { providers: list }, () =>
          list.length === 0
            ? 'No SMTP providers yet. Add one with `understudy providers add smtp --name N --host H --port P` (see `understudy providers presets`).'
            : ['priority\tname\tserver\tweight\tcaps\tusage\tstate', ...list.map(line)].join('\n'),
        );
      });
    },
  );

  common(
    providers.command('presets').description('presets with the real limits of common SMTP services'),
  ).action((opts: CommonOptions) => {
    output(opts, io, { presets: Object.values(PRESETS) }, () =>
      Object.values(PRESETS)
        .map((p) => `${p.name}\t${p.host || '(your host)'}:${p.port} ${p.tls}\t${p.note}`)
        .join('\n'),
    );
  });

  common(
    providers.command('test <name>').description('connect, STARTTLS and log in without sending anything'),
  ).action(async (name: string, opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      const p = requireProvider(engine, name);
      const secrets = p.secretRef ? await openSecrets(dbPathOf(opts, io), io, new StdinLines(io)) : undefined;
      const r = await testProvider(engine, name, secrets ? { secrets } : {});
      output(opts, io, r, () => `${r.ok ? 'OK' : 'FAILED'}: ${r.provider}: ${r.message}`);
      if (!r.ok)
        throw userError(`Provider "${name}" did not pass the test.`, {
          code: 'provider_test_failed',
          safe: 'Nothing was sent.',
          next: 'Fix the setting named above with `understudy providers update`.',
        });
    });
  });

  common(
    providers
      .command('set-api-key <name>')
      .description(
        "the relay's API key, to pull the bounces, complaints and unsubscribes it keeps (SendGrid, SES, Mailgun, Postmark, Brevo)",
      )
      .option('--key-env <VAR>', 'read the key from this environment variable (else from stdin)')
      .option('--api-url <url>', "API address override (a proxy, tests); '' for the relay's own")
      .option('--remove', 'forget the key: nothing is pulled from this relay any more'),
  ).action(
    async (name: string, opts: CommonOptions & { keyEnv?: string; apiUrl?: string; remove?: boolean }) => {
      await withEngine(opts, io, async (engine) => {
        const p = requireProvider(engine, name);
        const api = relayApiFor(p.preset);
        const lines = new StdinLines(io);
        const secrets = await openSecrets(dbPathOf(opts, io), io, lines);
        let key: string | null = null;
        if (!opts.remove) {
          if (opts.keyEnv) {
            key = io.env[opts.keyEnv] ?? '';
            if (!key)
              throw userError(`The environment variable ${opts.keyEnv} is empty or not set.`, {
                code: 'no_api_key',
                safe: 'Nothing was changed.',
                next: `Export the key as ${opts.keyEnv}, e.g. \`read -s ${opts.keyEnv}; export ${opts.keyEnv}\`.`,
              });
          } else {
            key = (await lines.next(`${api?.label ?? 'Relay'} API key: `)) ?? '';
            if (!key)
              throw userError('No API key was given.', {
                code: 'no_api_key',
                safe: 'Nothing was changed.',
                next: 'Pass --key-env VAR, or pipe the key on stdin (after the passphrase line if UNDERSTUDY_PASSPHRASE is not set).',
              });
          }
        }
        const r = await setRelayApiKey(engine, name, key, {
          secrets,
          ...(opts.apiUrl !== undefined ? { apiUrl: opts.apiUrl } : {}),
        });
        output(opts, io, r, () =>
          r.hasApiKey
            ? `"${r.provider}": ${r.relay} API key saved. Its bounces, complaints and unsubscribes are pulled while it is in use and after each campaign; now with \`understudy providers pull-suppressions ${r.provider}\`.`
            : `"${r.provider}": ${r.relay} API key removed.`,
        );
      });
    },
  );

  common(
    providers
      .command('pull-suppressions [name]')
      .description(
        'pull the bounces, complaints and unsubscribes relays keep to themselves (every provider with an API key, or the named one)',
      ),
  ).action(async (name: string | undefined, opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      const secrets = await openSecrets(dbPathOf(opts, io), io, new StdinLines(io));
      const results = await pullRelayFeedback(engine, { ...(name !== undefined ? { name } : {}), secrets });
      output(opts, io, { results }, () =>
        results.length === 0
          ? 'No provider has a relay API key yet. Give one with `understudy providers set-api-key NAME`.'
          : results.map(pullLine).join('\n'),
      );
      const failed = results.filter((r) => !r.ok);
      const safe = 'Nothing of a failed pull was written; what the other relays reported is kept.';
      if (failed.length === 1)
        throw userError(failed[0]!.error!, {
          code: 'relay_pull_failed',
          safe,
          next: failed[0]!.next ?? 'Try again later.',
        });
      if (failed.length > 1)
        throw userError(
          `${failed.length} relays could not be asked: ${failed.map((r) => `"${r.provider}"`).join(', ')}.`,
          {
            code: 'relay_pull_failed',
            safe,
            next: 'Each is named above with what to do (a key with `understudy providers set-api-key NAME`), or try again later.',
          },
        );
    });
  });

  common(
    providers.command('remove <name>').description('remove an SMTP account and its stored password'),
  ).action(async (name: string, opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      const p = requireProvider(engine, name);
      const secrets = p.secretRef ? await openSecrets(dbPathOf(opts, io), io, new StdinLines(io)) : undefined;
      await removeProvider(engine, name, secrets);
      output(opts, io, { removed: p.name }, () => `Removed "${p.name}".`);
    });
  });
}

function pullLine(r: RelayPullResult): string {
  if (!r.ok) return `${r.provider}\t${r.relay}\tFAILED: ${r.error}`;
  const n = r.added.bounce + r.added.complaint + r.added.unsubscribe;
  return `${r.provider}\t${r.relay}\t${n === 0 ? 'nothing new' : `${r.added.bounce} bounce(s), ${r.added.complaint} complaint(s), ${r.added.unsubscribe} unsubscribe(s) suppressed`}${r.queuedForEsp ? `, ${r.queuedForEsp} queued for the ESP` : ''}${r.unchanged ? `; ${r.unchanged} already known` : ''}${r.skipped ? `; ${r.skipped} skipped (not a bounce, complaint or unsubscribe)` : ''}${r.more ? '; more wait at the relay (pulled next time)' : ''}`;
}

interface ReputationFlags {
  maxBounceRate?: string;
  maxComplaintRate?: string;
  minSample?: string;
  keepWarm?: boolean;
}

/** What `--max-bounce-rate` and friends change, checked before anything is written (null: nothing). */
function reputationChangeOf(f: ReputationFlags): ReputationChange | null {
  const c: ReputationChange = {};
  if (f.maxBounceRate !== undefined) c.maxBounceRate = parseRate(f.maxBounceRate, 'bounce');
  if (f.maxComplaintRate !== undefined) c.maxComplaintRate = parseRate(f.maxComplaintRate, 'complaint');
  if (f.minSample !== undefined)
    c.minSample =
      f.minSample.trim().toLowerCase() === 'default' ? null : parseIntOption('min-sample', f.minSample, 1)!;
  if (f.keepWarm !== undefined) c.keepWarm = f.keepWarm;
  return Object.keys(c).length ? c : null;
}

interface WarmupFlags {
  warm?: boolean;
  cold?: boolean;
  warmupStart?: string;
  warmupGrowth?: string;
  warmupDays?: string;
}

function warmupChangeOf(
  f: WarmupFlags,
): (WarmupChange & { partial?: Partial<Record<string, number>> }) | null {
  if (f.warm && f.cold)
    throw userError('--warm and --cold contradict each other.', {
      safe: 'Nothing was changed.',
      next: 'Give one of them.',
    });
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw userError(`--${flag} must be a number, not "${quoteInput(v)}".`, {
        safe: 'Nothing was changed.',
      });
    return x;
  };
  const partial = {
    perHourStart: num('warmup-start', f.warmupStart),
    dailyGrowth: num('warmup-growth', f.warmupGrowth),
    days: num('warmup-days', f.warmupDays),
  };
  const curveGiven = Object.values(partial).some((v) => v !== undefined);
  if (!f.warm && !f.cold && !curveGiven) return null;
  return {
    ...(f.warm ? { warm: true } : f.cold ? { warm: false } : {}),
    ...(curveGiven ? { partial } : {}),
  };
}

function applyWarmup(
  engine: Engine,
  providerId: number,
  change: WarmupChange & { partial?: Partial<Record<string, number>> },
) {
  const p = engine.repos.providers.byId(providerId)!;
  const curve = change.partial ? mergedCurve(engine, providerId, change.partial) : undefined;
  const view = changeWarmup(engine, p, { warm: change.warm, ...(curve ? { curve } : {}) });
  forgetProvider(engine, p.id);
  return view;
}

/** The given parts of a curve over the provider's current one (or SendGrid's published one). */
function mergedCurve(
  engine: Engine,
  providerId: number,
  partial: Partial<Record<string, number>>,
): WarmupCurve {
  const p = engine.repos.providers.byId(providerId)!;
  const was = providerWarmup(engine, p).curve ?? { perHourStart: 20, dailyGrowth: 1.4, days: 20 };
  return {
    perHourStart: partial.perHourStart ?? was.perHourStart,
    dailyGrowth: partial.dailyGrowth ?? was.dailyGrowth,
    days: partial.days ?? was.days,
  };
}

function describeWarmup(v: ReturnType<typeof providerWarmup>): string {
  const idle =
    v.lastSentDay === null
      ? 'it has never sent'
      : v.idleDays === 0
        ? 'it sent today'
        : `it last sent ${v.idleDays} day(s) ago`;
  if (v.state === 'warm') return `warm${v.declaredWarm ? ' (declared)' : ''}; ${idle}.`;
  if (v.state === 'cold')
    return `cold (${idle}): it warms up from ${v.capPerHour} messages an hour on its first day of sending.`;
  return `warming up, day ${(v.curveDay ?? 0) + 1} of ${v.curve?.days}: at most ${v.capPerHour} messages an hour today; ${idle}.`;
}
