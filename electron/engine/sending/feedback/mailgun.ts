/**
 * Mailgun's suppressions of a sending domain: GET /v3/{domain}/bounces, /complaints and /unsubscribes
 * (HTTP Basic, user "api", the private API key as password), `limit` up to 1000; each answer is
 * {items: [{address, created_at (RFC 822 date), …}], paging: {first, next, previous, last}} and the next
 * page is read from `paging.next` until a page comes back empty.
 * https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/bounces
 *
 * The domain is the SMTP login's (postmaster@mg.example.com); EU accounts (smtp.eu.mailgun.org) use
 * api.eu.mailgun.net. These lists have no time filter: every pull pages through them and the items
 * seen before change nothing. A `paging.next` that leaves the API's address is refused (the key would
 * go with it).
 */
import { userError } from '../../errors';
import type { SmtpConfig } from '../transport';
import {
  badReply,
  isRecord,
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

const LABEL = 'Mailgun';
const PAGE = 1000;

const FEEDS: { feed: string; kind: RelayFeedbackKind }[] = [
  { feed: 'bounces', kind: 'bounce' },
  { feed: 'complaints', kind: 'complaint' },
  { feed: 'unsubscribes', kind: 'unsubscribe' },
];

export function mailgunDomain(smtp: SmtpConfig): string | null {
  const d = smtp.user?.split('@')[1]?.trim().toLowerCase();
  return d && /^[a-z0-9.-]+$/.test(d) ? d : null;
}

export const mailgunApi: RelayApi = {
  label: LABEL,
  keyWords: 'your Mailgun private API key',
  baseUrl: (smtp) =>
    /\.eu\.mailgun\.org$/i.test(smtp.host) ? 'https://api.eu.mailgun.net' : 'https://api.mailgun.net',
  headers: (key) => ({ authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}` }),
  checkKey(_key, smtp) {
    if (!mailgunDomain(smtp))
      throw userError('Understudy cannot tell which Mailgun domain this account sends for.', {
        code: 'relay_no_domain',
        safe: 'Nothing was stored.',
        next: 'Set the SMTP user name to the Mailgun SMTP login, like postmaster@mg.example.com.',
      });
  },
  async pull(ctx: PullContext): Promise<PullOutcome> {
    const out: PullOutcome = { items: [], cursors: {}, skipped: 0, truncated: false };
    const domain = mailgunDomain(ctx.smtp)!;
    const base = new URL(ctx.http.baseUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    for (const { feed, kind } of FEEDS) {
      const first = `/v3/${encodeURIComponent(domain)}/${feed}`;
      const what = `GET ${first}`;
      let path = first;
      let query: Record<string, string> = { limit: String(PAGE) };
      const visited = new Set<string>();
      let done = false;
      for (let page = 0; page < MAX_PAGES && !done; page++) {
        const body = await ctx.http.get<unknown>(path, { query, signal: ctx.signal });
        if (!isRecord(body)) throw badReply(LABEL, what, 'it is not an object');
        const items = pageItems(LABEL, what, body.items, '"items"', PAGE);
        items.forEach((raw, i) => {
          if (!isRecord(raw)) throw badReply(LABEL, what, `item ${i + 1} is not an object`);
          const email = str(LABEL, what, raw, 'address', i);
          const at = textIso(LABEL, what, raw.created_at, i);
          const code = raw.code === undefined || raw.code === null ? null : String(raw.code).slice(0, 10);
          const error = optStr(LABEL, what, raw, 'error', i);
          keep(out, {
            feed,
            key: `${email.toLowerCase()}|${at}`,
            email,
            kind,
            at,
            detail: [`Mailgun ${feed}`, code, error],
          });
        });
        if (items.length === 0) {
          done = true;
          break;
        }
        if (out.items.length >= ctx.maxItems) {
          out.truncated = true;
          return out;
        }
        const paging = body.paging;
        const next = isRecord(paging) ? paging.next : undefined;
        if (typeof next !== 'string') throw badReply(LABEL, what, 'it has no paging.next address');
        let url: URL;
        try {
          url = new URL(next);
        } catch {
          throw badReply(LABEL, what, 'its paging.next is not an address');
        }
        if (url.origin !== base.origin || !url.pathname.startsWith(`${basePath}${first}`))
          throw badReply(LABEL, what, 'its paging.next points away from the Mailgun API');
        if (visited.has(url.search))
          throw badReply(LABEL, what, 'its paging.next repeats a page already read');
        visited.add(url.search);
        path = url.pathname.slice(basePath.length);
        query = Object.fromEntries(url.searchParams);
      }
      if (!done) throw badReply(LABEL, what, `it kept sending pages past ${MAX_PAGES}`);
      out.cursors[feed] = new Date(ctx.now).toISOString();
    }
    return out;
  },
};
