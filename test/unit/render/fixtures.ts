/** Shared campaign/settings/subscriber fixtures for the render tests. */
import type {
  Dialect,
  RenderCampaign,
  RenderSettings,
  RenderSubscriber,
} from '../../../electron/engine/sending/render';

export const settings: RenderSettings = {
  listName: 'Bakery News',
  postalAddress: 'Rose Bakery\n12 High Street\nBristol BS1 4AA',
  companyName: 'Rose Bakery Ltd',
  unsubscribeMailto: 'unsubscribe@rose.example',
  unsubscribeUrl: 'https://rose.example/unsubscribe',
  unsubscribeSecret: 'test-secret-0123456789abcdef',
  messageIdDomain: 'rose.example',
  now: new Date('2026-11-23T10:00:00Z'),
};

export function campaign(over: Partial<RenderCampaign> = {}): RenderCampaign {
  return {
    id: 42,
    subject: 'Fresh bread this week',
    fromName: 'Rose Bakery',
    fromEmail: 'news@rose.example',
    replyTo: null,
    html: '<p>Hello</p>',
    text: null,
    dialect: 'local',
    ...over,
  };
}

export function html(dialect: Dialect, body: string, over: Partial<RenderCampaign> = {}): RenderCampaign {
  return campaign({ dialect, html: body, ...over });
}

export const ann: RenderSubscriber = {
  id: 7,
  email: 'ann@example.org',
  firstName: 'Ann',
  lastName: 'Lee',
  mergeFields: { CITY: 'Bath', COMPANY: 'Acme & <Sons>', BIRTHDAY: '05/11' },
  tags: ['vip', 'Bread lovers'],
};

export const blank: RenderSubscriber = {
  id: 8,
  email: 'bob@example.org',
  firstName: '',
  lastName: '',
  mergeFields: {},
  tags: [],
};

/** The body of a rendered HTML part without the compliance footer. */
export function body(htmlPart: string | undefined): string {
  const h = (htmlPart ?? '').split('\n<div class="understudy-footer"')[0]!;
  // A fragment is wrapped in a document: compare what the template itself produced.
  const start = h.indexOf('<body>\n');
  return start >= 0 && !h.startsWith('<html')
    ? h.slice(start + 7).replace(/\n(<\/body><\/html>\n)?$/, '')
    : h;
}
