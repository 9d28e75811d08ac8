import { describe, expect, it } from 'vitest';
import { compileCampaign, type Dialect } from '../../../electron/engine/sending/render';
import { ann, blank, body, html, settings } from './fixtures';

const U_ANN = 'https://rose.example/unsubscribe/u/';

/** [dialect, template, Ann's rendering, an empty subscriber's rendering] */
const CASES: [Dialect, string, string, string][] = [
  // Mailchimp
  [
    'mailchimp',
    'Hi *|FNAME|* *|LNAME|* <*|EMAIL|*>',
    'Hi Ann Lee <ann@example.org>',
    'Hi   <bob@example.org>',
  ],
  ['mailchimp', '*|IF:FNAME|*Hi *|FNAME|**|ELSE:|*Hi friend*|END:IF|*', 'Hi Ann', 'Hi friend'],
  ['mailchimp', '*|IFNOT:CITY|*no city*|END:IF|*', '', 'no city'],
  ['mailchimp', '*|IF:CITY=Bath|*bath*|ELSEIF:CITY=York|*york*|ELSE:|*other*|END:IF|*', 'bath', 'other'],
  ['mailchimp', '*|IF:CITY!=Bath|*x*|END:IF|*', '', 'x'],
  ['mailchimp', '*|INTERESTED:Groups:VIP,Gold|*vip*|END:INTERESTED|*', 'vip', ''],
  [
    'mailchimp',
    '*|CITY|*/*|city|* *|UPPER:CITY|* *|TITLE:COMPANY|*',
    'Bath/Bath BATH Acme &amp; &lt;sons&gt;',
    '/  ',
  ],
  ['mailchimp', '*|HTML:COMPANY|*', 'Acme & <Sons>', ''],
  [
    'mailchimp',
    '<a href="https://rose.example/p?e=*|URL:EMAIL|*&amp;c=*|URL:COMPANY|*">',
    'e=ann%40example.org&amp;c=Acme%20%26%20%3CSons%3E',
    'e=bob%40example.org&amp;c=',
  ],
  ['kit', '{{ subscriber.email_address | url_encode }}', 'ann%40example.org', 'bob%40example.org'],
  [
    'mailchimp',
    '*|LIST:NAME|* | *|LIST:COMPANY|* | *|CURRENT_YEAR|* | *|DATE:Y-m-d|*',
    'Bakery News | Rose Bakery Ltd | 2026 | 2026-11-23',
    'Bakery News | Rose Bakery Ltd | 2026 | 2026-11-23',
  ],
  [
    'mailchimp',
    '*|LIST:ADDRESS|*',
    'Rose Bakery<br>12 High Street<br>Bristol BS1 4AA',
    'Rose Bakery<br>12 High Street<br>Bristol BS1 4AA',
  ],
  ['mailchimp', '<b>*|MC:SUBJECT|*</b>', '<b>Fresh bread this week</b>', '<b>Fresh bread this week</b>'],
  ['mailchimp', 'x<a href="*|ARCHIVE|*">View in browser</a>y *|REWARDS|*', 'xy ', 'xy '],
  ['mailchimp', '<a href="*%7CUNSUB%7C*">u</a>', `<a href="${U_ANN}`, `<a href="${U_ANN.slice(0, 20)}`],
  // Brevo
  ['brevo', 'Hi {{ contact.FIRSTNAME }} {{contact.LASTNAME}}', 'Hi Ann Lee', 'Hi  '],
  ['brevo', 'Hi {{ contact.FIRSTNAME | default:"friend" }}', 'Hi Ann', 'Hi friend'],
  ['brevo', 'Hi {{ contact.FIRSTNAME | default:&quot;friend&quot; }}', 'Hi Ann', 'Hi friend'],
  ['brevo', '{{ contact.CITY|upper }}{% if contact.CITY %} yes{% else %} no{% endif %}', 'BATH yes', ' no'],
  [
    'brevo',
    'x<a href="{{ mirror }}">web</a>y<a href="{{ unsubscribe }}">u</a>',
    `xy<a href="${U_ANN}`,
    `xy<a href="${U_ANN.slice(0, 20)}`,
  ],
  // MailerLite
  ['mailerlite', 'Hi {$name}, {$email} {$city}', 'Hi Ann, ann@example.org Bath', 'Hi , bob@example.org '],
  ['mailerlite', "Hi {$name|default('friend')}", 'Hi Ann', 'Hi friend'],
  [
    'mailerlite',
    "{{ subscriber.name }} {{ subscriber.fields.city|default('nowhere') }}",
    'Ann Bath',
    ' nowhere',
  ],
  ['mailerlite', '<a href="{$unsubscribe}">u</a>', `<a href="${U_ANN}`, `<a href="${U_ANN.slice(0, 20)}`],
  // Kit
  [
    'kit',
    'Hi {{ subscriber.first_name }} {{ subscriber.email_address }}',
    'Hi Ann ann@example.org',
    'Hi  bob@example.org',
  ],
  ['kit', 'Hi {{ subscriber.first_name | default: "there" }}', 'Hi Ann', 'Hi there'],
  [
    'kit',
    '{% if subscriber.first_name != blank %}A{% elsif subscriber.city %}B{% else %}C{% endif %}',
    'A',
    'C',
  ],
  ['kit', '{% unless subscriber.city %}none{% endunless %}', '', 'none'],
  ['kit', '{% if subscriber.tags contains "VIP" %}vip{% else %}no{% endif %}', 'vip', 'no'],
  ['klaviyo', "{% if 'bread lovers' in person.tags %}bread{% endif %}", 'bread', ''],
  ['mailchimp', '*|MC:DATE|*', '11/23/2026', '11/23/2026'],
  ['kit', '<a href="{{ unsubscribe_url }}">u</a>', `<a href="${U_ANN}`, `<a href="${U_ANN.slice(0, 20)}`],
  // SendGrid
  ['sendgrid', 'Hi {{first_name}} {{last_name}}', 'Hi Ann Lee', 'Hi  '],
  ['sendgrid', 'Hi {{insert first_name "default=there"}}', 'Hi Ann', 'Hi there'],
  ['sendgrid', '{{#if city}}in {{city}}{{else}}somewhere{{/if}}', 'in Bath', 'somewhere'],
  ['sendgrid', '{{#equals city "Bath"}}B{{/equals}}', 'B', ''],
  ['sendgrid', '{{company}}|{{{company}}}', 'Acme &amp; &lt;Sons&gt;|Acme & <Sons>', '|'],
  ['sendgrid', '<a href="{{{unsubscribe}}}">u</a>', `<a href="${U_ANN}`, `<a href="${U_ANN.slice(0, 20)}`],
  [
    'sendgrid',
    '{{Sender_Name}}, {{Sender_Address}}',
    'Rose Bakery Ltd, Rose Bakery<br>12 High Street',
    'Rose Bakery Ltd',
  ],
  [
    'sendgrid',
    '<a href="<%asm_group_unsubscribe_raw_url%>">u</a> [Unsubscribe]',
    `<a href="${U_ANN}`,
    `<a href="${U_ANN.slice(0, 20)}`,
  ],
  ['sendgrid', 'a<a href="{{{weblink}}}">web</a>b', 'ab', 'ab'],
  // Klaviyo
  [
    'klaviyo',
    'Hi {{ first_name|default:"there" }} {{ person.email }}',
    'Hi Ann ann@example.org',
    'Hi there bob@example.org',
  ],
  ['klaviyo', "{{ person|lookup:'City' }} {{ person.last_name }}", 'Bath Lee', ' '],
  ['klaviyo', '{% unsubscribe %}', `<a href="${U_ANN}`, `<a href="${U_ANN.slice(0, 20)}`],
  ['klaviyo', "{% unsubscribe 'Leave' %}", 'Leave</a>', 'Leave</a>'],
  ['klaviyo', '{{ organization.name }}', 'Rose Bakery Ltd', 'Rose Bakery Ltd'],
  ['klaviyo', 'a<a href="{% web_view %}">View</a>b © {% current_year %}', 'ab © 2026', 'ab © 2026'],
  ['mailerlite', 'a<a href="{$url}">web version</a>b', 'ab', 'ab'],
  // local
  [
    'local',
    'Hi {{first_name}} {{ last_name }} {{email}}',
    'Hi Ann Lee ann@example.org',
    'Hi   bob@example.org',
  ],
  [
    'local',
    'Hi {{first_name|friend}} from {{field.CITY|somewhere}} {{ field.city | "far away" }}',
    'Hi Ann from Bath Bath',
    'Hi friend from somewhere far away',
  ],
  ['local', '{{#if field.CITY}}A{{else}}B{{/if}}{{#unless first_name}}C{{/unless}}', 'A', 'BC'],
  ['local', '{{postal_address}}', 'Rose Bakery<br>12 High Street', 'Rose Bakery<br>12 High Street'],
  ['local', '<a href="{{unsubscribe_url}}">u</a>', `<a href="${U_ANN}`, `<a href="${U_ANN.slice(0, 20)}`],
];

describe('merge tags of each dialect', () => {
  it.each(CASES)('%s: %s', (dialect, template, forAnn, forBlank) => {
    const render = compileCampaign(html(dialect, template), settings);
    expect(body(render(ann).html)).toContain(forAnn);
    expect(body(render(blank).html)).toContain(forBlank);
    if (forAnn === '') expect(body(render(ann).html)).toBe('');
    if (forBlank === '') expect(body(render(blank).html)).toBe('');
    // Nothing that looks like a tag survives.
    for (const m of [render(ann), render(blank)]) expect(body(m.html)).not.toMatch(/\*\||\{\{|\{%|\{\$/);
  });

  it('merge fields are found case-insensitively, in either direction', () => {
    const render = compileCampaign(html('mailchimp', '*|CITY|* *|Zip_Code|*'), settings);
    const m = render({ ...ann, mergeFields: { city: 'Leeds', 'zip code': 'LS1' } });
    expect(body(m.html)).toBe('Leeds LS1');
  });

  it('first and last names fall back to FNAME/LNAME merge fields', () => {
    const render = compileCampaign(
      html('kit', '{{ subscriber.first_name }}/{{ subscriber.last_name }}'),
      settings,
    );
    expect(body(render({ ...blank, mergeFields: { FNAME: 'Zoe', LNAME: 'Ng' } }).html)).toBe('Zoe/Ng');
  });

  it('a whitespace-only field counts as empty for fallbacks and IF blocks', () => {
    const render = compileCampaign(
      html('mailchimp', '*|IF:FNAME|*[*|FNAME|*]*|ELSE:|*none*|END:IF|*'),
      settings,
    );
    expect(body(render({ ...blank, firstName: '   ' }).html)).toBe('none');
  });

  it('nested conditional blocks', () => {
    const t = '*|IF:FNAME|*A*|IF:CITY|*B*|ELSE:|*C*|END:IF|*D*|ELSE:|*E*|END:IF|*';
    const render = compileCampaign(html('mailchimp', t), settings);
    expect(body(render(ann).html)).toBe('ABD');
    expect(body(render({ ...ann, mergeFields: {} }).html)).toBe('ACD');
    expect(body(render(blank).html)).toBe('E');
  });

  it('the subject is personalised, and a line break in a value cannot leave the header', () => {
    const render = compileCampaign(
      html('mailchimp', 'x', { subject: '*|FNAME|*, fresh bread in *|CITY|*' }),
      settings,
    );
    expect(render(ann).subject).toBe('Ann, fresh bread in Bath');
    const evil = render({ ...ann, mergeFields: { CITY: 'Bath\r\nBcc: victim@example.com' } });
    expect(evil.subject).toBe('Ann, fresh bread in Bath Bcc: victim@example.com');
    expect(evil.subject).not.toMatch(/[\r\n]/);
  });

  it('values are HTML-escaped in HTML and verbatim in text', () => {
    const render = compileCampaign(
      html('local', '<p>{{field.company}}</p>', { text: 'Hi {{field.company}}' }),
      settings,
    );
    const m = render(ann);
    expect(m.html).toContain('<p>Acme &amp; &lt;Sons&gt;</p>');
    expect(m.text).toContain('Hi Acme & <Sons>');
  });

  it('an attribute cannot be broken out of by a subscriber value', () => {
    const render = compileCampaign(html('local', '<a title="{{first_name}}" href="x">y</a>'), settings);
    const m = render({ ...ann, firstName: '"><script>alert(1)</script>' });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('title="&quot;&gt;&lt;script&gt;');
  });
});

describe('links Understudy does not host', () => {
  it('in a text part, the whole line with the link is dropped', () => {
    const render = compileCampaign(
      html('mailchimp', '<p>x</p>', {
        text: 'View in your browser: *|ARCHIVE|*\nHello *|FNAME|*\nForward: *|FORWARD|*',
      }),
      settings,
    );
    expect(render(ann).text).toMatch(/^Hello Ann\n\n-- \n/);
  });
});

describe('unknown tags and broken templates', () => {
  it('an unknown tag renders as nothing and is reported once', () => {
    const render = compileCampaign(html('mailchimp', 'a*|MC:NOPE|*b*|MC:NOPE|*'), settings);
    expect(body(render(ann).html)).toBe('ab');
    expect(render.warnings.filter((w) => w.includes('*|MC:NOPE|*'))).toHaveLength(1);
  });

  it('an unsupported filter is reported and ignored', () => {
    const render = compileCampaign(html('brevo', '{{ contact.FIRSTNAME | truncatechars:3 }}'), settings);
    expect(body(render(ann).html)).toBe('Ann');
    expect(render.warnings.join('\n')).toContain('truncatechars');
  });

  it('merge fields the list does not have are reported when the list fields are known', () => {
    const render = compileCampaign(html('mailchimp', '*|CITY|* *|SHOE_SIZE|*'), {
      ...settings,
      mergeFieldTags: ['CITY'],
    });
    expect(render.warnings.join('\n')).toContain('SHOE_SIZE');
    expect(render.warnings.join('\n')).not.toContain('merge field CITY');
  });

  it.each([
    ['mailchimp', '*|IF:FNAME|*never closed'],
    ['mailchimp', 'closed*|END:IF|*'],
    ['mailchimp', '*|IF:FNAME|*a*|ELSE:|*b*|ELSE:|*c*|END:IF|*'],
    ['kit', '{% if subscriber.first_name %}x'],
    ['kit', '{% if subscriber.first_name %}x{% endunless %}'],
    ['sendgrid', '{{#if first_name}}x'],
    ['local', '{{/if}}'],
  ] as [Dialect, string][])('%s: unbalanced %s is refused before sending', (dialect, t) => {
    expect(() => compileCampaign(html(dialect, t), settings)).toThrow(/unbalanced conditional block/);
  });

  it('the error for a broken template is a user error with what/safe/next', () => {
    try {
      compileCampaign(html('mailchimp', '*|IF:FNAME|*'), settings);
      expect.unreachable();
    } catch (e) {
      expect((e as { kind: string }).kind).toBe('user');
      expect((e as { safe: string }).safe).toBe('Nothing was sent.');
      expect((e as { next: string }).next).toMatch(/IF block/);
    }
  });
});
