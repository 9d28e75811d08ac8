/**
 * Amazon SES's account-level suppression list: SESv2 ListSuppressedDestinations,
 * GET /v2/email/suppression/addresses with `Reason` (repeated: BOUNCE, COMPLAINT), `StartDate` and
 * `EndDate` (ISO-8601, whole seconds), `PageSize` (at most 1000) and `NextToken`; the answer is
 * {SuppressedDestinationSummaries: [{EmailAddress, Reason, LastUpdateTime (epoch seconds)}], NextToken}.
 * Signed with SigV4 (service "ses") with the IAM access key the person gives as "ACCESS_KEY_ID:SECRET";
 * the region is the SMTP host's (email-smtp.REGION.amazonaws.com).
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListSuppressedDestinations.html
 */
import { userError } from '../../errors';
import type { SmtpConfig } from '../transport';
import { canonicalQuery, signV4 } from './sigv4';
import {
  badReply,
  isRecord,
  later,
  MAX_PAGES,
  epochIso,
  str,
  type PullContext,
  type PullOutcome,
  type RelayApi,
  keep,
  pageItems,
} from './types';

const LABEL = 'Amazon SES';
const PAGE = 1000;
const PATH = '/v2/email/suppression/addresses';
const FEED = 'suppressed';

export function sesRegion(smtp: SmtpConfig): string {
  return (
    /^email-smtp(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/i.exec(smtp.host)?.[1]?.toLowerCase() ?? 'us-east-1'
  );
}

function splitKey(key: string): { id: string; secret: string } {
  const i = key.indexOf(':');
  return { id: key.slice(0, i).trim(), secret: key.slice(i + 1).trim() };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const sesApi: RelayApi = {
  label: LABEL,
  keyWords:
    'an IAM access key id and its secret access key, written as ACCESS_KEY_ID:SECRET_ACCESS_KEY (the key needs ses:ListSuppressedDestinations)',
  baseUrl: (smtp) => `https://email.${sesRegion(smtp)}.amazonaws.com`,
  headers: () => ({}),
  secretsOf: (key) => [splitKey(key).secret],
  checkKey(key) {
    const { id, secret } = key.includes(':') ? splitKey(key) : { id: '', secret: '' };
    if (!/^[A-Z0-9]{16,128}$/.test(id) || secret.length < 16)
      throw userError('That is not an Amazon SES access key.', {
        code: 'relay_bad_key',
        safe: 'Nothing was stored.',
        next: 'Give the IAM access key id and its secret access key separated by a colon: AKIA…:wJalr… (not the SMTP password, which is derived from the secret).',
      });
  },
  async pull(ctx: PullContext): Promise<PullOutcome> {
    const out: PullOutcome = { items: [], cursors: {}, skipped: 0, truncated: false };
    const { id, secret } = splitKey(ctx.apiKey);
    const base = new URL(ctx.http.baseUrl);
    const region = sesRegion(ctx.smtp);
    const from = ctx.cursors[FEED];
    let newest = from;
    let token: string | undefined;
    const what = `GET ${PATH}`;
    const seenTokens = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const pairs: [string, string][] = [
        ['Reason', 'BOUNCE'],
        ['Reason', 'COMPLAINT'],
        ['PageSize', String(PAGE)],
      ];
      if (from !== undefined) pairs.push(['StartDate', from], ['EndDate', isoSeconds(ctx.now)]);
      if (token !== undefined) pairs.push(['NextToken', token]);
      const query = canonicalQuery(pairs);
      const basePath = base.pathname.replace(/\/+$/, '');
      const headers = signV4({
        method: 'GET',
        host: base.host,
        path: `${basePath}${PATH}`,
        query,
        region,
        service: 'ses',
        accessKeyId: id,
        secretAccessKey: secret,
        now: ctx.now,
      });
      const body = await ctx.http.get<unknown>(`${PATH}?${query}`, { headers, signal: ctx.signal });
      if (!isRecord(body)) throw badReply(LABEL, what, 'it is not an object');
      const list = pageItems(
        LABEL,
        what,
        body.SuppressedDestinationSummaries ?? [],
        'SuppressedDestinationSummaries',
        PAGE,
      );
      list.forEach((raw, i) => {
        if (!isRecord(raw)) throw badReply(LABEL, what, `item ${i + 1} is not an object`);
        const email = str(LABEL, what, raw, 'EmailAddress', i);
        const reason = str(LABEL, what, raw, 'Reason', i);
        if (reason !== 'BOUNCE' && reason !== 'COMPLAINT')
          throw badReply(LABEL, what, `item ${i + 1} has the reason "${reason.slice(0, 20)}"`);
        const at = epochIso(LABEL, what, raw.LastUpdateTime, i);
        newest = later(newest, isoSeconds(Date.parse(at)));
        const kind = reason === 'BOUNCE' ? 'bounce' : 'complaint';
        keep(out, {
          feed: FEED,
          key: `${email.toLowerCase()}|${at}|${reason}`,
          email,
          kind,
          at,
          detail: ['Amazon SES suppression list', kind],
        });
      });
      const next = body.NextToken;
      if (next === undefined || next === null || next === '') {
        if (newest !== undefined) out.cursors[FEED] = newest;
        return out;
      }
      if (typeof next !== 'string' || next.length > 4096 || seenTokens.has(next))
        throw badReply(LABEL, what, 'its NextToken is not a new page token');
      seenTokens.add(next);
      token = next;
      if (out.items.length >= ctx.maxItems) {
        out.truncated = true;
        return out;
      }
    }
    throw badReply(LABEL, what, `it kept sending pages past ${MAX_PAGES}`);
  },
};
