/**
 * Communication: an apology with one compensation code per recipient (each code once, never reused,
 * the run stops cleanly when codes run out), sent by the real sending engine to a real SMTP server;
 * and the stakeholder update through the first working provider.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../../electron/engine/engine';
import {
  createNotice,
  importCodes,
  sendStakeholderUpdate,
} from '../../../electron/engine/continuity/communication';
import { onHealthChange } from '../../../electron/engine/continuity/incidents';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { setSendingSetting } from '../../../electron/engine/sending/settings';
import { runCampaign } from '../../../electron/engine/sending';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { addList } from '../../helpers/continuity';
import { tempDir } from '../../helpers/tmp';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function setup(): Promise<{ engine: Engine; relay: SmtpCapture; dir: string }> {
  const dir = tempDir();
  const { engine, secrets } = await engineWithSecrets(dir);
  const relay = await startSmtpServer();
  cleanup.push(
    () => relay.stop(),
    () => engine.close(),
  );
  setSendingSetting(engine, 'postal_address', '1 Harbour Street, Portsmouth');
  setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@shop.example');
  await addSmtpProvider(
    engine,
    { name: 'Relay', host: relay.host, port: relay.port, tls: 'none', priority: 5 },
    secrets,
  );
  return { engine, relay, dir };
}

describe('communication', () => {
  it('gives each apology recipient a unique code once, and skips those beyond the batch', async () => {
    const { engine, relay, dir } = await setup();
    addList(engine, 'Customers', ['ann@example.org', 'bob@example.org', 'cy@example.org', 'dee@example.org']);
    const csv = join(dir, 'codes.csv');
    writeFileSync(csv, 'code\nSORRY-AAA1\nSORRY-BBB2\nSORRY-CCC3\nSORRY-AAA1\n');
    expect(importCodes(engine, csv, 'winter')).toMatchObject({ added: 3, duplicates: 1, free: 3 });
    expect(importCodes(engine, csv, 'winter')).toMatchObject({ added: 0, free: 3 }); // re-import adds nothing

    const alerts: string[] = [];
    engine.bus.on('notification', (n) => alerts.push(n.title));
    const first = createNotice(engine, {
      kind: 'apology',
      list: 'Customers',
      from: 'Shop <shop@shop.example>',
      codes: 'winter',
      company: 'Harbour Shop',
    });
    expect(first.codes).toEqual({ assigned: 3, withoutCode: 1 });
    expect(alerts).toContain('Not enough compensation codes');

    const summary = await runCampaign(engine, first.campaign.id);
    expect(summary).toMatchObject({ sent: 3 });
    const codes = relay.messages.map((m) => /SORRY-[A-Z0-9]+/.exec(m.raw)?.[0]);
    expect(new Set(codes).size).toBe(3);
    expect(codes.sort()).toEqual(['SORRY-AAA1', 'SORRY-BBB2', 'SORRY-CCC3']);
    expect(relay.messages.every((m) => m.raw.includes('Harbour Shop'))).toBe(true);

    // A second apology from the same batch: no code is ever given twice, so nobody is mailed.
    const second = createNotice(engine, {
      kind: 'apology',
      list: 'Customers',
      from: 'shop@shop.example',
      codes: 'winter',
    });
    expect(second.codes).toEqual({ assigned: 0, withoutCode: 4 });
    expect(engine.repos.codes.summary('winter')).toEqual({ batch: 'winter', total: 3, free: 0, assigned: 3 });
  });

  it('a status notice is an ordinary campaign from the template', async () => {
    const { engine, relay } = await setup();
    addList(engine, 'Customers', ['ann@example.org']);
    const { campaign } = createNotice(engine, {
      kind: 'status',
      list: 'Customers',
      from: 'shop@shop.example',
      company: 'Harbour Shop',
    });
    await runCampaign(engine, campaign.id);
    expect(relay.messages).toHaveLength(1);
    // Read as a mail client would: the quoted-printable body may be cut into lines anywhere.
    expect((await simpleParser(relay.messages[0]!.raw)).text).toMatch(/Hello Name0,/);
    expect(() =>
      createNotice(engine, { kind: 'status', list: 'Customers', from: 'shop@shop.example', codes: 'x' }),
    ).toThrow(/apology/);
  });

  it('sends the stakeholder update through the first working provider', async () => {
    const { engine, relay } = await setup();
    const relayRow = engine.repos.providers.byName('Relay')!;
    // A second provider that is down: the update must not go through it.
    const dead2 = engine.repos.providers.create(
      {
        ...relayRow,
        name: 'Dead',
        config: { host: '127.0.0.1', port: 1, tls: 'none', auth: 'none' },
        priority: 1,
        secretRef: null,
      },
      engine.now(),
    );
    engine.repos.health.setHealth(dead2.id, 'down', engine.now());
    onHealthChange(
      engine,
      { id: dead2.id, name: 'Dead', kind: 'smtp' },
      'degraded',
      'down',
      'connection refused',
    );
    const r = await sendStakeholderUpdate(engine, {
      to: ['team@shop.example'],
      from: 'understudy@shop.example',
      zone: 'Europe/London',
      note: 'We are on it.',
    });
    expect(r.provider).toBe('Relay');
    expect(relay.messages).toHaveLength(1);
    expect(relay.messages[0]!.rcpt).toEqual(['team@shop.example']);
    const update = (await simpleParser(relay.messages[0]!.raw)).text;
    expect(update).toMatch(/Open incidents \(1\)/);
    expect(update).toMatch(/Dead is down/);
  });
});
