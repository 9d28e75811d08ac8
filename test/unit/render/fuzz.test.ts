/**
 * Robustness: random templates built from every dialect's tag fragments either compile or are refused
 * with a user error (never a crash), and random subscriber values never break out of the HTML or the
 * subject header. Seeded, so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { isUnderstudyError } from '../../../electron/engine/errors';
import { compileCampaign, DIALECTS } from '../../../electron/engine/sending/render';
import { ann, body as bodyOf, campaign, settings } from './fixtures';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FRAGMENTS = [
  '*|',
  '|*',
  '*|FNAME|*',
  '*|IF:FNAME|*',
  '*|ELSE:|*',
  '*|END:IF|*',
  '*|IF:CITY=Bath|*',
  '*|DATE:Y|*',
  '*|UNSUB|*',
  '{{',
  '}}',
  '{%',
  '%}',
  '{{ contact.FIRSTNAME | default:"x" }}',
  '{% if contact.CITY %}',
  '{% else %}',
  '{% endif %}',
  '{$name}',
  '{$',
  '{{ subscriber.first_name | default: "there" }}',
  '{{#if first_name}}',
  '{{else}}',
  '{{/if}}',
  '{{{unsubscribe}}}',
  '{% unsubscribe %}',
  '{{ person|lookup:"X" }}',
  '<a href="',
  '">',
  '</a>',
  '<p>',
  '</p>',
  '&amp;',
  '"',
  "'",
  '|',
  ':',
  ' ',
  '\n',
  'text',
  '<body>',
  '</body>',
  '€',
  '\u0000',
];

describe('fuzz', () => {
  it('random templates compile or are refused with a user error, in every dialect', () => {
    const r = rng(20261123);
    let refused = 0;
    for (let i = 0; i < 700; i++) {
      const dialect = DIALECTS[i % DIALECTS.length]!;
      const n = 1 + Math.floor(r() * 12);
      let t = '';
      for (let k = 0; k < n; k++) t += FRAGMENTS[Math.floor(r() * FRAGMENTS.length)];
      try {
        const render = compileCampaign(
          campaign({ dialect, html: t + ' x', text: r() < 0.3 ? t + ' y' : null }),
          settings,
        );
        const m = render(ann);
        expect(typeof m.text).toBe('string');
      } catch (e) {
        if (!isUnderstudyError(e) || e.kind !== 'user')
          throw new Error(`dialect ${dialect}, template ${JSON.stringify(t)}: ${String(e)}`, { cause: e });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0); // unbalanced blocks do occur in the sample
  });

  it('subscriber values never inject markup or header lines', () => {
    const r = rng(7);
    const alphabet = [
      '<',
      '>',
      '"',
      "'",
      '&',
      '\r',
      '\n',
      '\r\n',
      'a',
      ' ',
      '<script>',
      'Bcc: x@y.z',
      '\t',
      'é',
    ];
    const render = compileCampaign(
      campaign({
        dialect: 'local',
        subject: 'Hi {{first_name}} from {{field.CITY}}',
        html: '<p title="{{first_name}}">{{field.CITY}}</p>',
      }),
      settings,
    );
    for (let i = 0; i < 2000; i++) {
      let v = '';
      for (let k = 0; k < 6; k++) v += alphabet[Math.floor(r() * alphabet.length)];
      const m = render({ ...ann, firstName: v, mergeFields: { CITY: v } });
      expect(m.subject).not.toMatch(/[\r\n]/);
      const body = bodyOf(m.html);
      expect(body.startsWith('<p title="')).toBe(true);
      // Exactly the template's own markup: one <p ...> and one </p>, no quote closing the attribute early.
      expect(body.match(/</g)).toHaveLength(2);
      expect(body.match(/"/g)).toHaveLength(2);
    }
  });
});

describe('pathological templates', () => {
  it('many unclosed tag openers compile in linear time (no catastrophic backtracking)', () => {
    for (const dialect of DIALECTS) {
      const t = `${'{{ {% {$ *| <a href="'.repeat(4000)}x`;
      const render = compileCampaign(campaign({ dialect, html: t }), settings);
      expect(render(ann).html!.length).toBeGreaterThan(t.length / 2);
    }
  });
});
