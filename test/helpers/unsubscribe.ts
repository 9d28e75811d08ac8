/**
 * Fixtures for the public unsubscribe endpoint: a real engine with an encrypted secret file, two lists
 * (one mirrored from an ESP, so unsubscribes are queued for push-back) sharing an address, a campaign,
 * signed tokens, and a raw HTTP client that sends exactly the headers given (as Gmail's and Yahoo's
 * unsubscribe fetchers do: no cookie, no Origin).
 */
import type { Engine } from '../../electron/engine/engine';
import type { SecretStore } from '../../electron/engine/secrets';
import { unsubscribeSecret } from '../../electron/engine/sending/settings';
import { unsubscribeToken } from '../../electron/engine/sending/render/tokens';
import { engineWithSecrets } from './engineSecrets';
import { addCampaign, addProvider } from './continuity';
import { rawRequest, type Res } from './http';

export interface UnsubFixture {
  engine: Engine;
  secrets: SecretStore;
  secret: string;
  /** The ESP-mirrored list the campaign went to. */
  listA: number;
  /** A local list that shares ann's address. */
  listB: number;
  ann: number;
  annB: number;
  bob: number;
  campaign: number;
  token(subscriberId: number, campaignId?: number): string;
  status(subscriberId: number): string;
}

export async function unsubFixture(dir: string): Promise<UnsubFixture> {
  const { engine, secrets } = await engineWithSecrets(dir);
  const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
  const now = engine.now();
  const listA = engine.repos.lists.create({
    name: 'Customers',
    providerId: esp,
    espListId: 'abc123',
    now,
  }).id;
  const listB = engine.repos.lists.create({ name: 'Bakery club', now }).id;
  const ins = engine.db.prepare(
    `INSERT INTO subscribers (list_id, email, email_norm, status, source, esp_id, created_at, updated_at)
     VALUES (?, ?, ?, 'subscribed', 'test', ?, ?, ?)`,
  );
  const add = (list: number, e: string, espId: string | null) =>
    Number(ins.run(list, e, e.toLowerCase(), espId, now, now).lastInsertRowid);
  const ann = add(listA, 'ann@example.org', 'm1');
  const bob = add(listA, 'bob@example.org', 'm2');
  const annB = add(listB, 'ann@example.org', null);
  const campaign = addCampaign(engine, { listId: listA, scheduledAt: now });
  engine.repos.settings.set('sending.company_name', 'Rose & Crumb Bakery', now);
  const secret = await unsubscribeSecret(engine, secrets);
  return {
    engine,
    secrets,
    secret,
    listA,
    listB,
    ann,
    annB,
    bob,
    campaign,
    token: (id, c = campaign) => unsubscribeToken(c, id, secret),
    status: (id) => engine.repos.subscribers.byId(id)!.status,
  };
}

export type HttpRes = Res;

/** One raw request; the Host header defaults to the public name a reverse proxy passes on. */
export function http(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpRes> {
  const headers: Record<string, string> = { host: 'unsub.shop.example', ...(opts.headers ?? {}) };
  if (opts.body !== undefined && headers['content-length'] === undefined)
    headers['content-length'] = String(Buffer.byteLength(opts.body));
  return rawRequest(port, path, { method: opts.method, headers, body: opts.body });
}

/** Gmail's one-click POST (RFC 8058 §3.2): urlencoded, no cookie, no Origin. */
export const gmailOneClick = (port: number, path: string): Promise<HttpRes> =>
  http(port, path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Mozilla/5.0 (compatible; Google-List-Unsubscribe)',
      'accept-encoding': 'gzip, deflate, br',
    },
    body: 'List-Unsubscribe=One-Click',
  });

/** Yahoo's one-click POST: multipart/form-data with the one field. */
export function yahooOneClick(port: number, path: string): Promise<HttpRes> {
  const boundary = '----YahooUnsubscribe7c3f1a9b';
  const body = [
    `--${boundary}`,
    'Content-Disposition: form-data; name="List-Unsubscribe"',
    '',
    'One-Click',
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return http(port, path, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'user-agent': 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
    },
    body,
  });
}

export function countOf(engine: Engine, sql: string, ...args: unknown[]): number {
  return engine.db
    .prepare(sql)
    .pluck()
    .get(...args) as number;
}
