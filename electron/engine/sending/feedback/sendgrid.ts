/**
 * SendGrid's suppression lists (`../shared/specs/sendgrid-suppressions.json`, Bearer API key):
 * GET /v3/suppression/{bounces, blocks, spam_reports, invalid_emails, unsubscribes} with `start_time`
 * and `end_time` (Unix seconds, inclusive), `limit` (at most 500) and `offset`. Each answer is an array
 * of {created, email, …}; a page shorter than `limit` is the last.
 *
 * Bounces and invalid addresses are bounces, spam reports complaints, global unsubscribes unsubscribes.
 * Blocks are the receiving server refusing a message, not the address: only a block with a permanent
 * (5.x.x) status is a bounce; a temporary one is skipped (SendGrid itself keeps sending to it).
 */
import {
  badReply,
  epochIso,
  isRecord,
  MAX_PAGES,
  optStr,
  str,
  type PullContext,
  type PullOutcome,
  type RelayApi,
  type RelayFeedbackKind,
  keep,
  pageItems,
} from './types';

const LABEL = 'SendGrid';
const PAGE = 500;

const FEEDS: { feed: string; kind: RelayFeedbackKind }[] = [
  { feed: 'bounces', kind: 'bounce' },
  { feed: 'blocks', kind: 'bounce' },
  { feed: 'invalid_emails', kind: 'bounce' },
  { feed: 'spam_reports', kind: 'complaint' },
  { feed: 'unsubscribes', kind: 'unsubscribe' },
];

export const sendgridApi: RelayApi = {
  label: LABEL,
  keyWords: 'a SendGrid API key with read access to Suppressions',
  baseUrl: (smtp) =>
    /\.eu\.sendgrid\.net$/i.test(smtp.host) ? 'https://api.eu.sendgrid.com' : 'https://api.sendgrid.com',
  headers: (key) => ({ authorization: `Bearer ${key}` }),
  async pull(ctx: PullContext): Promise<PullOutcome> {
    const out: PullOutcome = { items: [], cursors: {}, skipped: 0, truncated: false };
    const end = Math.floor(ctx.now / 1000);
    for (const { feed, kind } of FEEDS) {
      const path = `/v3/suppression/${feed}`;
      const what = `GET ${path}`;
      const from = ctx.cursors[feed];
      let newest = from !== undefined ? Number(from) : undefined;
      let complete = false;
      for (let page = 0; page < MAX_PAGES; page++) {
        const body = await ctx.http.get<unknown>(path, {
          query: {
            ...(from !== undefined ? { start_time: from, end_time: end } : {}),
            limit: PAGE,
            offset: page * PAGE,
          },
          signal: ctx.signal,
        });
        const list = pageItems(LABEL, what, body, 'it', PAGE);
        list.forEach((raw, i) => {
          if (!isRecord(raw)) throw badReply(LABEL, what, `item ${i + 1} is not an object`);
          const email = str(LABEL, what, raw, 'email', i);
          const at = epochIso(LABEL, what, raw.created, i);
          const status = optStr(LABEL, what, raw, 'status', i);
          const reason = optStr(LABEL, what, raw, 'reason', i);
          const created = Math.floor(raw.created as number);
          newest = newest === undefined ? created : Math.max(newest, created);
          if (feed === 'blocks' && !/^5\./.test(status ?? '')) {
            out.skipped++;
            return;
          }
          keep(out, {
            feed,
            key: `${email.toLowerCase()}|${created}`,
            email,
            kind,
            at,
            detail: [`SendGrid ${feed.replace('_', ' ')}`, status, reason],
          });
        });
        if (list.length < PAGE) {
          complete = true;
          break;
        }
        if (out.items.length >= ctx.maxItems) break;
      }
      if (!complete) {
        if (out.items.length < ctx.maxItems)
          throw badReply(LABEL, what, `it kept sending full pages past ${MAX_PAGES}`);
        out.truncated = true;
        break;
      }
      if (newest !== undefined) out.cursors[feed] = String(newest);
    }
    return out;
  },
};
