/**
 * The `understudy` command line: the same engine as the app, for automation and scripts. This file
 * only wires commands together and turns failures into the documented exit codes; each command group
 * lives in commands/.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands';
import { common, CREATES_DATABASE, processIo, type Io } from './context';
import { explainError } from '../engine/errors';
import { redact } from '../engine/secrets';
import { printable } from '../engine/display';

export function buildProgram(io: Io): Command {
  const program = new Command('understudy')
    .description('Understudy: keep your email marketing running when your ESP is down.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run `understudy --help` for the commands)');
  // Global options go before the command too (`understudy --db X --json lists`), the way git and
  // docker take them; after it they still work, and the command's own wins.
  common(program);
  // A command with subcommands (`incidents`, `incidents note`) takes --db and --json itself, and
  // commander gives an option to the first command that knows it: `incidents note 7 hi --db X` set
  // --db on `incidents`, and `note` then opened the app's own database. The action's command takes
  // what its parents were given unless it was given its own.
  program.hook('preAction', (_program, action) => {
    for (let c = action.parent; c; c = c.parent) {
      for (const key of ['db', 'json']) {
        if (action.getOptionValue(key) === undefined && c.getOptionValue(key) !== undefined)
          action.setOptionValue(key, c.getOptionValue(key));
      }
    }
    action.setOptionValue('dbMayCreate', CREATES_DATABASE.has(commandPath(action)));
  });
  for (const register of commands) register(program, io);
  return program;
}

/**
 * The engine's messages speak to everyone (the app too), so they name no flags; where the command line
 * has its own way to do what `next` says, it is added here, by error code.
 */
const CLI_HINTS: Record<string, string> = {
  time_in_past: ' To send now: --now.',
};

/** "providers add" for the command `understudy providers add`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return e.exitCode === 0 ? 0 : 1;
    }
    // The one place a failure becomes an exit code: what the person can fix exits 1 with what
    // happened, what was kept safe and what to do (engine/errors.ts#explainError); only a bug exits 2.
    // Whatever an error quotes (a server's reply, an ESP's body) is scrubbed of credentials once more.
    const err = explainError(e);
    const code = err.kind === 'user' ? 1 : 2;
    if (json) {
      const error = err.toJSON() as unknown as Record<string, unknown>;
      for (const k of ['message', 'safe', 'next'] as const)
        if (typeof error[k] === 'string') error[k] = redact(error[k]);
      io.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    }
    if (err.kind === 'user')
      io.stderr.write(`understudy: ${printable(redact(err.toLine()))}${CLI_HINTS[err.code] ?? ''}\n`);
    else {
      io.stderr.write(`understudy: internal error: ${printable(redact(err.message))}\n`);
      const cause = (err.cause ?? err) as Error | undefined;
      if (io.env.UNDERSTUDY_DEBUG) io.stderr.write(`${redact(cause?.stack ?? '')}\n`);
      else
        io.stderr.write(
          'Nothing was half-written: every change is made in one transaction. Run again with UNDERSTUDY_DEBUG=1 for details, and report it.\n',
        );
    }
    return code;
  }
}
