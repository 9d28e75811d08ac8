/**
 * The per-ESP world shared by the continuity tests (custody.test.ts in-process, espLoop.test.ts with a
 * real `understudy run`): each of the six ESP fakes seeded with a list of three people and one campaign
 * scheduled for `sendAt`, with the switches a test needs to look at or move the ESP's side.
 */
import type { EspKind } from '../../electron/engine/mirror/esp/types';
import { FakeMailchimp, md5 } from '../fakes/mailchimp';
import { FakeBrevo } from '../fakes/brevo';
import { KitFake } from '../fakes/kit';
import { KlaviyoFake } from '../fakes/klaviyo';
import { MailerLiteFake, mlDate } from '../fakes/mailerlite';
import { SendGridFake } from '../fakes/sendgrid';

export const PEOPLE = ['ann@example.org', 'bob@example.org', 'cy@example.org'];
export const SUBJECT = 'December news';

/** One ESP's fake, seeded with a list of three and one campaign scheduled for `sendAt`. */
export interface FakeEsp {
  label: string;
  key: string;
  baseUrl: string;
  stop(): Promise<void>;
  /** The ESP would still send the campaign. */
  scheduled(): boolean;
  /** The ESP sends it (its own time came while Understudy could not reach it). */
  send(): void;
  /** The ESP has the address as unsubscribed / suppressed. */
  unsubscribed(email: string): boolean;
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const FAKES: Record<EspKind, (sendAt: number) => Promise<FakeEsp>> = {
  mailchimp: async (sendAt) => {
    const f = new FakeMailchimp();
    await f.start();
    f.addList('L1', 'Newsletter');
    for (const e of PEOPLE) f.upsertMember('L1', e, {});
    f.campaigns.set('C1', {
      id: 'C1',
      status: 'schedule',
      send_time: iso(sendAt).replace('Z', '+00:00'),
      list_id: 'L1',
      subject_line: SUBJECT,
      title: 'December',
      from_name: 'Acme',
      reply_to: 'news@acme.example',
      html: '<p>Hello *|FNAME|*</p>',
      plain_text: 'Hello *|FNAME|*',
    });
    return {
      label: 'Mailchimp',
      key: f.key,
      baseUrl: f.baseUrl,
      stop: () => f.stop(),
      scheduled: () => f.campaigns.get('C1')!.status === 'schedule',
      send: () => void (f.campaigns.get('C1')!.status = 'sent'),
      unsubscribed: (e) => f.lists.get('L1')!.members.get(md5(e))?.status === 'unsubscribed',
    };
  },
  brevo: async (sendAt) => {
    const f = new FakeBrevo();
    await f.start();
    f.addList(7, 'Customers');
    for (const e of PEOPLE) f.upsertContact(e, { listIds: [7] });
    f.campaigns.set(1, {
      id: 1,
      name: 'December',
      subject: SUBJECT,
      status: 'queued',
      scheduledAt: iso(sendAt),
      sender: { name: 'Acme', email: 'news@acme.example', id: 1 },
      replyTo: 'news@acme.example',
      htmlContent: '<p>Hello {{ contact.FIRSTNAME }}</p>',
      lists: [7],
    });
    return {
      label: 'Brevo',
      key: f.key,
      baseUrl: f.baseUrl,
      stop: () => f.stop(),
      scheduled: () => f.campaigns.get(1)!.status === 'queued',
      send: () => void (f.campaigns.get(1)!.status = 'sent'),
      unsubscribed: (e) => f.contacts.get(e)?.emailBlacklisted === true,
    };
  },
  mailerlite: async (sendAt) => {
    const f = new MailerLiteFake();
    await f.start();
    for (const e of PEOPLE) f.addSubscriber(e);
    const c = f.addCampaign({ name: 'December', subject: SUBJECT, scheduled_for: mlDate(sendAt) });
    return {
      label: 'MailerLite',
      key: f.apiKey,
      baseUrl: `${f.url}/api`,
      stop: () => f.stop(),
      scheduled: () => f.campaigns.get(c.id)!.status === 'ready',
      send: () => void (f.campaigns.get(c.id)!.status = 'sent'),
      unsubscribed: (e) => [...f.subscribers.values()].find((s) => s.email === e)?.status === 'unsubscribed',
    };
  },
  kit: async (sendAt) => {
    const f = new KitFake();
    await f.start();
    for (const e of PEOPLE) f.addSubscriber(e);
    const b = f.addBroadcast({ subject: SUBJECT, description: 'December', send_at: iso(sendAt) });
    return {
      label: 'Kit',
      key: f.apiKey,
      baseUrl: f.url,
      stop: () => f.stop(),
      scheduled: () => {
        const x = f.broadcasts.get(b.id)!;
        return x.send_at !== null && x.status !== 'completed';
      },
      send: () => void (f.broadcasts.get(b.id)!.status = 'completed'),
      unsubscribed: (e) =>
        [...f.subscribers.values()].find((s) => s.email_address === e)?.state === 'cancelled',
    };
  },
  sendgrid: async (sendAt) => {
    const f = new SendGridFake();
    f.pollsUntilReady = 0; // the contacts export is ready at once (no real wait in the sync)
    await f.start();
    const list = f.addList('Newsletter');
    for (const e of PEOPLE) f.addContact(e, { lists: [list] });
    const s = f.addSingleSend({ name: 'December', subject: SUBJECT, send_at: iso(sendAt), list_ids: [list] });
    return {
      label: 'SendGrid',
      key: f.apiKey,
      baseUrl: f.url,
      stop: () => f.stop(),
      scheduled: () => f.singleSends.get(s.id)!.status === 'scheduled',
      send: () => void (f.singleSends.get(s.id)!.status = 'triggered'),
      unsubscribed: (e) => f.globalSuppressionPosts.some((p) => p.includes(e)),
    };
  },
  klaviyo: async (sendAt) => {
    const f = new KlaviyoFake();
    await f.start();
    const list = f.addList('Newsletter');
    for (const e of PEOPLE) f.addProfile(e, { lists: [list] });
    const c = f.addCampaign({
      name: 'December',
      subject: SUBJECT,
      included: [list],
      scheduledAt: iso(sendAt),
    });
    return {
      label: 'Klaviyo',
      key: f.apiKey,
      baseUrl: f.url,
      stop: () => f.stop(),
      scheduled: () => f.campaigns.get(c.id)!.status === 'Scheduled',
      send: () => void (f.campaigns.get(c.id)!.status = 'Sent'),
      unsubscribed: (e) => f.jobs.some((j) => j.type === 'unsubscribe' && j.emails.includes(e)),
    };
  },
};
