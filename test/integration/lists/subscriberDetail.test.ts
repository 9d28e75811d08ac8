/**
 * A subscriber's page (issue 15, "Finding people"): fields, tags, status history from the events log,
 * what they were sent in plain words, and a manual unsubscribe that records an event, is queued for a
 * linked ESP, and never softens a stricter status.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../helpers/engine';
import { addCampaign, addList, addProvider } from '../../helpers/continuity';
import { createDispatcher } from '../../../electron/engine/handlers';
import type { SubscriberDetail } from '../../../electron/engine/api/lists';

describe("a subscriber's page", () => {
  it('shows fields, tags, history and deliveries, and unsubscribes by hand once', async () => {
    const { engine } = testEngine();
    const listId = addList(engine, 'Customers', ['ann@example.com', 'bob@example.com']);
    const ann = engine.repos.subscribers.byEmail(listId, 'ann@example.com')!;
    engine.db
      .prepare(`UPDATE subscribers SET merge_fields = ?, tags = ? WHERE id = ?`)
      .run(
        JSON.stringify({ FNAME: 'Ann', CITY: 'Lyon', EMPTY: '' }),
        JSON.stringify(['VIP', 'Black Friday, 2026']),
        ann.id,
      );
    const relay = addProvider(engine, { name: 'Backup relay', kind: 'smtp' });
    const c1 = addCampaign(engine, { listId, name: 'Spring sale' });
    const c2 = addCampaign(engine, { listId, name: 'Summer news' });
    const ins = engine.db.prepare(
      `INSERT INTO deliveries (campaign_id, subscriber_id, email, state, provider_id, message_id, smtp_code, smtp_reply, sent_at, updated_at)
       VALUES (?, ?, 'ann@example.com', ?, ?, ?, ?, ?, ?, ?)`,
    );
    ins.run(
      c1,
      ann.id,
      'sent',
      relay,
      '<a@x>',
      250,
      'ok',
      '2026-11-01T10:00:00.000Z',
      '2026-11-01T10:00:00.000Z',
    );
    ins.run(
      c2,
      ann.id,
      'failed_perm',
      relay,
      '<b@x>',
      550,
      '5.1.1 no such user',
      null,
      '2026-11-02T10:00:00.000Z',
    );

    const d = createDispatcher(engine);
    const show = async (name: 'subscriberDetail' | 'unsubscribeSubscriber') => {
      const env = await d.dispatch(name, { id: ann.id });
      if (!env.ok) throw new Error(env.error.message);
      return env.value as SubscriberDetail;
    };
    const page = await show('subscriberDetail');
    expect(page.list).toBe('Customers');
    expect(page.fields).toEqual([
      { name: 'CITY', value: 'Lyon' },
      { name: 'FNAME', value: 'Ann' },
    ]);
    expect(page.subscriber.tags).toEqual(['VIP', 'Black Friday, 2026']);
    expect(page.sent).toEqual([
      expect.objectContaining({
        campaign: 'Summer news',
        provider: 'Backup relay',
        outcome: 'Not delivered: their server refused it',
        detail: '550 5.1.1 no such user',
      }),
      expect.objectContaining({
        campaign: 'Spring sale',
        provider: 'Backup relay',
        outcome: 'Sent',
        delivered: true,
      }),
    ]);
    expect(page.canUnsubscribe).toBe(true);
    expect(page.history.map((h) => h.text)).toEqual(['Added to the list (imported)']);

    const after = await show('unsubscribeSubscriber');
    expect(after.subscriber.status).toBe('unsubscribed');
    expect(after.canUnsubscribe).toBe(false);
    expect(after.history[0]!.text).toBe('Unsubscribed by hand in Understudy');
    // Bob is untouched; a second unsubscribe records nothing more.
    expect(engine.repos.subscribers.byEmail(listId, 'bob@example.com')!.status).toBe('subscribed');
    const again = await show('unsubscribeSubscriber');
    expect(again.history.filter((h) => h.text.startsWith('Unsubscribed'))).toHaveLength(1);

    // A bounced address stays bounced: a manual unsubscribe never softens it.
    const bob = engine.repos.subscribers.byEmail(listId, 'bob@example.com')!;
    engine.repos.subscribers.setStatus(bob.id, 'bounced', 'test', engine.now());
    const b = await d.dispatch('unsubscribeSubscriber', { id: bob.id });
    expect(b.ok && (b.value as SubscriberDetail).subscriber.status).toBe('bounced');
    // A status the log has no event for (set by a sync or an import) still shows, from the row.
    expect(b.ok && (b.value as SubscriberDetail).history.map((h) => h.text)).toContain(
      'Bounced: their mail server refuses mail',
    );

    // Someone who is gone: a clear message, nothing changed.
    const gone = await d.dispatch('subscriberDetail', { id: 999_999 });
    expect(gone.ok).toBe(false);
    expect(!gone.ok && gone.error.message).toMatch(/not in any list any more/);
  });
});
