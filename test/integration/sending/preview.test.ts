/**
 * A campaign's preview is the message a member gets, from the send's own compile: the postal-address
 * footer and the unsubscribe link are in it, and the merge tags it cannot fill are named in words —
 * those no copy can fill and those this member has no value for (issue 15 §6).
 */
import { describe, expect, it } from 'vitest';
import { createCampaign } from '../../../electron/engine/sending';
import { previewCampaign } from '../../../electron/engine/sending/preview';
import { createDispatcher } from '../../../electron/engine/handlers';
import { world } from './fixture';

describe('campaign preview', () => {
  it('shows the footer and the unsubscribe link the send adds, filled for the chosen member', async () => {
    const w = await world(2);
    try {
      const { id } = createCampaign(w.engine, {
        list: 'Customers',
        subject: 'Hello *|FNAME|*',
        from: 'Shop <news@shop.test>',
        html: '<p>Hi *|FNAME|*, our sale starts now.</p>',
        dialect: 'mailchimp',
      });
      const p = previewCampaign(w.engine, id, w.emails[1]);
      expect(p.as).toBe(w.emails[1]);
      expect(p.subject).toBe('Hello Name1');
      expect(p.html).toContain('Hi Name1, our sale starts now.');
      expect(p.html).toContain('1 Test Street, Testville');
      // The footer's link, as the send writes it (a token of its own: it unsubscribes nobody).
      expect(p.html).toMatch(/<a href="https:\/\/shop\.test\/u\/[^"]+"[^>]*>Unsubscribe<\/a>/);
      expect(p.text).toContain('1 Test Street, Testville');
      expect(p.unfilled).toEqual([]);
      // Without a member named: the first subscribed one, as a test send.
      expect(previewCampaign(w.engine, id).as).toBe(w.emails[0]);
    } finally {
      await w.engine.close();
    }
  });

  it('warns in words about tags no copy can fill and tags this member has no value for', async () => {
    const w = await world(1, { extraCsvRows: ['nameless@example.test,,subscribed'] });
    try {
      const { id } = createCampaign(w.engine, {
        list: 'Customers',
        subject: 'Winter sale',
        from: 'Shop <news@shop.test>',
        html: '<p>Hi *|FNAME|*, your code is *|PROMO_CODE|*.</p>',
        dialect: 'mailchimp',
      });
      const p = previewCampaign(w.engine, id, 'nameless@example.test');
      expect(p.unfilled.join('\n')).toMatch(/PROMO_CODE is not a field of this list/);
      expect(p.unfilled.join('\n')).toMatch(
        /nameless@example\.test has no value for 1 merge tag \(\*\|FNAME\|\*\): it is left empty/,
      );
      expect(p.html).toContain('Hi , your code is .');
      // A member with a first name: only the tag no copy can fill.
      const named = previewCampaign(w.engine, id, w.emails[0]);
      expect(named.unfilled.join('\n')).not.toMatch(/FNAME/);
      expect(named.unfilled.join('\n')).toMatch(/PROMO_CODE/);
    } finally {
      await w.engine.close();
    }
  });

  it('is a read-only call of the contract, and refuses someone not on the list', async () => {
    const w = await world(1);
    try {
      const { id } = createCampaign(w.engine, {
        list: 'Customers',
        subject: 'Winter sale',
        from: 'Shop <news@shop.test>',
        html: '<p>Hello</p>',
      });
      const { dispatch } = createDispatcher(w.engine);
      const ok = await dispatch('previewCampaign', { id });
      expect(ok.ok).toBe(true);
      const stranger = await dispatch('previewCampaign', { id, as: 'stranger@example.test' });
      expect(stranger.ok).toBe(false);
      if (!stranger.ok) expect(stranger.error.message).toMatch(/not in the list "Customers"/);
    } finally {
      await w.engine.close();
    }
  });
});
