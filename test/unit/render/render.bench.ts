/**
 * Rendering throughput: a 5 KiB personalised Mailchimp template (merge tags, an IF block, unsubscribe
 * link, derived text part), rendered per subscriber by the compiled campaign, side by side with
 * compiling the campaign again for every message (what a template engine without a compile step
 * does). Prints renders/s of both and the ratio. Not run by vitest (no .test.ts suffix):
 *   node bin/run-ts.mjs test/unit/render/render.bench.ts [messages]
 */
import { compileCampaign, type RenderSubscriber } from '../../../electron/engine/sending/render';
import { campaign, settings } from './fixtures';

const N = Number(process.argv[2] ?? 20_000);

const para =
  '<p style="margin:0 0 12px;font:16px/1.5 Georgia,serif;color:#333">Our bakers in *|CITY|* have been busy: ' +
  'sourdough, rye &amp; spelt loaves, fresh every morning. <a href="https://rose.example/shop?utm_source=news">Order online</a>.</p>\n';
let html =
  '<html><head><title>*|MC:SUBJECT|*</title></head><body>\n<span style="display:none">*|MC_PREVIEW_TEXT|*</span>\n' +
  '<h1>Hello *|IF:FNAME|**|FNAME|**|ELSE:|*friend*|END:IF|*</h1>\n';
while (html.length < 5 * 1024 - 200) html += para;
html += '<p>*|LIST:ADDRESS|* <a href="*|UNSUB|*">Unsubscribe</a> *|EMAIL|*</p></body></html>';

const c = campaign({ html, dialect: 'mailchimp', subject: '*|FNAME|*, fresh bread this week' });
const subs: RenderSubscriber[] = Array.from({ length: 1000 }, (_, i) => ({
  id: i + 1,
  email: `subscriber${i}@example.org`,
  firstName: i % 5 ? `Name${i}` : '',
  lastName: 'Lee',
  mergeFields: { CITY: `City ${i % 17}` },
  tags: [],
}));

function run(
  label: string,
  count: number,
  renderOne: (s: RenderSubscriber) => { html?: string; text: string },
) {
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const m = renderOne(subs[i % subs.length]!);
    bytes += (m.html?.length ?? 0) + m.text.length;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = count / s;
  console.log(
    `${label}: ${count} messages in ${s.toFixed(2)} s = ${Math.round(rate)} renders/s (${Math.round(bytes / count)} chars/message)`,
  );
  return rate;
}

const compiled = compileCampaign(c, settings);
run('warm-up', 2000, compiled);
const fast = run('compiled once, rendered per subscriber', N, compiled);
const slowCount = Math.max(200, Math.floor(N / 50));
const slow = run('compiled again for every message      ', slowCount, (s) => compileCampaign(c, settings)(s));
console.log(`template: ${html.length} bytes; ratio compiled/recompiled = ${(fast / slow).toFixed(1)}x`);
