/**
 * `understudy serve`: browser mode. The same renderer and API as the desktop app over HTTP and
 * WebSocket, on 127.0.0.1 unless another interface is asked for explicitly, with a random token in
 * the printed link. Runs until Ctrl+C (SIGINT) or SIGTERM, then closes the database cleanly.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { common, dbPathOf, parseIntOption, type CommonOptions, type Io } from '../context';
import { Engine } from '../../engine/engine';
import { applyPendingRestore } from '../../engine/continuity/backups';
import { openServiceSecrets, StdinLines } from './secrets';
import { openCliSecretStore, PASSPHRASE_ENV } from '../../engine/secrets';
import { startPeriodicWork } from '../../engine/continuity/periodic';
import { startServer } from '../../server/server';
import { startUnsubscribeServer } from '../../engine/continuity/unsubscribeServer';
import { isLoopback } from '../../server/security';
import { userError } from '../../engine/errors';

/**
 * The renderer build browser mode serves: out/renderer of the Understudy checkout or package this code
 * runs from — the nearest folder up with Understudy's package.json (the CLI may run from a cached
 * bundle under node_modules/.cache, not from beside its sources).
 */
function defaultStaticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'understudy')
          return join(dir, 'out', 'renderer');
      } catch {
        // Not a package.json we can read: keep looking up.
      }
    }
    const up = dirname(dir);
    if (up === dir) return join(process.cwd(), 'out', 'renderer');
    dir = up;
  }
}

/** Starts a server on `port`; a port already taken is the user's to fix, said in their words. */
async function listenOn<T>(port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      throw userError(`Port ${port} is already in use.`, {
        code: 'port_in_use',
        safe: 'Nothing was changed.',
        next: 'Choose another with --port, or --port 0 for any free port.',
      });
    throw e;
  }
}

/** Resolves on the first Ctrl+C (SIGINT) or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

type ServeOpts = CommonOptions & {
  port: string;
  host?: string;
  background: boolean;
  unsubscribeOnly?: boolean;
};

export function registerServe(program: Command, io: Io): void {
  common(
    program
      .command('serve')
      .description('run Understudy in your browser (HTTP + WebSocket on 127.0.0.1 with a token)')
      .option('--port <n>', 'port to listen on (0 picks a free one)', '4780')
      .option(
        '--host <address>',
        'interface to listen on (default 127.0.0.1; anything else is reachable from the network)',
      )
      .option('--no-background', 'do not run the scheduler, health monitor and backups (the UI only)')
      .option(
        '--unsubscribe-only',
        'answer only the public unsubscribe links (no UI, no API, no token), e.g. behind a reverse proxy',
      ),
  ).action(async (opts: ServeOpts) => {
    const port = parseIntOption('port', opts.port, 0)!;
    if (port > 65535) throw userError('--port must be between 0 and 65535.');
    const host = opts.host ?? '127.0.0.1';
    if (opts.unsubscribeOnly) return serveUnsubscribeOnly(opts, io, port, host);
    if (!isLoopback(host)) {
      io.stderr.write(
        `Warning: listening on ${host}, not only on this computer. Anyone who can reach that address and has the link can use Understudy; use it only on a network you trust.\n`,
      );
    }
    const dbPath = dbPathOf(opts, io);
    const restored = await applyPendingRestore(dbPath);
    if (restored) io.stderr.write(`Restored the database from ${restored.path} as requested.\n`);
    // Secrets (SMTP passwords, ESP keys) come from the encrypted secret file: its passphrase from the
    // environment or a hidden prompt; without one the UI still runs, but nothing that needs a password.
    const secrets = await openServiceSecrets(dbPath, io, new StdinLines(io), false);
    const engine = Engine.open({ dbPath, ...(secrets ? { secrets } : {}) });
    try {
      // The same periodic work as `understudy run` and the desktop app (continuity/periodic.ts).
      if (opts.background) startPeriodicWork(engine);
      const running = await listenOn(port, () =>
        startServer({
          engine,
          port,
          host,
          staticDir: io.env.UNDERSTUDY_RENDERER_DIR ?? defaultStaticDir(),
        }),
      );
      io.stdout.write(`Understudy is running in browser mode. Open ${running.loginUrl}\n`);
      io.stdout.write(`listening on ${running.url} (database ${engine.dbPath}); press Ctrl+C to stop.\n`);
      await untilStopped();
      io.stderr.write(
        'Stopping: letting running sends write their last outcomes, then closing the database...\n',
      );
      await running.close();
    } finally {
      await engine.close();
    }
  });
}

/**
 * `serve --unsubscribe-only`: the public unsubscribe endpoint alone. It needs the signing key to check
 * the links, so the secret file's passphrase is required; it writes unsubscribes into the database it
 * is given, which must be the one campaigns are sent from.
 */
async function serveUnsubscribeOnly(opts: CommonOptions, io: Io, port: number, host: string): Promise<void> {
  const dbPath = dbPathOf(opts, io);
  if (!io.env[PASSPHRASE_ENV] && !(io.stdin as NodeJS.ReadStream).isTTY) {
    throw userError(
      'The unsubscribe endpoint needs the passphrase of the secret file to check unsubscribe links.',
      {
        code: 'secrets_unavailable',
        safe: 'Nothing was started and nothing was changed.',
        next: `Set ${PASSPHRASE_ENV} in the environment of the service (or run it in a terminal to type it), then start it again.`,
      },
    );
  }
  const restored = await applyPendingRestore(dbPath);
  if (restored) io.stderr.write(`Restored the database from ${restored.path} as requested.\n`);
  const secrets = await openCliSecretStore(dbPath, io.env);
  const engine = Engine.open({ dbPath, secrets });
  try {
    const running = await listenOn(port, () => startUnsubscribeServer({ engine, port, host }));
    io.stdout.write(
      `Understudy is answering unsubscribe links only, on ${running.url} (database ${engine.dbPath}); press Ctrl+C to stop.\n`,
    );
    io.stdout.write(
      'Publish this address over https and set unsubscribe_url to it (see the README, "Publishing the unsubscribe endpoint").\n',
    );
    await untilStopped();
    await running.close();
  } finally {
    await engine.close();
  }
}
