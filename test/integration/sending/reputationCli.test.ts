/**
 * Issue 16 §5 from the command line: a provider's bounce and complaint limits shown and edited (and
 * refused when they make no sense, changing nothing), keep-warm switched on, and `send --dry-run` /
 * `send --skip-risky` saying how many people are left out through a cold backup.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { expectCleanMessage } from '../../helpers/hostile';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import type { ProviderReputation } from '../../../electron/engine/api/reputation';
import type { SmtpCapture } from '../../helpers/smtp';
import { campaign, PASSPHRASE, recipient, server, smtpProvider, world } from './fixture';

const servers: SmtpCapture[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('providers update --max-bounce-rate / --max-complaint-rate / --keep-warm', () => {
  it('shows the limits its provider enforces, edits them, resets them, and refuses nonsense without changing anything', async () => {
    const w = await world(2);
    const s = await server();
    servers.push(s);
    await smtpProvider(w, 'relay', s.port, { preset: 'ses' });
    await w.engine.close();
    const db = ['--db', w.dbPath];
    const show = async () =>
      (await cli(['providers', 'reputation', 'relay', '--json', ...db])).json() as ProviderReputation;

    expect(await show()).toMatchObject({
      maxBounceRate: 0.05,
      maxComplaintRate: 0.001,
      minSample: 200,
      keepWarm: false,
      edited: { bounce: false, complaint: false, minSample: false },
    });
    const text = await cli(['providers', 'reputation', 'relay', ...db]);
    expect(text.stdout).toContain(
      'Paused during a send when 5 % or more of its recent messages bounce, or 0.1 % or more are reported as spam — judged only once it has handled at least 200 messages of the send.',
    );
    expect(text.stdout).toContain('Amazon SES');

    const up = await cli([
      'providers',
      'update',
      'relay',
      '--max-bounce-rate',
      '4%',
      '--max-complaint-rate',
      '0.08%',
      '--min-sample',
      '50',
      '--keep-warm',
      ...db,
    ]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('"relay": Paused during a send when 4 % or more');
    expect(up.stdout).toContain('0.08 % or more are reported as spam');
    expect(up.stdout).toContain('at least 50 messages');
    expect(up.stdout).toContain('Keep-warm: on.');
    expect(await show()).toMatchObject({
      maxBounceRate: 0.04,
      maxComplaintRate: 0.0008,
      minSample: 50,
      keepWarm: true,
      edited: { bounce: true, complaint: true, minSample: true },
    });

    for (const [flag, value, words] of [
      ['--max-bounce-rate', '150%', '"150%" is not a bounce limit.'],
      ['--max-complaint-rate', 'lots', '"lots" is not a complaint limit.'],
      ['--max-bounce-rate', '0', '"0" is not a bounce limit.'],
      ['--min-sample', '0', 'min-sample'],
    ] as const) {
      const bad = await cli(['providers', 'update', 'relay', flag, value, ...db]);
      expect(bad.code, `${flag} ${value}`).toBe(1);
      expect(bad.stderr).toContain(words);
      expectCleanMessage(bad.stderr);
    }
    expect(await show()).toMatchObject({ maxBounceRate: 0.04, maxComplaintRate: 0.0008, minSample: 50 });

    const reset = await cli([
      'providers',
      'update',
      'relay',
      '--max-bounce-rate',
      'default',
      '--no-keep-warm',
      ...db,
    ]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await show()).toMatchObject({
      maxBounceRate: 0.05,
      maxComplaintRate: 0.0008,
      keepWarm: false,
      edited: { bounce: false, complaint: true },
    });
  });
});

describe('send --dry-run / --skip-risky through a cold backup', () => {
  it('says how many people are most likely to hurt it, leaves them out only with --skip-risky, and says so', async () => {
    const w = await world(6);
    const csv = join(w.dir, 'old.csv');
    writeFileSync(csv, ['email,status', `${recipient(1)},pending`, `${recipient(2)},pending`].join('\n'));
    await importFile(w.engine, { file: csv, list: 'Old', format: 'csv' });
    const s = await server();
    servers.push(s);
    await smtpProvider(w, 'relay', s.port, { preset: 'sendgrid' });
    const id = campaign(w);
    await w.engine.close();
    const db = ['--db', w.dbPath];

    const dry = await cli(['send', String(id), '--dry-run', ...db]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      '2 people are most likely to hurt a cold or small backup’s reputation (2 never confirmed a subscription (pending on another list)). "relay" is cold: leaving them out is recommended. Add --skip-risky to leave them out',
    );
    expect(s.messages).toHaveLength(0);

    const sent = await cli(['send', String(id), '--skip-risky', '--json', ...db], {
      UNDERSTUDY_PASSPHRASE: PASSPHRASE,
    });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json()).toMatchObject({
      sent: 4,
      skipped: 2,
      risky: { leftOut: 2, byReason: [{ reason: 'never_confirmed', count: 2 }] },
    });
    expect(s.messages.flatMap((m) => m.rcpt)).not.toContain(recipient(1));
  });
});
