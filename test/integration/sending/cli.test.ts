/** The sending commands of the `understudy` CLI, run in-process against a real database and server. */
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { main } from '../../../electron/cli/main';
import type { Io } from '../../../electron/cli/context';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { PASSPHRASE, world } from './fixture';

const servers: SmtpCapture[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d.toString()));
  stderr.on('data', (d) => (err += d.toString()));
  const io: Io = { stdout, stderr, env: { ...env }, stdin: Readable.from([]) };
  const code = await main(args, io);
  return { code, out, err };
}

describe('understudy CLI: providers, campaigns, send', () => {
  it('adds a provider with the password from an env var, sends with --json, and refuses what makes no sense', async () => {
    const w = await world(3);
    await w.engine.close();
    const srv = await startSmtpServer({ auth: { user: 'shop', pass: 'pw-from-env-123' } });
    servers.push(srv);
    const env = { UNDERSTUDY_PASSPHRASE: PASSPHRASE, SMTP_PW: 'pw-from-env-123' };
    const db = ['--db', w.dbPath];

    const add = await run(
      [
        'providers',
        'add',
        'smtp',
        '--name',
        'relay',
        '--host',
        '127.0.0.1',
        '--port',
        String(srv.port),
        '--tls',
        'none',
        '--user',
        'shop',
        '--password-env',
        'SMTP_PW',
        '--per-second',
        '50',
        '--priority',
        '1',
        '--json',
        ...db,
      ],
      env,
    );
    expect(add.code, add.err).toBe(0);
    expect(add.out).not.toContain('pw-from-env-123');
    expect(JSON.parse(add.out)).toMatchObject({
      name: 'relay',
      perSecond: 50,
      hasSecret: true,
      auth: 'PLAIN',
    });
    expect(readFileSync(w.dbPath).includes(Buffer.from('pw-from-env-123'))).toBe(false);

    const test = await run(['providers', 'test', 'relay', ...db], env);
    expect(test.code, test.err).toBe(0);
    expect(test.out).toMatch(/^OK: relay: Connected/);

    const html = join(w.dir, 'c.html');
    writeFileSync(html, '<p>Hi {{ first_name }}</p>');
    const created = await run(
      [
        'campaigns',
        'add',
        '--list',
        'Customers',
        '--subject',
        'News',
        '--from',
        'Shop <news@shop.test>',
        '--html',
        html,
        '--json',
        ...db,
      ],
      env,
    );
    expect(created.code, created.err).toBe(0);
    const id = JSON.parse(created.out).id as number;

    const dry = await run(['send', String(id), '--dry-run', ...db], {});
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/3 message\(s\) would be sent/);
    expect(srv.messages).toHaveLength(0);

    // A test first: one message to the marketer, and the campaign does not move.
    const tested = await run(['send', String(id), '--test', 'me@shop.test', '--json', ...db], env);
    expect(tested.code, tested.err).toBe(0);
    expect(JSON.parse(tested.out)).toMatchObject({ campaign: id, to: 'me@shop.test', provider: 'relay' });
    expect(srv.messages.map((m) => m.rcpt)).toEqual([['me@shop.test']]);
    srv.messages.length = 0;

    const sent = await run(['send', String(id), '--json', ...db], env);
    expect(sent.code, sent.err).toBe(0);
    const summary = JSON.parse(sent.out);
    expect(summary).toMatchObject({
      campaign: id,
      sent: 3,
      failed: 0,
      skipped: 0,
      suppressed: 0,
      byProvider: { relay: 3 },
    });
    expect(srv.messages).toHaveLength(3);

    const again = await run(['send', String(id), ...db], env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already been sent.*retry-failed/);

    const pause = await run(['pause', String(id), ...db], env);
    expect(pause.code).toBe(1);
    expect(pause.err).toMatch(/nothing to pause/);

    const show = await run(['campaigns', 'show', String(id), ...db], env);
    expect(show.out).toMatch(/sent 3/);
    const list = await run(['providers', 'list', '--json', ...db], env);
    expect(JSON.parse(list.out).providers[0]).toMatchObject({
      name: 'relay',
      health: 'operational',
      sentLastDay: 4, // the campaign's 3 and the test: a test counts against the provider's caps
    });
  });

  it('explains a missing password and an unknown preset', async () => {
    const w = await world(1);
    await w.engine.close();
    const db = ['--db', w.dbPath];
    const env = { UNDERSTUDY_PASSPHRASE: PASSPHRASE };
    const noPw = await run(
      [
        'providers',
        'add',
        'smtp',
        '--name',
        'g',
        '--preset',
        'gmail',
        '--user',
        'me@gmail.com',
        '--password-env',
        'NOPE',
        ...db,
      ],
      env,
    );
    expect(noPw.code).toBe(1);
    expect(noPw.err).toMatch(/NOPE is empty or not set.*Nothing was changed/);
    const preset = await run(
      [
        'providers',
        'add',
        'smtp',
        '--name',
        'x',
        '--preset',
        'hotmail',
        '--host',
        'h',
        '--port',
        '25',
        ...db,
      ],
      env,
    );
    expect(preset.code).toBe(1);
    expect(preset.err).toMatch(/no preset named "hotmail".*gmail/);
    const set = await run(['settings', 'set', 'postal_adress', 'x', ...db], env);
    expect(set.code).toBe(1);
    expect(set.err).toMatch(/Known settings: postal_address/);
  });
});
