/**
 * `providers add smtp|update|list|test|remove|presets`: the backup SMTP chain. Passwords come from an
 * environment variable (--password-env) or stdin, never from argv.
 */
import type { Command } from 'commander';
import { common, dbPathOf, output, withEngine, type CommonOptions, type Io } from '../context';
import { userError } from '../../engine/errors';
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
import type { Provider, ProviderInput } from '../../engine/api/sending';
import { openSecrets, readPassword, StdinLines } from './secrets';

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
    .option('--port <port>', 'port: 465 (implicit TLS) or 587 (STARTTLS), 25')
    .option('--tls <mode>', 'implicit | starttls | none (certificate checks stay on)')
    .option('--user <user>', 'login user name')
    .option(
      '--auth <method>',
      'PLAIN | LOGIN | XOAUTH2 | none (XOAUTH2: the password is an access token or a JSON refresh setup)',
    )
    .option('--password-env <VAR>', 'read the password from this environment variable (else from stdin)')
    .option('--preset <name>', `defaults and real limits of: ${Object.keys(PRESETS).join(', ')}`)
    .option('--per-second <n>', 'messages per second (may be fractional, e.g. 0.5)')
    .option('--per-minute <n>', 'messages per minute')
    .option('--per-hour <n>', 'messages per hour')
    .option('--per-day <n>', 'messages per rolling 24 hours')
    .option('--max-connections <n>', 'simultaneous SMTP connections')
    .option('--priority <n>', 'failover order: lower is tried first (default 100)')
    .option('--weight <w>', 'share of a campaign among providers of the same priority (default 1)')
    .option('--insecure-tls', 'accept an invalid or self-signed certificate (only for a relay you control)')
    .option(
      '--allow-plaintext-auth',
      'with --tls none: send the password unencrypted to a host that is not this computer (only on a network you trust)',
    )
    .option('--ehlo <name>', 'host name announced in EHLO');
}

function num(flag: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw userError(
      `--${flag} must be ${integer ? 'a whole number' : 'a number'} of at least 0, not "${v}".`,
      {
        safe: 'Nothing was changed.',
      },
    );
  return n;
}

function toInput(o: ProviderFlags): Partial<ProviderInput> {
  const tls = o.tls;
  if (tls !== undefined && !['implicit', 'starttls', 'none'].includes(tls))
    throw userError(`--tls must be implicit, starttls or none, not "${tls}".`, {
      safe: 'Nothing was changed.',
    });
  const auth = o.auth?.toUpperCase();
  if (auth !== undefined && !['PLAIN', 'LOGIN', 'XOAUTH2', 'NONE'].includes(auth))
    throw userError(`--auth must be PLAIN, LOGIN, XOAUTH2 or none, not "${o.auth}".`, {
      safe: 'Nothing was changed.',
    });
  const cap = (flag: string, v: string | undefined, integer: boolean) => {
    const n = num(flag, v, integer);
    return n === undefined ? undefined : n === 0 ? null : n;
  };
  const input: Partial<ProviderInput> = {
    ...(o.name ? { name: o.name } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.port ? { port: num('port', o.port, true)! } : {}),
    ...(tls ? { tls: tls as ProviderInput['tls'] } : {}),
    ...(o.user ? { user: o.user } : {}),
    ...(auth ? { auth: (auth === 'NONE' ? 'none' : auth) as ProviderInput['auth'] } : {}),
    ...(o.preset ? { preset: o.preset } : {}),
    ...(o.perSecond !== undefined ? { perSecond: cap('per-second', o.perSecond, false) } : {}),
    ...(o.perMinute !== undefined ? { perMinute: cap('per-minute', o.perMinute, true) } : {}),
    ...(o.perHour !== undefined ? { perHour: cap('per-hour', o.perHour, true) } : {}),
    ...(o.perDay !== undefined ? { perDay: cap('per-day', o.perDay, true) } : {}),
    ...(o.maxConnections ? { maxConnections: num('max-connections', o.maxConnections, true)! } : {}),
    ...(o.priority ? { priority: num('priority', o.priority, true)! } : {}),
    ...(o.weight ? { weight: num('weight', o.weight, false)! } : {}),
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
  return `${p.priority}\t${p.name}\t${p.host}:${p.port} ${p.tls}${p.user ? ` as ${p.user} (${p.auth})` : ''}\tweight ${p.weight}\t${caps.join(', ') || 'no caps'}, ${p.maxConnections} conn\t${p.sentLastDay} sent in 24 h\t${p.enabled ? state : 'disabled'}`;
}

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
        .option('--enable', 'send through it again'),
    ),
  ).action(async (name: string, opts: ProviderFlags & { rename?: string }) => {
    const input = toInput({ ...opts, ...(opts.rename ? { name: opts.rename } : {}) });
    await withEngine(opts, io, async (engine) => {
      const lines = new StdinLines(io);
      const warning = checkProviderInput(engine, input, Boolean(opts.passwordEnv), name);
      if (warning) io.stderr.write(`${warning}\n`);
      let secrets;
      if (opts.passwordEnv) {
        secrets = await openSecrets(dbPathOf(opts, io), io, lines);
        input.password = await readPassword(io, lines, opts.passwordEnv);
      }
      const p = await updateProvider(engine, name, input, secrets);
      output(opts, io, p, () => `Updated ${line(p)}`);
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
