/**
 * Postmark's bounces of a server: GET /bounces with the server API token in X-Postmark-Server-Token,
 * `count` (at most 500) and `offset` (count + offset at most 10,000), `fromdate` (YYYY-MM-DD; Postmark
 * reads dates in US Eastern time, so the pull starts a day before the last one it saw); the answer is
 * {TotalCount, Bounces: [{ID, Type, Email, BouncedAt, Details, Inactive, …}]}.
 * https://postmarkapp.com/developer/api/bounce-api
 *
 * HardBounce and BadEmailAddress are bounces, SpamComplaint a complaint, Unsubscribe an unsubscribe;
 * every other type (soft bounces, auto-replies, DNS errors …) is skipped: Postmark keeps sending to them.
 */
import {
  badReply,
  isRecord,
  later,
  MAX_PAGES,
  optStr,
  str,
  textIso,
  type PullContext,
  type PullOutcome,
  type RelayApi,
  type RelayFeedbackKind,
  keep,
  pageItems,
} from './types';

const LABEL = 'Postmark';
const PAGE = 500;
const LIMIT = 10_000;
const FEED = 'bounces';

const KINDS: Record<string, RelayFeedbackKind> = {
  HardBounce: 'bounce',
  BadEmailAddress: 'bounce',
  SpamComplaint: 'complaint',
  Unsubscribe: 'unsubscribe',
};

export const postmarkApi: RelayApi = {
  label: LABEL,
  keyWords: 'the Server API token of the Postmark server (the same token as the SMTP password)',
  baseUrl: () => 'https://api.postmarkapp.com',
  headers: (key) => ({ 'x-postmark-server-token': key }),
  async pull(ctx: PullContext): Promise<PullOutcome> {
    const out: PullOutcome = { items: [], cursors: {}, skipped: 0, truncated: false };
    const from = ctx.cursors[FEED];
    const fromdate =
      from !== undefined ? new Date(Date.parse(from) - 86_400_000).toISOString().slice(0, 10) : undefined;
    let newest = from;
    const what = 'GET /bounces';
    for (let page = 0; page < MAX_PAGES; page++) {
      const offset = page * PAGE;
      if (offset + PAGE > LIMIT) {
        out.truncated = true;
        return out;
      }
      const body = await ctx.http.get<unknown>('/bounces', {
        query: { count: PAGE, offset, ...(fromdate ? { fromdate } : {}) },
        signal: ctx.signal,
      });
      if (!isRecord(body)) throw badReply(LABEL, what, 'it is not an object');
      const list = pageItems(LABEL, what, body.Bounces, '"Bounces"', PAGE);
      const total = body.TotalCount;
      if (typeof total !== 'number' || !Number.isInteger(total) || total < 0)
        throw badReply(LABEL, what, '"TotalCount" is not a count');
      list.forEach((raw, i) => {
        if (!isRecord(raw)) throw badReply(LABEL, what, `item ${i + 1} is not an object`);
        const id = raw.ID;
        if (typeof id !== 'number' || !Number.isSafeInteger(id))
          throw badReply(LABEL, what, `item ${i + 1} has no ID`);
        const type = str(LABEL, what, raw, 'Type', i);
        const email = str(LABEL, what, raw, 'Email', i);
        const at = textIso(LABEL, what, raw.BouncedAt, i);
        const details = optStr(LABEL, what, raw, 'Details', i);
        newest = later(newest, at);
        keep(out, {
          feed: FEED,
          key: String(id),
          email,
          kind: KINDS[type],
          at,
          detail: [`Postmark ${type}`, details],
        });
      });
      if (list.length < PAGE || offset + list.length >= total) {
        if (newest !== undefined) out.cursors[FEED] = newest;
        return out;
      }
      if (out.items.length >= ctx.maxItems) {
        out.truncated = true;
        return out;
      }
    }
    throw badReply(LABEL, what, `it kept sending pages past ${MAX_PAGES}`);
  },
};
