/** `settings list`, `settings set KEY VALUE`, `settings unset KEY`: what every message needs (postal address, unsubscribe ...). */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import {
  getSendingSettings,
  setSendingSetting,
  unsetSendingSetting,
  SENDING_SETTINGS,
  REQUIRED_SENDING_SETTINGS,
} from '../../engine/sending';

export function registerSettings(program: Command, io: Io): void {
  const settings = program
    .command('settings')
    .description('sending settings: postal address, unsubscribe address, ...');

  common(settings.command('list').description('every sending setting and its value')).action(
    async (opts: CommonOptions) => {
      await withEngine(opts, io, (engine) => {
        const values = getSendingSettings(engine);
        output(opts, io, values, () =>
          Object.entries(SENDING_SETTINGS)
            .map(([k, help]) => `${k} = ${values[k as keyof typeof values] ?? '(not set)'}\n    ${help}`)
            .join('\n'),
        );
      });
    },
  );

  common(
    settings
      .command('set <key> <value>')
      .description(
        `set one of: ${Object.keys(SENDING_SETTINGS).join(', ')} (remove one with \`settings unset\`)`,
      ),
  ).action(async (key: string, value: string, opts: CommonOptions) => {
    await withEngine(opts, io, (engine) => {
      setSendingSetting(engine, key, value);
      output(opts, io, getSendingSettings(engine), () => `${key} set.`);
    });
  });

  common(
    settings
      .command('unset <key>')
      .description(
        `remove one of: ${Object.keys(SENDING_SETTINGS).join(', ')} (${Object.keys(REQUIRED_SENDING_SETTINGS).join(' and ')} are needed to send)`,
      ),
  ).action(async (key: string, opts: CommonOptions) => {
    await withEngine(opts, io, (engine) => {
      const r = unsetSendingSetting(engine, key);
      if (r.warning) io.stderr.write(`understudy: warning: ${r.warning}\n`);
      output(opts, io, { ...r, settings: getSendingSettings(engine) }, () =>
        r.removed ? `${key} removed.` : `${key} was not set; nothing changed.`,
      );
    });
  });
}
