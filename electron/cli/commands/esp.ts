/**
 * `esp add|list|health|unschedule|push-back`: ESP connections from the command line. The API key is
 * read from an environment variable named by --key-env (never from the command line) and stored in
 * the encrypted secret file; SQLite keeps only its reference.
 */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { openEngineSecrets } from './secrets';
import { userError } from '../../engine/errors';
import { addConnection } from '../../engine/mirror/esp/connections';
import { mirrorAge } from '../../engine/mirror/esp/freshness';
import { checkEspHealth } from '../../engine/mirror/esp/probe';
import { unscheduleAtEsp } from '../../engine/mirror/esp/unschedule';
import { pushBack } from '../../engine/mirror/esp/pushback';
import { ESP_KINDS } from '../../engine/mirror/esp/types';

// eslint-disable-next-line max-lines-per-function -- the group's subcommands in --help order; each action is a few lines
export function registerEsp(program: Command, io: Io): void {
  const esp = program.command('esp').description('ESP connections: add, list, health, unschedule, push-back');

  common(
    esp
      .command('add <kind>')
      .description(`connect an ESP (${ESP_KINDS.join('|')}); the key is checked before it is stored`)
      .requiredOption('--name <name>', 'a name for this connection')
      .requiredOption(
        '--key-env <VAR>',
        'environment variable holding the API key (never pass a key as an argument)',
      )
      .option('--base-url <url>', 'API base URL override (proxy, EU data centre, tests)')
      .option('--status-url <url>', "the ESP's Statuspage base URL override ('' to disable)"),
  ).action(
    async (
      kind: string,
      opts: CommonOptions & { name: string; keyEnv: string; baseUrl?: string; statusUrl?: string },
    ) => {
      const key = io.env[opts.keyEnv];
      if (!key)
        throw userError(`The environment variable ${opts.keyEnv} is empty or not set.`, {
          code: 'esp_bad_key',
          safe: 'Nothing was stored.',
          next: `Set it first, e.g. \`read -s ${opts.keyEnv} && export ${opts.keyEnv}\`, then run this again.`,
        });
      await withEngine(opts, io, async (engine) => {
        await openEngineSecrets(engine, opts, io);
        const r = await addConnection(engine, {
          kind,
          name: opts.name,
          apiKey: key,
          baseUrl: opts.baseUrl,
          statusUrl: opts.statusUrl,
        });
        output(
          opts,
          io,
          {
            id: r.provider.id,
            name: r.provider.name,
            type: r.provider.type,
            account: r.account,
            replaced: r.replaced,
          },
          () =>
            `${r.replaced ? 'Updated the key of' : 'Connected'} ${r.provider.type} "${r.provider.name}"${r.account ? ` (${r.account})` : ''}. Run \`understudy sync --esp "${r.provider.name}"\` to mirror it.`,
        );
      });
    },
  );

  common(
    esp.command('list').description('ESP connections with health, last sync and push-back queue'),
  ).action(async (opts: CommonOptions) => {
    await withEngine(opts, io, (engine) => {
      const repos = engine.repos;
      const rows = repos.espSync.providers().map((p) => {
        const age = mirrorAge(engine, p.id);
        const cps = repos.espSync.checkpoints(p.id);
        const lastSync =
          cps
            .map((c) => c.updatedAt)
            .sort()
            .pop() ?? null;
        return {
          id: p.id,
          name: p.name,
          type: p.type,
          baseUrl: (p.config.baseUrl as string | null | undefined) ?? null,
          health: p.health,
          healthChangedAt: p.healthChangedAt,
          lastSync,
          mirrorAsOf: age.asOf,
          mirrorAge: age.words,
          stale: age.stale,
          lists: repos.espSync.listsOfProvider(p.id).length,
          pushBack: repos.espPushback.countByState(p.id),
        };
      });
      output(opts, io, { connections: rows }, () =>
        rows.length === 0
          ? 'No ESP connections. Add one with `understudy esp add mailchimp --name NAME --key-env VAR`.'
          : rows
              .map(
                (r) =>
                  `${r.name} (${r.type}): ${r.health}, ${r.lists} lists, mirror as of ${r.mirrorAge}${r.stale ? ' (out of date)' : ''}, push-back pending ${r.pushBack.pending}${r.pushBack.failed ? `, refused ${r.pushBack.failed}` : ''}`,
              )
              .join('\n'),
      );
    });
  });

  common(esp.command('health [name]').description("probe each ESP's API and public status page")).action(
    async (name: string | undefined, opts: CommonOptions) => {
      await withEngine(opts, io, async (engine) => {
        await openEngineSecrets(engine, opts, io);
        const reports = await checkEspHealth(engine, { esp: name });
        output(opts, io, { health: reports }, () =>
          reports.length === 0
            ? 'No ESP connections.'
            : reports
                .map((r) => {
                  const sp = r.health.statusPage;
                  return `${r.provider} (${r.type}): ${r.health.overall}. API: ${r.health.api.state}${r.health.api.latencyMs !== null ? ` in ${r.health.api.latencyMs} ms` : ''} — ${r.health.api.message}${sp ? ` Status page: ${sp.indicator} — ${sp.description}` : ''}`;
                })
                .join('\n'),
        );
      });
    },
  );

  common(
    esp
      .command('unschedule <campaign>')
      .description('unschedule (or suspend) a mirrored campaign at its ESP before sending it from here'),
  ).action(async (campaign: string, opts: CommonOptions) => {
    const id = Number(campaign);
    if (!Number.isInteger(id) || id <= 0)
      throw userError(`"${campaign}" is not a campaign id.`, {
        next: 'Use the id from `understudy campaigns list`.',
      });
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const r = await unscheduleAtEsp(engine, id);
      output(opts, io, r, () => r.result.message);
      if (r.result.status !== 'done')
        throw userError(r.result.message, {
          code: `esp_unschedule_${r.result.status}`,
          safe: 'Nothing was sent from here.',
          next: 'Unschedule it in the ESP, then send it from Understudy.',
        });
    });
  });

  common(
    esp
      .command('push-back [name]')
      .description('push unsubscribes and bounces collected locally back to the ESP'),
  ).action(async (name: string | undefined, opts: CommonOptions) => {
    await withEngine(opts, io, async (engine) => {
      await openEngineSecrets(engine, opts, io);
      const rs = await pushBack(engine, { esp: name });
      output(
        opts,
        io,
        { pushBack: rs },
        () =>
          rs
            .map(
              (r) =>
                `${r.provider}: pushed ${r.pushed}, already there ${r.already}, unknown there ${r.notFound}${r.failed ? `, refused ${r.failed}` : ''}, still pending ${r.pending}${r.error ? ` (${r.error})` : ''}`,
            )
            .join('\n') || 'No ESP connections.',
      );
      const failed = rs.find((r) => r.error);
      if (failed)
        throw userError(`Push-back to "${failed.provider}" stopped: ${failed.error}`, {
          code: 'esp_pushback_incomplete',
          safe: `${failed.pending} items stay queued; nothing is pushed twice.`,
          next: 'Run `understudy esp push-back` again once the ESP answers.',
        });
    });
  });
}
