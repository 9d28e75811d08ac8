/**
 * The `understudy` command line: the same engine as the app, for automation and scripts. This file
 * only wires commands together and turns failures into the documented exit codes; each command group
 * lives in commands/.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands';
import { processIo, errorExitCode, type Io } from './context';
import { isUnderstudyError } from '../engine/errors';
import { redact } from '../engine/secrets';

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
  });
  for (const register of commands) register(program, io);
  return program;
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
    const code = errorExitCode(e);
    // Whatever an error quotes (a server's reply, an ESP's body) is scrubbed of credentials once more.
    if (json) {
      const error = isUnderstudyError(e)
        ? e.toJSON()
        : { kind: 'internal', code: 'internal_error', message: (e as Error)?.message ?? String(e) };
      for (const k of ['message', 'safe', 'next'] as const)
        if (typeof (error as Record<string, unknown>)[k] === 'string')
          (error as Record<string, string>)[k] = redact((error as Record<string, string>)[k]!);
      io.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    }
    if (isUnderstudyError(e)) io.stderr.write(`understudy: ${redact(e.toLine())}\n`);
    else {
      io.stderr.write(`understudy: internal error: ${redact((e as Error)?.message ?? String(e))}\n`);
      if (io.env.UNDERSTUDY_DEBUG) io.stderr.write(`${redact((e as Error)?.stack ?? '')}\n`);
      else
        io.stderr.write(
          'Nothing was half-written: every change is made in one transaction. Run again with UNDERSTUDY_DEBUG=1 for details, and report it.\n',
        );
    }
    return code;
  }
}
