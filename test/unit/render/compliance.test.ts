import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compileCampaign,
  messageIdFor,
  parseMessageId,
  parseUnsubscribeToken,
  tokenFromUnsubscribeSubject,
  unsubscribeToken,
} from '../../../electron/engine/sending/render';
import { ann, blank, campaign, settings } from './fixtures';

describe('List-Unsubscribe, one-click and List-Id', () => {
  it('carries mailto and https unsubscribe, RFC 8058 one-click, List-Id and a deterministic Message-ID', () => {
    const m = compileCampaign(campaign(), settings)(ann);
    const token = unsubscribeToken(42, 7, settings.unsubscribeSecret);
    expect(m.headers['List-Unsubscribe']).toBe(
      `<mailto:unsubscribe@rose.example?subject=unsubscribe-${token}>, <https://rose.example/unsubscribe/u/${token}>`,
    );
    expect(m.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(m.headers['List-Id']).toBe('Bakery News <bakery-news.rose.example>');
    const odd = compileCampaign(campaign(), { ...settings, listName: 'Café "Best" News' })(ann);
    expect(odd.headers['List-Id']).toBe('Cafe Best News <cafe-best-news.rose.example>');
    expect(m.messageId).toBe(messageIdFor(42, 7, 'rose.example'));
    expect(m.messageId).toMatch(/^<[^<>@\s]+@rose\.example>$/);
    expect(m.to).toBe('ann@example.org');
    expect(m.from).toBe('"Rose Bakery" <news@rose.example>');
  });

  it('without an https URL: mailto only, and no List-Unsubscribe-Post (RFC 8058 requires https)', () => {
    const render = compileCampaign(campaign(), { ...settings, unsubscribeUrl: undefined });
    const m = render(ann);
    expect(m.headers['List-Unsubscribe']).toMatch(
      /^<mailto:unsubscribe@rose\.example\?subject=unsubscribe-[^>]+>$/,
    );
    expect(m.headers['List-Unsubscribe-Post']).toBeUndefined();
    expect(render.warnings.join('\n')).toMatch(/one-click/);
    // The body link then points at the mailto address.
    expect(m.html).toContain('href="mailto:unsubscribe@rose.example?subject=unsubscribe-');
  });

  it('an unsubscribe URL with a query string gets &t=', () => {
    const m = compileCampaign(campaign(), { ...settings, unsubscribeUrl: 'https://rose.example/u?list=3' })(
      ann,
    );
    expect(m.headers['List-Unsubscribe']).toContain('<https://rose.example/u?list=3&t=');
  });

  it('refuses a plain-http unsubscribe URL', () => {
    expect(() =>
      compileCampaign(campaign(), { ...settings, unsubscribeUrl: 'http://rose.example/u' }),
    ).toThrow(/https/);
  });

  it('the same message always gets the same Message-ID; different subscribers never share one', () => {
    const render = compileCampaign(campaign(), settings);
    expect(render(ann).messageId).toBe(compileCampaign(campaign(), settings)(ann).messageId);
    expect(render(ann).messageId).not.toBe(render(blank).messageId);
    expect(parseMessageId(render(ann).messageId)).toEqual({ campaignId: 42, subscriberId: 7 });
  });

  it('an installation scope keeps two installations from sharing Message-IDs', () => {
    const a = compileCampaign(campaign(), { ...settings, messageIdScope: 'k3x9' })(ann).messageId;
    const b = compileCampaign(campaign(), { ...settings, messageIdScope: 'p2q7' })(ann).messageId;
    expect(a).toBe('<understudy.k3x9.c42.s7@rose.example>');
    expect(a).toBe(messageIdFor(42, 7, 'rose.example', 'k3x9'));
    expect(a).not.toBe(b);
    expect(parseMessageId(a)).toEqual({ campaignId: 42, subscriberId: 7, scope: 'k3x9' });
    expect(() => compileCampaign(campaign(), { ...settings, messageIdScope: 'Bad Scope' })).toThrow(/scope/);
  });
});

describe('unsubscribe tokens', () => {
  it('round-trip, and reject a wrong secret or any altered character', () => {
    const t = unsubscribeToken(42, 123456, 's3cret');
    expect(parseUnsubscribeToken(t, 's3cret')).toEqual({ campaignId: 42, subscriberId: 123456 });
    expect(parseUnsubscribeToken(t, 'other')).toBeUndefined();
    // Point the token at someone else: the MAC no longer matches.
    const forged = t.replace(/^([^.]+)\.([^.]+)\./, (_m, c: string) => `${c}.${(123457).toString(36)}.`);
    expect(parseUnsubscribeToken(forged, 's3cret')).toBeUndefined();
    for (let i = 0; i < t.length; i++) {
      const c = t[i] === 'A' ? 'B' : 'A';
      const altered = t.slice(0, i) + c + t.slice(i + 1);
      if (altered !== t) expect(parseUnsubscribeToken(altered, 's3cret')).toBeUndefined();
    }
    expect(parseUnsubscribeToken('', 's3cret')).toBeUndefined();
    expect(parseUnsubscribeToken('garbage', 's3cret')).toBeUndefined();
  });

  it('is found again in the subject of a mailto unsubscribe', () => {
    const t = unsubscribeToken(1, 2, 'k');
    expect(tokenFromUnsubscribeSubject(`Re: unsubscribe-${t}`)).toBe(t);
  });
});

describe('postal address and unsubscribe link in the footer', () => {
  it('is appended to HTML (before </body>) and text when the template lacks them', () => {
    const render = compileCampaign(
      campaign({ html: '<html><body><p>Hi *|FNAME|*</p></body></html>', dialect: 'mailchimp' }),
      settings,
    );
    const m = render(ann);
    expect(m.html).toMatch(
      /Rose Bakery<br>12 High Street<br>Bristol BS1 4AA[\s\S]*Unsubscribe<\/a>[\s\S]*<\/body><\/html>$/,
    );
    expect(m.text).toContain('12 High Street');
    expect(m.text).toMatch(/Unsubscribe\s\(https:\/\/rose\.example\/unsubscribe\/u\//);
    expect(render.warnings.join('\n')).toMatch(/no unsubscribe link/);
  });

  it('is not added twice when the template has an address tag and an unsubscribe link', () => {
    const m = compileCampaign(
      campaign({ html: '<p>*|LIST:ADDRESS|*</p><a href="*|UNSUB|*">Leave</a>', dialect: 'mailchimp' }),
      settings,
    )(ann);
    expect(m.html!.match(/12 High Street/g)).toHaveLength(1);
    expect(m.html).not.toContain('understudy-footer');
    expect(m.text.match(/12 High Street/g)).toHaveLength(1);
  });

  it('is not added when the address is already written out in the template', () => {
    const m = compileCampaign(
      campaign({ html: '<p>Rose Bakery, 12 High Street,<br> Bristol BS1&nbsp;4AA</p>{{unsubscribe_url}}' }),
      settings,
    )(ann);
    expect(m.html).not.toContain('understudy-footer');
  });

  it('a given text part gets its own footer', () => {
    const m = compileCampaign(
      campaign({ html: '<p>*|LIST:ADDRESS|* *|UNSUB|*</p>', text: 'Hi *|FNAME|*', dialect: 'mailchimp' }),
      settings,
    )(ann);
    expect(m.text).toMatch(
      /^Hi Ann\n\n-- \nRose Bakery Ltd\nRose Bakery\n12 High Street\nBristol BS1 4AA\nUnsubscribe: https:\/\/rose\.example/,
    );
  });

  it('a campaign without a postal address is refused', () => {
    expect(() => compileCampaign(campaign(), { ...settings, postalAddress: '  ' })).toThrow(/postal address/);
  });
});

describe('text part derived from HTML', () => {
  const page = `<html><head><title>*|MC:SUBJECT|*</title><style>p{color:red}</style></head><body>
    <span style="display:none">*|MC_PREVIEW_TEXT|*</span>
    <a href="*|ARCHIVE|*">View this email in your browser</a>
    <h1>Hello *|IF:FNAME|**|FNAME|**|ELSE:|*friend*|END:IF|*</h1>
    <p>Our <b>new</b> loaves &amp; rolls:</p>
    <ul><li>Sourdough</li><li>Rye</li></ul>
    <p><a href="https://rose.example/shop?a=1&amp;b=2">Order now</a></p>
    <p><a href="*|UNSUB|*">Unsubscribe</a> *|LIST:ADDRESS|*</p>
  </body></html>`;

  it('keeps links as "text (url)", lists and paragraphs, merges values, and drops hidden and omitted parts', () => {
    const render = compileCampaign(
      campaign({ html: page, dialect: 'mailchimp', previewText: 'Preview!' }),
      settings,
    );
    expect(render.textFromHtmlPerMessage).toBe(false);
    const t = render(ann).text;
    expect(t).toMatch(
      /^Hello Ann\n\nOur new loaves & rolls:\n\n \* Sourdough\n \* Rye\n\nOrder now \(https:\/\/rose\.example\/shop\?a=1&b=2\)/,
    );
    expect(t).toContain(
      `Unsubscribe (https://rose.example/unsubscribe/u/${unsubscribeToken(42, 7, settings.unsubscribeSecret)})`,
    );
    expect(t).toContain('Bristol BS1 4AA');
    expect(t).not.toMatch(/View this email|Preview!|color:red|\*\|/);
    expect(render(blank).text).toMatch(/^Hello friend\n/);
  });

  it('the HTML part keeps the hidden preheader and drops the web-version link', () => {
    const h = compileCampaign(
      campaign({ html: page, dialect: 'mailchimp', previewText: 'Preview!' }),
      settings,
    )(ann).html!;
    expect(h).toContain('<span style="display:none">Preview!</span>');
    expect(h).not.toContain('View this email');
    expect(h).toContain('<title>Fresh bread this week</title>');
  });

  it('layout and data tables: every cell is its own block, no runs of blank lines', () => {
    const t = `<table><tr><td><h2>Autumn loaves</h2><p>Rye and spelt.</p></td><td><img src="x.png" alt=""></td></tr></table>
      <table><tr><th>Loaf</th><th>Price</th></tr><tr><td>Rye</td><td>{{field.PRICE}}</td></tr></table>{{unsubscribe_url}} {{postal_address}}`;
    const text = compileCampaign(
      campaign({ html: t }),
      settings,
    )({ ...ann, mergeFields: { PRICE: '£4' } }).text;
    expect(text).toMatch(/^Autumn loaves\n\nRye and spelt\.\n\nLoaf\n\nPrice\n\nRye\n\n£4\n/);
    expect(text).not.toMatch(/\n{3,}/);
  });

  it('falls back to converting each message when a conditional sits where the converter drops it', () => {
    const t =
      '<html><head><title>*|IF:FNAME|*Hi*|END:IF|*</title></head><body><p>*|IF:FNAME|*Dear *|FNAME|**|ELSE:|*Hello*|END:IF|*</p>*|UNSUB|* *|LIST:ADDRESS|*</body></html>';
    const render = compileCampaign(campaign({ html: t, dialect: 'mailchimp' }), settings);
    expect(render.textFromHtmlPerMessage).toBe(true);
    expect(render(ann).text).toMatch(/^Dear Ann/);
    expect(render(blank).text).toMatch(/^Hello/);
  });

  it("Mailchimp's preheader block (an IF on the preview text inside HTML comments) is resolved once", () => {
    const t = `<html><body><!--*|IF:MC_PREVIEW_TEXT|*-->
      <!--[if !gte mso 9]><!----><span class="mcnPreviewText" style="display:none">*|MC_PREVIEW_TEXT|*</span><!--<![endif]-->
      <!--*|END:IF|*--><p>Hi *|IF:FNAME|**|FNAME|**|ELSE:|*there*|END:IF|*</p>*|UNSUB|* *|LIST:ADDRESS|*</body></html>`;
    const withPreview = compileCampaign(
      campaign({ html: t, dialect: 'mailchimp', previewText: 'Warm loaves' }),
      settings,
    );
    expect(withPreview.textFromHtmlPerMessage).toBe(false);
    expect(withPreview(ann).html).toContain('style="display:none">Warm loaves</span>');
    expect(withPreview(ann).text).toMatch(/^Hi Ann/);
    const without = compileCampaign(campaign({ html: t, dialect: 'mailchimp' }), settings);
    expect(without.textFromHtmlPerMessage).toBe(false);
    expect(without(ann).html).not.toContain('mcnPreviewText');
    expect(without(blank).text).toMatch(/^Hi there/);
  });

  it('a conditional inside an HTML comment still makes it to the text part', () => {
    const t =
      '<p><!--*|IF:FNAME|*-->Dear *|FNAME|*<!--*|ELSE:|*-->Hello<!--*|END:IF|*--></p>*|UNSUB|* *|LIST:ADDRESS|*';
    const render = compileCampaign(campaign({ html: t, dialect: 'mailchimp' }), settings);
    expect(render.textFromHtmlPerMessage).toBe(false);
    expect(render(ann).text).toMatch(/^Dear Ann/);
    expect(render(blank).text).toMatch(/^Hello/);
  });

  it('an HTML fragment is sent as a full UTF-8 document; a full document is left as it is', () => {
    const frag = compileCampaign(campaign({ html: '<p>Hi {{first_name}}</p>' }), settings)(ann).html!;
    expect(frag).toMatch(
      /^<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text\/html; charset=utf-8">/,
    );
    expect(frag).toMatch(/<body>\n<p>Hi Ann<\/p>[\s\S]*understudy-footer[\s\S]*<\/body><\/html>\n$/);
    const doc = '<html><body><p>x</p>{{unsubscribe_url}} {{postal_address}}</body></html>';
    expect(compileCampaign(campaign({ html: doc }), settings)(ann).html).toMatch(/^<html><body><p>x<\/p>/);
  });

  it('a text-only campaign has no HTML part', () => {
    const m = compileCampaign(campaign({ html: null, text: 'Hi {{first_name}}' }), settings)(ann);
    expect(m.html).toBeUndefined();
    expect(m.text).toMatch(/^Hi Ann\n/);
  });

  it('a campaign with neither HTML nor text is refused', () => {
    expect(() => compileCampaign(campaign({ html: ' ', text: null }), settings)).toThrow(/no content/);
  });
});

describe('header injection and header values', () => {
  const cases: [string, () => unknown][] = [
    ['subject', () => compileCampaign(campaign({ subject: 'Sale\r\nBcc: all@example.com' }), settings)],
    ['subject (LF only)', () => compileCampaign(campaign({ subject: 'Sale\nX: y' }), settings)],
    ['sender name', () => compileCampaign(campaign({ fromName: 'Rose\rBcc: x@y.z' }), settings)],
    [
      'sender address',
      () => compileCampaign(campaign({ fromEmail: 'news@rose.example\nBcc: x@y.z' }), settings),
    ],
    ['reply-to', () => compileCampaign(campaign({ replyTo: 'r@rose.example\r\nBcc: x@y.z' }), settings)],
    ['list name', () => compileCampaign(campaign(), { ...settings, listName: 'News\r\nX: 1' })],
    ['company name', () => compileCampaign(campaign(), { ...settings, companyName: 'Rose\nX: 1' })],
    [
      'unsubscribe email address',
      () => compileCampaign(campaign(), { ...settings, unsubscribeMailto: 'u@rose.example\nX: 1' }),
    ],
    [
      'unsubscribe URL',
      () => compileCampaign(campaign(), { ...settings, unsubscribeUrl: 'https://rose.example/u\r\nX: 1' }),
    ],
    [
      'Message-ID domain',
      () => compileCampaign(campaign(), { ...settings, messageIdDomain: 'rose.example\nX: 1' }),
    ],
    [
      'custom header',
      () => compileCampaign(campaign(), { ...settings, headers: { 'X-Tag': 'a\r\nBcc: x@y.z' } }),
    ],
    [
      'custom header name',
      () => compileCampaign(campaign(), { ...settings, headers: { 'X-Tag\r\nBcc': 'a' } }),
    ],
  ];
  it.each(cases)('a line break in the %s is refused with a user error', (_label, fn) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    const e = err as { kind: string; code: string; message: string; safe: string; next: string };
    expect(e.kind).toBe('user');
    expect(e.code).toBe('header_injection');
    expect(e.message).toMatch(/line break/);
    expect(e.safe).toBe('Nothing was sent.');
    expect(e.next).toBeTruthy();
  });

  it('custom headers are validated and cannot override compliance headers', () => {
    expect(() =>
      compileCampaign(campaign(), { ...settings, headers: { 'List-Unsubscribe': '<x>' } }),
    ).toThrow(/cannot be overridden/);
    expect(() => compileCampaign(campaign(), { ...settings, headers: { 'Bad Name': 'x' } })).toThrow(
      /not a valid email header name/,
    );
    const m = compileCampaign(campaign(), { ...settings, headers: { 'X-Campaign-Tag': 'autumn' } })(ann);
    expect(m.headers['X-Campaign-Tag']).toBe('autumn');
  });

  it('a display name with quotes and commas stays one address', () => {
    const m = compileCampaign(campaign({ fromName: 'Rose "Best", Bakery' }), settings)(ann);
    expect(m.from).toBe('"Rose \\"Best\\", Bakery" <news@rose.example>');
  });

  it('reply-to accepts an address or a named address, and refuses anything else', () => {
    expect(compileCampaign(campaign({ replyTo: 'hi@rose.example' }), settings)(ann).replyTo).toBe(
      'hi@rose.example',
    );
    expect(compileCampaign(campaign({ replyTo: 'Rose <hi@rose.example>' }), settings)(ann).replyTo).toBe(
      '"Rose" <hi@rose.example>',
    );
    expect(() => compileCampaign(campaign({ replyTo: 'not an address' }), settings)).toThrow(
      /not a valid email address/,
    );
  });

  it('a subscriber with an invalid address is refused for that message only', () => {
    const render = compileCampaign(campaign(), settings);
    expect(() => render({ ...ann, email: 'ann@example.org\r\nBcc: x@y.z' })).toThrow(
      /not a valid email address/,
    );
    expect(render(blank).to).toBe('bob@example.org');
  });
});

describe('DKIM options', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('are passed to nodemailer, covering List-Unsubscribe and List-Unsubscribe-Post', () => {
    const m = compileCampaign(campaign(), {
      ...settings,
      dkim: { domainName: 'Rose.Example', keySelector: 'mail2026', privateKey: pem },
    })(ann);
    expect(m.dkim).toMatchObject({ domainName: 'rose.example', keySelector: 'mail2026', privateKey: pem });
    expect(m.dkim!.headerFieldNames).toMatch(/List-Unsubscribe:List-Unsubscribe-Post/);
  });

  it('a key that cannot be read is refused without echoing it', () => {
    try {
      compileCampaign(campaign(), {
        ...settings,
        dkim: { domainName: 'rose.example', keySelector: 's', privateKey: 'SECRET-NOT-A-KEY' },
      });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/DKIM private key/);
      expect(JSON.stringify(e) + (e as Error).message).not.toContain('SECRET-NOT-A-KEY');
    }
  });

  it('a signing domain not aligned with the sender is a warning', () => {
    const render = compileCampaign(campaign(), {
      ...settings,
      dkim: { domainName: 'other.example', keySelector: 's', privateKey: pem },
    });
    expect(render.warnings.join('\n')).toMatch(/DMARC/);
  });

  it('no DKIM option without a key', () => {
    expect(compileCampaign(campaign(), settings)(ann).dkim).toBeUndefined();
  });
});
