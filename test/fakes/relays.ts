/**
 * Fake relay provider APIs on loopback, for pulling the bounces, complaints and unsubscribes relays keep
 * to themselves (issue 14, §5). Each checks what its published reference says a request must be —
 * method, path, the auth header, the query parameters and their ranges — and pages like the real one:
 *
 * - SendGrid suppressions (`test/specs/sendgrid-suppressions.json`; the tests also validate the
 *   traffic against it): Bearer key; start_time/end_time (Unix seconds, inclusive), limit ≤ 500, offset.
 * - Amazon SES v2 ListSuppressedDestinations: a SigV4 signature checked here with an implementation of
 *   its own (service "ses"); Reason (repeated), StartDate/EndDate (ISO-8601), PageSize ≤ 1000, NextToken.
 * - Mailgun bounces/complaints/unsubscribes: Basic api:KEY; limit ≤ 1000; `paging.next` URLs.
 * - Postmark bounces: X-Postmark-Server-Token; count ≤ 500 and offset required, count + offset ≤ 10,000.
 * - Brevo blocked transactional contacts (`brevo-v3.yml`): api-key; startDate/endDate both or neither,
 *   limit ≤ 100, offset, sort.
 *
 * Where a reference leaves something open, the fake guesses (and says so): SendGrid's and Postmark's
 * order (newest first), Mailgun's order and cursor (by address, `page=next&address=LAST`) and its error
 * body, SES's NextToken (opaque), Postmark's error for count + offset over 10,000.
 */
import { createHash, createHmac } from 'node:crypto';
import { FakeServer, type FakeReply, type FakeRequest } from './server';

export const SENDGRID_SUPPRESSIONS_SPEC = 'sendgrid-suppressions.json';

const tooMany = (): FakeReply => ({ status: 429, body: { message: 'too many requests' } });

/** Query parameters: each must be allowed and pass its check; returns the first problem. */
function checkQuery(
  req: FakeRequest,
  allowed: Record<string, (v: string) => boolean>,
  repeatable: string[] = [],
): string | null {
  const seen = new Set<string>();
  for (const [k, v] of req.query) {
    const ok = allowed[k];
    if (!ok) return `unknown query parameter ${k}`;
    if (seen.has(k) && !repeatable.includes(k)) return `query parameter ${k} given twice`;
    seen.add(k);
    if (!ok(v)) return `bad value for ${k}: ${v}`;
  }
  return null;
}

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const any = () => true;

/* ------------------------------------------------------------------ SendGrid */

export interface SendgridRecord {
  email: string;
  created: number;
  reason?: string;
  status?: string;
  ip?: string;
}

export const SENDGRID_FEEDS = [
  'bounces',
  'blocks',
  'spam_reports',
  'invalid_emails',
  'unsubscribes',
] as const;
export type SendgridFeed = (typeof SENDGRID_FEEDS)[number];

export class FakeSendgridRelay extends FakeServer {
  readonly lists: Record<SendgridFeed, SendgridRecord[]> = {
    bounces: [],
    blocks: [],
    spam_reports: [],
    invalid_emails: [],
    unsubscribes: [],
  };

  constructor(public apiKey: string) {
    super('', Infinity, tooMany, () => ({
      status: 404,
      body: { errors: [{ field: null, message: 'not found' }] },
    }));
    for (const feed of SENDGRID_FEEDS)
      this.route('GET', `/v3/suppression/${feed}`, (req) => this.list(feed, req));
  }

  private list(feed: SendgridFeed, req: FakeRequest): FakeReply {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return { status: 401, body: { errors: [{ field: null, message: 'authorization required' }] } };
    const problem = checkQuery(req, {
      start_time: int(0),
      end_time: int(0),
      limit: int(1, 500),
      offset: int(0),
      email: any,
    });
    if (problem) return { status: 400, body: { errors: [{ field: null, message: problem }] } };
    const start = req.query.has('start_time') ? Number(req.query.get('start_time')) : 0;
    const end = req.query.has('end_time') ? Number(req.query.get('end_time')) : Number.MAX_SAFE_INTEGER;
    const limit = Number(req.query.get('limit') ?? 500);
    const offset = Number(req.query.get('offset') ?? 0);
    const rows = this.lists[feed]
      .filter((r) => r.created >= start && r.created <= end)
      .sort((a, b) => b.created - a.created || a.email.localeCompare(b.email));
    return { status: 200, body: rows.slice(offset, offset + limit) };
  }
}

/* ------------------------------------------------------------------ Amazon SES */

export interface SesRecord {
  EmailAddress: string;
  Reason: 'BOUNCE' | 'COMPLAINT';
  LastUpdateTime: number;
}

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const mac = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest();
const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export class FakeSesRelay extends FakeServer {
  readonly suppressed: SesRecord[] = [];
  /** Signatures checked (the tests assert every request was signed). */
  verified = 0;

  constructor(
    public accessKeyId: string,
    public secretAccessKey: string,
    public region = 'us-east-1',
  ) {
    super('', Infinity, tooMany, () => ({ status: 404, body: { message: 'not found' } }));
    this.route('GET', '/v2/email/suppression/addresses', (req) => this.list(req));
  }

  private error(status: number, type: string, message: string): FakeReply {
    return { status, body: { message }, headers: { 'x-amzn-errortype': type } };
  }

  /** SigV4 as AWS documents it, recomputed from what arrived. */
  private checkSignature(req: FakeRequest): FakeReply | null {
    const auth = String(req.headers.authorization ?? '');
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m)
      return this.error(
        403,
        'IncompleteSignatureException',
        'Authorization header requires a valid SigV4 signature.',
      );
    const [, id, day, region, service, signed, signature] = m;
    if (id !== this.accessKeyId)
      return this.error(
        403,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    if (region !== this.region || service !== 'ses')
      return this.error(
        403,
        'SignatureDoesNotMatch',
        `Credential should be scoped to a valid region and service "ses".`,
      );
    const date = String(req.headers['x-amz-date'] ?? '');
    if (!date.startsWith(day!))
      return this.error(403, 'SignatureDoesNotMatch', 'Date in Credential scope does not match.');
    const skew = Math.abs(
      Date.parse(
        `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13)}`,
      ) - Date.now(),
    );
    if (!(skew < 15 * 60_000)) return this.error(403, 'InvalidSignatureException', 'Signature expired.');
    const headers = signed!.split(';');
    if (!headers.includes('host') || !headers.includes('x-amz-date'))
      return this.error(403, 'SignatureDoesNotMatch', 'host and x-amz-date must be signed.');
    const pairs = [...req.query].map(([k, v]) => [enc(k), enc(v)] as const);
    pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    const canonical = [
      'GET',
      req.path.split('/').map(enc).join('/'),
      pairs.map(([k, v]) => `${k}=${v}`).join('&'),
      ...headers.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}`),
      '',
      signed,
      hex(''),
    ].join('\n');
    const scope = `${day}/${region}/ses/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${hex(canonical)}`;
    const key = mac(mac(mac(mac(`AWS4${this.secretAccessKey}`, day!), region!), 'ses'), 'aws4_request');
    if (createHmac('sha256', key).update(toSign).digest('hex') !== signature)
      return this.error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    this.verified++;
    return null;
  }

  private list(req: FakeRequest): FakeReply {
    const refused = this.checkSignature(req);
    if (refused) return refused;
    const iso = (v: string) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v) && !Number.isNaN(Date.parse(v));
    const problem = checkQuery(
      req,
      {
        Reason: (v) => v === 'BOUNCE' || v === 'COMPLAINT',
        StartDate: iso,
        EndDate: iso,
        NextToken: any,
        PageSize: int(1, 1000),
      },
      ['Reason'],
    );
    if (problem) return this.error(400, 'BadRequestException', problem);
    const reasons = req.query.getAll('Reason');
    const start = req.query.has('StartDate') ? Date.parse(req.query.get('StartDate')!) / 1000 : 0;
    const end = req.query.has('EndDate') ? Date.parse(req.query.get('EndDate')!) / 1000 : Infinity;
    const size = Number(req.query.get('PageSize') ?? 1000);
    let offset = 0;
    const token = req.query.get('NextToken');
    if (token !== null) {
      const m = /^page:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
      if (!m) return this.error(400, 'InvalidNextTokenException', 'The NextToken is not valid.');
      offset = Number(m[1]);
    }
    const rows = this.suppressed
      .filter(
        (r) =>
          (reasons.length === 0 || reasons.includes(r.Reason)) &&
          r.LastUpdateTime >= start &&
          r.LastUpdateTime <= end,
      )
      .sort((a, b) => a.LastUpdateTime - b.LastUpdateTime || a.EmailAddress.localeCompare(b.EmailAddress));
    const page = rows.slice(offset, offset + size);
    const more = offset + size < rows.length;
    return {
      status: 200,
      body: {
        SuppressedDestinationSummaries: page,
        ...(more ? { NextToken: Buffer.from(`page:${offset + size}`).toString('base64') } : {}),
      },
    };
  }
}

/* ------------------------------------------------------------------ Mailgun */

export interface MailgunRecord {
  address: string;
  created_at: string;
  code?: string;
  error?: string;
  tags?: string[];
}

export const MAILGUN_FEEDS = ['bounces', 'complaints', 'unsubscribes'] as const;
export type MailgunFeed = (typeof MAILGUN_FEEDS)[number];

export class FakeMailgunRelay extends FakeServer {
  readonly lists: Record<MailgunFeed, MailgunRecord[]> = { bounces: [], complaints: [], unsubscribes: [] };

  constructor(
    public apiKey: string,
    public domain: string,
  ) {
    super('', Infinity, tooMany, () => ({ status: 404, body: { message: 'Not Found' } }));
    for (const feed of MAILGUN_FEEDS)
      this.route('GET', `/v3/{domain}/${feed}`, (req) => this.list(feed, req));
  }

  private list(feed: MailgunFeed, req: FakeRequest): FakeReply {
    const expected = `Basic ${Buffer.from(`api:${this.apiKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return { status: 401, body: { message: 'Invalid private key' } };
    if (req.params.domain !== this.domain) return { status: 404, body: { message: 'Domain not found' } };
    const problem = checkQuery(req, {
      limit: int(1, 1000),
      page: (v) => ['next', 'previous', 'first', 'last'].includes(v),
      address: any,
      term: any,
    });
    if (problem) return { status: 400, body: { message: problem } };
    const limit = Number(req.query.get('limit') ?? 100);
    const after = req.query.get('page') === 'next' ? (req.query.get('address') ?? '') : '';
    const rows = this.lists[feed]
      .filter((r) => r.address > after)
      .sort((a, b) => a.address.localeCompare(b.address))
      .slice(0, limit);
    const base = `${this.origin}/v3/${this.domain}/${feed}`;
    const last = rows.at(-1)?.address ?? after;
    const url = (page: string, address?: string) =>
      `${base}?page=${page}${address !== undefined ? `&address=${encodeURIComponent(address)}` : ''}&limit=${limit}`;
    return {
      status: 200,
      body: {
        items: rows,
        paging: {
          first: url('first'),
          last: url('last'),
          next: url('next', last),
          previous: url('previous', rows[0]?.address ?? after),
        },
      },
    };
  }
}

/* ------------------------------------------------------------------ Postmark */

export interface PostmarkBounce {
  ID: number;
  Type: string;
  TypeCode: number;
  Email: string;
  BouncedAt: string;
  Details: string;
  Inactive: boolean;
  CanActivate: boolean;
  MessageStream: string;
}

export class FakePostmarkRelay extends FakeServer {
  readonly bounces: PostmarkBounce[] = [];

  constructor(public token: string) {
    super('', Infinity, tooMany, () => ({ status: 404, body: { ErrorCode: 404, Message: 'Not found' } }));
    this.route('GET', '/bounces', (req) => this.list(req));
  }

  private list(req: FakeRequest): FakeReply {
    const given = req.headers['x-postmark-server-token'];
    if (given === undefined)
      return {
        status: 401,
        body: {
          ErrorCode: 10,
          Message: 'No Account or Server API tokens were supplied in the HTTP headers.',
        },
      };
    if (given !== this.token)
      return {
        status: 401,
        body: { ErrorCode: 10, Message: 'Request does not contain a valid Server token.' },
      };
    if (!String(req.headers.accept ?? '').includes('application/json'))
      return { status: 406, body: { ErrorCode: 0, Message: 'Accept: application/json is required.' } };
    const date = (v: string) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/.test(v);
    const problem = checkQuery(req, {
      count: int(1, 500),
      offset: int(0),
      type: any,
      inactive: (v) => v === 'true' || v === 'false',
      emailFilter: any,
      tag: any,
      messageID: any,
      fromdate: date,
      todate: date,
      messagestream: any,
    });
    if (problem || !req.query.has('count') || !req.query.has('offset'))
      return { status: 422, body: { ErrorCode: 609, Message: problem ?? 'count and offset are required.' } };
    const count = Number(req.query.get('count'));
    const offset = Number(req.query.get('offset'));
    if (count + offset > 10_000)
      return { status: 422, body: { ErrorCode: 609, Message: 'count + offset may not exceed 10,000.' } };
    const from = req.query.get('fromdate');
    const rows = this.bounces
      .filter((b) => from === null || b.BouncedAt.slice(0, 10) >= from.slice(0, 10))
      .sort((a, b) => b.BouncedAt.localeCompare(a.BouncedAt) || b.ID - a.ID);
    return { status: 200, body: { TotalCount: rows.length, Bounces: rows.slice(offset, offset + count) } };
  }
}

/* ------------------------------------------------------------------ Brevo */

export interface BrevoBlocked {
  email: string;
  senderEmail: string;
  reason: { code: string; message: string };
  blockedAt: string;
}

export class FakeBrevoRelay extends FakeServer {
  readonly blocked: BrevoBlocked[] = [];

  constructor(public apiKey: string) {
    super('/v3', Infinity, tooMany, () => ({
      status: 404,
      body: { code: 'document_not_found', message: 'not found' },
    }));
    this.route('GET', '/smtp/blockedContacts', (req) => this.list(req));
  }

  private list(req: FakeRequest): FakeReply {
    if (req.headers['api-key'] !== this.apiKey)
      return { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
    const day = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);
    const problem = checkQuery(req, {
      startDate: day,
      endDate: day,
      limit: int(0, 100),
      offset: int(0),
      senders: any,
      sort: (v) => v === 'asc' || v === 'desc',
    });
    if (problem) return { status: 400, body: { code: 'invalid_parameter', message: problem } };
    const s = req.query.get('startDate');
    const e = req.query.get('endDate');
    if ((s === null) !== (e === null))
      return {
        status: 400,
        body: { code: 'invalid_parameter', message: 'startDate and endDate go together' },
      };
    const limit = Number(req.query.get('limit') ?? 50);
    const offset = Number(req.query.get('offset') ?? 0);
    const asc = req.query.get('sort') === 'asc';
    const rows = this.blocked
      .filter((b) => s === null || (b.blockedAt.slice(0, 10) >= s && b.blockedAt.slice(0, 10) <= e!))
      .sort((a, b) => (asc ? 1 : -1) * a.blockedAt.localeCompare(b.blockedAt));
    return { status: 200, body: { count: rows.length, contacts: rows.slice(offset, offset + limit) } };
  }
}
