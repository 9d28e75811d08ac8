/**
 * A test send: one message of the campaign to the marketer, rendered with a member's values, through
 * a real SMTP server; recorded nowhere but the timeline and the provider's send log. Its Message-ID
 * and its unsubscribe links are its own, so a receiver never drops the real message as a duplicate
 * of the test and an unsubscribe clicked in a test unsubscribes nobody.
 */
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { getCampaign, sendTest } from '../../../electron/engine/sending';
import { parseUnsubscribeToken } from '../../../electron/engine/sending/render/tokens';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';
import { campaign, recipient, server, smtpProvider, world } from './fixture';

describe('test send', () => {
  it('sends one test with a member’s values, its own Message-ID and inert unsubscribe links; the campaign does not move', async () => {
    const w = await world(3);
    const srv = await server();
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const r = await sendTest(w.engine, id, { to: 'Me@Shop.test', as: recipient(1) });
    expect(r).toMatchObject({ campaign: id, to: 'Me@Shop.test', as: recipient(1), provider: 'relay' });

    expect(srv.messages).toHaveLength(1);
    const m = srv.messages[0]!;
    expect(m.rcpt.map((a) => a.toLowerCase())).toEqual(['me@shop.test']);
    const mail = await simpleParser(m.raw);
    expect(mail.subject).toBe('[Test] Winter sale');
    expect(mail.html).toContain('Hello Name1');
    expect(mail.messageId).toBe(r.messageId);
    expect(mail.messageId).toMatch(/^<understudy\.[0-9a-f]{12}\.c\d+\.test-[0-9a-f]{12}@shop\.test>$/);

    // The unsubscribe token in the test names subscriber 0: nobody.
    const head = m.raw.slice(0, m.raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
    const token = /^List-Unsubscribe: <mailto:[^?]+\?subject=unsubscribe-([^>\s]+)>/m.exec(head)![1]!;
    const ids = parseUnsubscribeToken(token, await unsubscribeSecret(w.engine, w.secrets));
    expect(ids).toMatchObject({ campaignId: id, subscriberId: 0 });

    // Nothing recorded as sent; the timeline and the provider's send log have it.
    const c = getCampaign(w.engine, id);
    expect(c.status).toBe('draft');
    expect(c.counts.total).toBe(0);
    const ev = w.engine.repos.events.recent(20).find((e) => e.type === 'send.test');
    expect(ev?.message).toMatch(/sent to Me@Shop.test through "relay" with the values of user1@example.test/);
    const relay = w.engine.repos.providers.byName('relay')!;
    expect(w.engine.repos.providerState.sendLog(relay.id, 0).reduce((n, x) => n + x.count, 0)).toBe(1);
    await w.engine.close();
  });

  it('says what went wrong: a refused test, an address that is not one, a member who is not in the list', async () => {
    const w = await world(2);
    const srv = await server({
      rejectRcpt: { 'me@shop.test': { code: 550, message: '5.1.1 User unknown' } },
    });
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    await expect(sendTest(w.engine, id, { to: 'me@shop.test' })).rejects.toMatchObject({
      code: 'test_failed',
      message: expect.stringMatching(/not sent: "relay" answered .*5\.1\.1/),
      safe: expect.stringMatching(/campaign is unchanged/),
    });
    await expect(sendTest(w.engine, id, { to: 'not an address' })).rejects.toMatchObject({
      code: 'bad_test_address',
    });
    await expect(
      sendTest(w.engine, id, { to: 'you@shop.test', as: 'stranger@example.test' }),
    ).rejects.toMatchObject({ code: 'not_a_member' });
    // An address that bounced gets no test either.
    w.engine.repos.suppressions.add('gone@shop.test', 'bounced', 'test', null, w.engine.now());
    await expect(sendTest(w.engine, id, { to: 'Gone@shop.test' })).rejects.toMatchObject({
      code: 'test_suppressed',
      message: expect.stringMatching(/suppression list \(bounced\)/),
    });
    // A provider at its daily cap sends no test: never above a cap (the first test uses its one).
    await smtpProvider(w, 'capped', srv.port, { perDay: 1, priority: 1 });
    await sendTest(w.engine, id, { to: 'you@shop.test', via: 'capped' });
    await expect(sendTest(w.engine, id, { to: 'you@shop.test', via: 'capped' })).rejects.toMatchObject({
      code: 'test_capped',
      message: expect.stringMatching(/"capped" is at its sending limit/),
    });
    // A refused test is no bounce: nobody is suppressed, the campaign has no outbox rows.
    expect(w.engine.repos.suppressions.get('me@shop.test')).toBeUndefined();
    expect(getCampaign(w.engine, id).counts.total).toBe(0);
    await w.engine.close();
  });
});
