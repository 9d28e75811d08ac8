/**
 * Brevo's blocked transactional contacts (`../shared/specs/brevo-v3.yml`, `api-key` header):
 * GET /v3/smtp/blockedContacts with `startDate` and `endDate` (YYYY-MM-DD, both or neither), `limit`
 * (at most 100), `offset` and `sort=asc`; the answer is {count, contacts: [{email, senderEmail,
 * reason: {code, message}, blockedAt}]}.
 *
 * hardBounce is a bounce, contactFlaggedAsSpam a complaint, the three unsubscribedVia… codes an
 * unsubscribe; adminBlocked (the account's own block, whatever the reason) is skipped.
 */
import {
  badReply,
  isRecord,
  later,
  MAX_PAGES,
  str,
  textIso,
  type PullContext,
  type PullOutcome,
  type RelayApi,
  type RelayFeedbackKind,
  keep,
  pageItems,
} from './types';

const LABEL = 'Brevo';
const PAGE = 100;
const FEED = 'blockedContacts';

const KINDS: Record<string, RelayFeedbackKind> = {
  hardBounce: 'bounce',
  contactFlaggedAsSpam: 'complaint',
  unsubscribedViaMA: 'unsubscribe',
  unsubscribedViaEmail: 'unsubscribe',
  unsubscribedViaApi: 'unsubscribe',
};

export const brevoApi: RelayApi = {
  label: LABEL,
  keyWords: 'a Brevo API key (Settings → SMTP & API → API keys; not the SMTP key)',
  baseUrl: () => 'https://api.brevo.com/v3',
  headers: (key) => ({ 'api-key': key }),
  async pull(ctx: PullContext): Promise<PullOutcome> {
    const out: PullOutcome = { items: [], cursors: {}, skipped: 0, truncated: false };
    const from = ctx.cursors[FEED];
    const dates =
      from !== undefined
        ? { startDate: from.slice(0, 10), endDate: new Date(ctx.now).toISOString().slice(0, 10) }
        : {};
    let newest = from;
    const what = 'GET /smtp/blockedContacts';
    for (let page = 0; page < MAX_PAGES; page++) {
      const offset = page * PAGE;
      const body = await ctx.http.get<unknown>('/smtp/blockedContacts', {
        query: { ...dates, limit: PAGE, offset, sort: 'asc' },
        signal: ctx.signal,
      });
      if (!isRecord(body)) throw badReply(LABEL, what, 'it is not an object');
      const list = pageItems(LABEL, what, body.contacts ?? [], '"contacts"', PAGE);
      const count = body.count;
      if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0))
        throw badReply(LABEL, what, '"count" is not a count');
      list.forEach((raw, i) => {
        if (!isRecord(raw)) throw badReply(LABEL, what, `item ${i + 1} is not an object`);
        const email = str(LABEL, what, raw, 'email', i);
        const at = textIso(LABEL, what, raw.blockedAt, i);
        const reason = raw.reason;
        if (!isRecord(reason)) throw badReply(LABEL, what, `item ${i + 1} has no reason`);
        const code = str(LABEL, what, reason, 'code', i);
        const message = typeof reason.message === 'string' ? reason.message.slice(0, 300) : null;
        newest = later(newest, at);
        keep(out, {
          feed: FEED,
          key: `${email.toLowerCase()}|${at}|${code}`,
          email,
          kind: KINDS[code],
          at,
          detail: [`Brevo ${code}`, message],
        });
      });
      if (list.length < PAGE || (typeof count === 'number' && offset + list.length >= count)) {
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
