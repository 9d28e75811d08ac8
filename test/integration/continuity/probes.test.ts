/** The SMTP health probe against real servers: connect + EHLO + AUTH, nothing sent. */
import { afterEach, describe, expect, it } from 'vitest';
import { probeSmtp } from '../../../electron/engine/continuity/adapters';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import {
  startSmtpServer,
  startSmtpSink,
  freePort,
  type SmtpCapture,
  type SmtpSink,
} from '../../helpers/smtp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { tempDir } from '../../helpers/tmp';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('SMTP probe', () => {
  it('ok when the account logs in; a refused login or a dead port is a failure; nothing is sent', async () => {
    const { engine, secrets } = await engineWithSecrets(tempDir());
    stops.push(() => engine.close());
    const relay: SmtpCapture = await startSmtpServer({ auth: { user: 'shop', pass: 'right' } });
    stops.push(() => relay.stop());
    const sink: SmtpSink = await startSmtpSink();
    stops.push(() => sink.stop());
    const base = {
      host: relay.host,
      port: relay.port,
      tls: 'none' as const,
      user: 'shop',
      auth: 'PLAIN' as const,
    };
    const good = await addSmtpProvider(engine, { name: 'Good', ...base, password: 'right' }, secrets);
    const expired = await addSmtpProvider(
      engine,
      { name: 'Expired', ...base, password: 'old-secret-pw-42' },
      secrets,
    );
    const sinkP = await addSmtpProvider(
      engine,
      { name: 'Sink', host: '127.0.0.1', port: sink.port, tls: 'none' },
      secrets,
    );
    const dead = await addSmtpProvider(
      engine,
      { name: 'Dead', host: '127.0.0.1', port: await freePort(), tls: 'none' },
      secrets,
    );

    expect((await probeSmtp(engine, good.id)).state).toBe('ok');
    expect((await probeSmtp(engine, sinkP.id)).state).toBe('ok');
    const e = await probeSmtp(engine, expired.id);
    expect(e.state).toBe('fail');
    expect(e.detail).toMatch(/login refused.*password may have expired/);
    expect(e.detail).not.toContain('old-secret-pw-42'); // the password never appears
    expect((await probeSmtp(engine, dead.id)).state).toBe('fail');
    expect(relay.messages).toEqual([]);
  });
});
