/**
 * A fake Brevo API v3 on loopback: `api-key` auth ({"code":"unauthorized"} otherwise or once revoked),
 * lists (limit ≤ 50), a list's contacts (limit ≤ 500, offset, modifiedSince, sort by creation),
 * attributes, queued campaigns, suspend, contact lookup and update, /account, and per-endpoint rate
 * limits answered with 429 and `x-sib-ratelimit-reset`. Responses are checked against the published
 * document by the tests (test/fakes/spec.ts).
 */
import { FakeServer, type FakeReply, type FakeRequest } from './server';

export const BREVO_SPEC = 'brevo-v3.yml';
export const BREVO_SPEC_OPTIONS = { basePath: '/v3' };

export interface BrevoFakeContact {
  id: number;
  email: string;
  emailBlacklisted: boolean;
  smsBlacklisted: boolean;
  createdAt: string;
  modifiedAt: string;
  listIds: number[];
  listUnsubscribed?: number[];
  attributes: Record<string, unknown>;
}

export interface BrevoFakeCampaign {
  id: number;
  name: string;
  subject: string;
  status: 'draft' | 'queued' | 'suspended' | 'sent' | 'inProcess' | 'archive';
  scheduledAt: string;
  sender: { name: string; email: string; id: number };
  replyTo: string;
  htmlContent: string;
  lists: number[];
  exclusionLists?: number[];
  segments?: number[];
}

const ZERO_STATS = {
  clickers: 0,
  complaints: 0,
  delivered: 0,
  hardBounces: 0,
  sent: 0,
  softBounces: 0,
  uniqueClicks: 0,
  uniqueViews: 0,
  unsubscriptions: 0,
  viewed: 0,
  trackableViews: 0,
};

const err = (status: number, code: string, message: string): FakeReply => ({
  status,
  body: { code, message },
});

/** A campaign as Brevo's API documents it (list and single-campaign answers alike). */
function campaignDocument(c: BrevoFakeCampaign, now: string, sent: number) {
  return {
    id: c.id,
    name: c.name,
    subject: c.subject,
    type: 'classic',
    status: c.status,
    scheduledAt: c.scheduledAt,
    testSent: false,
    header: '[DEFAULT_HEADER]',
    footer: '[DEFAULT_FOOTER]',
    sender: c.sender,
    replyTo: c.replyTo,
    htmlContent: c.htmlContent,
    createdAt: now,
    modifiedAt: now,
    recipients: {
      lists: c.lists,
      exclusionLists: c.exclusionLists ?? [],
      ...(c.segments ? { segments: c.segments } : {}),
    },
    statistics: {
      globalStats: { ...ZERO_STATS, sent },
      campaignStats: [],
      mirrorClick: 0,
      remaining: 0,
      linksStats: {},
      statsByDomain: {},
      statsByDevice: {},
      statsByBrowser: {},
    },
  };
}

export class FakeBrevo {
  readonly server: FakeServer;
  key = 'xkeysib-0123456789abcdef-TESTKEY';
  revoked = false;
  readonly lists = new Map<number, { id: number; name: string; folderId: number }>();
  /** Contacts by lower-cased email, in creation order. */
  readonly contacts = new Map<string, BrevoFakeContact>();
  readonly campaigns = new Map<number, BrevoFakeCampaign>();
  /** Segments by id: the addresses each holds (Brevo computes them from conditions). */
  readonly segments = new Map<number, string[]>();
  readonly updates: { email: string; body: unknown }[] = [];
  private nextId = 1;
  private t = 0;
  /** Requests per window per endpoint family before 429 (Infinity = no limit). */
  contactsLimit = Infinity;
  private contactsUsed = 0;

  constructor() {
    this.server = new FakeServer(
      '/v3',
      Infinity,
      () => err(429, 'too_many_requests', 'Too many requests'),
      () => err(404, 'document_not_found', 'Not found'),
    );
    this.routes();
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }
  start(): Promise<FakeServer> {
    return this.server.start();
  }
  stop(): Promise<void> {
    return this.server.stop();
  }

  private now(): string {
    this.t = Math.max(Date.now(), this.t + 1);
    return new Date(this.t).toISOString().replace('Z', '+00:00');
  }

  addList(id: number, name: string): void {
    this.lists.set(id, { id, name, folderId: 1 });
  }

  upsertContact(
    email: string,
    patch: Partial<Omit<BrevoFakeContact, 'id' | 'email'>> = {},
  ): BrevoFakeContact {
    const k = email.toLowerCase();
    const prev = this.contacts.get(k);
    const now = this.now();
    const c: BrevoFakeContact = {
      id: prev?.id ?? this.nextId++,
      email,
      emailBlacklisted: false,
      smsBlacklisted: false,
      createdAt: prev?.createdAt ?? now,
      listIds: [],
      attributes: {},
      ...prev,
      ...patch,
      modifiedAt: now,
    };
    this.contacts.set(k, c);
    return c;
  }

  seed(listId: number, n: number): void {
    for (let i = 0; i < n; i++)
      this.upsertContact(`person${i}@example.org`, {
        listIds: [listId],
        attributes: { FIRSTNAME: `Ann${i}`, LASTNAME: `Lee${i}`, CITY: i % 2 ? 'Nantes' : 'Lille' },
      });
  }

  private auth(req: FakeRequest): FakeReply | undefined {
    if (this.revoked || req.headers['api-key'] !== this.key) return err(401, 'unauthorized', 'Key not found');
    return undefined;
  }

  private routes(): void {
    const s = this.server;
    const guard =
      (h: (req: FakeRequest) => FakeReply) =>
      (req: FakeRequest): FakeReply =>
        this.auth(req) ?? h(req);
    const limitOf = (req: FakeRequest, max: number): { limit: number; offset: number } | FakeReply => {
      const limit = Number(req.query.get('limit') ?? 50);
      const offset = Number(req.query.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 0 || limit > max)
        return err(400, 'out_of_range', `limit must be between 0 and ${max}`);
      return { limit, offset };
    };

    s.route(
      'GET',
      '/account',
      guard(() => ({
        status: 200,
        body: {
          email: 'owner@shop.example',
          firstName: 'Ann',
          lastName: 'Owner',
          companyName: 'Shop SARL',
          address: { street: '1 rue', city: 'Lille', zipCode: '59000', country: 'France' },
          plan: [{ type: 'free', creditsType: 'sendLimit', credits: 300 }],
          relay: {
            enabled: true,
            data: { userName: 'owner@shop.example', relay: 'smtp-relay.brevo.com', port: 587 },
          },
        },
      })),
    );
    s.route(
      'GET',
      '/contacts/attributes',
      guard(() => ({
        status: 200,
        body: {
          attributes: [
            { name: 'FIRSTNAME', category: 'normal', type: 'text' },
            { name: 'LASTNAME', category: 'normal', type: 'text' },
            { name: 'CITY', category: 'normal', type: 'text' },
            {
              name: 'GENDER',
              category: 'category',
              type: 'text',
              enumeration: [{ value: 1, label: 'Women' }],
            },
          ],
        },
      })),
    );
    s.route(
      'GET',
      '/contacts/lists',
      guard((req) => {
        const p = limitOf(req, 50);
        if ('status' in p) return p;
        const all = [...this.lists.values()].map((l) => {
          const members = [...this.contacts.values()].filter((c) => c.listIds.includes(l.id));
          return {
            ...l,
            totalBlacklisted: members.filter((c) => c.emailBlacklisted).length,
            totalSubscribers: members.filter((c) => !c.emailBlacklisted).length,
            uniqueSubscribers: members.length,
          };
        });
        return { status: 200, body: { lists: all.slice(p.offset, p.offset + p.limit), count: all.length } };
      }),
    );
    s.route(
      'GET',
      '/contacts/lists/{listId}/contacts',
      guard((req) => {
        if (++this.contactsUsed > this.contactsLimit) {
          this.contactsUsed = 0;
          return {
            ...err(429, 'too_many_requests', 'Rate limit exceeded'),
            headers: { 'x-sib-ratelimit-reset': '1' },
          };
        }
        const listId = Number(req.params.listId);
        if (!this.lists.has(listId)) return err(404, 'document_not_found', 'List ID does not exist');
        const p = limitOf(req, 500);
        if ('status' in p) return p;
        let cs = [...this.contacts.values()].filter((c) => c.listIds.includes(listId));
        const since = req.query.get('modifiedSince');
        if (since) {
          const t = Date.parse(since);
          if (Number.isNaN(t)) return err(400, 'invalid_parameter', 'modifiedSince is not a valid date');
          cs = cs.filter((c) => Date.parse(c.modifiedAt) > t);
        }
        if ((req.query.get('sort') ?? 'desc') === 'desc') cs.reverse();
        return { status: 200, body: { contacts: cs.slice(p.offset, p.offset + p.limit), count: cs.length } };
      }),
    );
    s.route(
      'GET',
      '/contacts',
      guard((req) => {
        const p = limitOf(req, 1000);
        if ('status' in p) return p;
        let cs = [...this.contacts.values()];
        const segmentId = req.query.get('segmentId');
        if (segmentId !== null) {
          const emails = this.segments.get(Number(segmentId));
          if (!emails) return err(404, 'document_not_found', 'Segment ID does not exist');
          const set = new Set(emails.map((e) => e.toLowerCase()));
          cs = cs.filter((c) => set.has(c.email.toLowerCase()));
        }
        if ((req.query.get('sort') ?? 'desc') === 'desc') cs.reverse();
        return { status: 200, body: { contacts: cs.slice(p.offset, p.offset + p.limit), count: cs.length } };
      }),
    );
    s.route(
      'GET',
      '/contacts/{identifier}',
      guard((req) => {
        const c = this.contacts.get(req.params.identifier!.toLowerCase());
        if (!c) return err(404, 'document_not_found', 'Contact does not exist');
        return { status: 200, body: { ...c, statistics: {} } };
      }),
    );
    s.route(
      'PUT',
      '/contacts/{identifier}',
      guard((req) => {
        const c = this.contacts.get(req.params.identifier!.toLowerCase());
        if (!c) return err(404, 'document_not_found', 'Contact does not exist');
        const body = (req.body ?? {}) as { emailBlacklisted?: boolean };
        this.updates.push({ email: c.email, body });
        this.upsertContact(
          c.email,
          body.emailBlacklisted !== undefined ? { emailBlacklisted: body.emailBlacklisted } : {},
        );
        return { status: 204 };
      }),
    );
    s.route(
      'GET',
      '/emailCampaigns',
      guard((req) => {
        const p = limitOf(req, 100);
        if ('status' in p) return p;
        let cs = [...this.campaigns.values()];
        const status = req.query.get('status');
        if (status) cs = cs.filter((c) => c.status === status);
        const now = new Date().toISOString();
        return {
          status: 200,
          body: {
            count: cs.length,
            campaigns: cs.slice(p.offset, p.offset + p.limit).map((c) => campaignDocument(c, now, 0)),
          },
        };
      }),
    );
    s.route(
      'GET',
      '/emailCampaigns/{campaignId}',
      guard((req) => {
        const c = this.campaigns.get(Number(req.params.campaignId));
        if (!c) return err(404, 'document_not_found', 'Campaign ID does not exist');
        const now = new Date().toISOString();
        const sent = c.status === 'sent' ? c.lists.length : 0;
        return { status: 200, body: campaignDocument(c, now, sent) };
      }),
    );
    s.route(
      'PUT',
      '/emailCampaigns/{campaignId}/status',
      guard((req) => {
        const c = this.campaigns.get(Number(req.params.campaignId));
        if (!c) return err(404, 'document_not_found', 'Campaign ID does not exist');
        if (c.status === 'sent' || c.status === 'inProcess')
          return err(400, 'campaign_processing', 'Campaign is already being sent');
        c.status = (req.body as { status?: BrevoFakeCampaign['status'] })?.status ?? c.status;
        return { status: 204 };
      }),
    );
  }
}
