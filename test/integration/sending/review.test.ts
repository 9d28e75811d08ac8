/**
 * "Review before it is sent": a campaign shows what the renderer would warn about if it were sent
 * now — merge tags that will be left empty, a missing unsubscribe link, no one-click unsubscribe, a
 * setting that would stop the send — in the API, `campaigns show`, and the desktop's campaign panel.
 */
import { describe, expect, it } from 'vitest';
import { createCampaign, getCampaign, unsetSendingSetting } from '../../../electron/engine/sending';
import { cli } from '../../helpers/cli';
import { world } from './fixture';

describe('campaign review', () => {
  it('names the merge tags that will be left empty, the unsubscribe link it adds and what one-click needs', async () => {
    const w = await world(3);
    unsetSendingSetting(w.engine, 'unsubscribe_url');
    const { id } = createCampaign(w.engine, {
      list: 'Customers',
      subject: 'Hello *|FNAME|*',
      from: 'Shop <news@shop.test>',
      html: '<p>Hi *|FNAME|*, your code is *|PROMO_CODE|*. See you at *|CITY|*.</p>',
      dialect: 'mailchimp',
    });
    const review = getCampaign(w.engine, id).review.join('\n');
    expect(review).toMatch(/PROMO_CODE/);
    expect(review).toMatch(/CITY/);
    expect(review).not.toMatch(/FNAME/);
    expect(review).toMatch(/no unsubscribe link/i);
    expect(review).toMatch(/one-click/i);

    // The same in `campaigns show`, for people and for scripts.
    await w.engine.close();
    const shown = await cli(['campaigns', 'show', String(id), '--db', w.dbPath]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/review before it is sent:(\n {2}- .*)*PROMO_CODE/);
    const json = await cli(['campaigns', 'show', String(id), '--db', w.dbPath, '--json']);
    expect((json.json() as { review: string[] }).review.some((r) => r.includes('CITY'))).toBe(true);
  });

  it('says what would stop the send, and what to set', async () => {
    const w = await world(1);
    w.engine.repos.settings.delete('sending.postal_address');
    const { id } = createCampaign(w.engine, {
      list: 'Customers',
      subject: 'Winter sale',
      from: 'Shop <news@shop.test>',
      html: '<p>Hello {{ first_name }}</p>',
    });
    expect(getCampaign(w.engine, id).review).toEqual([
      expect.stringMatching(/no postal address.*settings set postal_address/),
    ]);
    await w.engine.close();
  });

  it('is empty for a campaign with nothing to review', async () => {
    const w = await world(1);
    const { id } = createCampaign(w.engine, {
      list: 'Customers',
      subject: 'Winter sale',
      from: 'Shop <news@shop.test>',
      html: '<p>Hello {{ first_name }}. <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    });
    expect(getCampaign(w.engine, id).review).toEqual([]);
    await w.engine.close();
  });
});
