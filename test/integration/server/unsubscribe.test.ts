/**
 * The public unsubscribe endpoint (issue 14, §1) over real HTTP on loopback, against a real engine and
 * SQLite file: RFC 8058 one-click POSTs shaped like Gmail's and Yahoo's, the confirmation page that
 * never unsubscribes by itself, idempotency, what lands (status on that list only, event naming the
 * campaign, ESP push-back), the renderer's links and the router agreeing, old ?t= links, the review
 * queue, and `--unsubscribe-only` serving nothing else.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../electron/server/server';
import {
  startUnsubscribeServer,
  type RunningUnsubscribeServer,
} from '../../../electron/engine/continuity/unsubscribeServer';
import { compileCampaign } from '../../../electron/engine/sending/render';
import { tempDir } from '../../helpers/tmp';
import { waitUntil } from '../../helpers/wait';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { addList } from '../../helpers/continuity';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';
import { unsubscribeToken } from '../../../electron/engine/sending/render/tokens';
import { Engine } from '../../../electron/engine/engine';
import { cli } from '../../helpers/cli';
import {
  countOf,
  gmailOneClick,
  http,
  unsubFixture,
  yahooOneClick,
  type UnsubFixture,
} from '../../helpers/unsubscribe';

let dir: string;
let f: UnsubFixture;
let only: RunningUnsubscribeServer;

beforeEach(async () => {
  dir = tempDir('understudy-unsub-');
  f = await unsubFixture(dir);
  only = await startUnsubscribeServer({ engine: f.engine, port: 0 });
});
afterEach(async () => {
  await only.close();
  await f.engine.close();
});

const events = () =>
  f.engine.db
    .prepare(
      `SELECT type, list_id AS listId, campaign_id AS campaignId, data FROM events WHERE type = 'subscriber.unsubscribed'`,
    )
    .all() as { type: string; listId: number; campaignId: number; data: string }[];
const pushback = () =>
  f.engine.db.prepare(`SELECT email_norm AS email, kind, esp_list_id AS espList FROM esp_pushback`).all();

const campaignOf = (id: number) => ({
  id,
  subject: 'Winter sale',
  fromName: 'Rose',
  fromEmail: 'news@shop.example',
  replyTo: null,
  html: '<p>Hi</p>',
  text: null,
  dialect: 'mailchimp' as const,
});
const settingsOf = (secret: string) => ({
  listName: 'Customers',
  postalAddress: '1 Main St',
  unsubscribeMailto: 'unsubscribe@shop.example',
  unsubscribeUrl: 'https://unsub.shop.example',
  unsubscribeSecret: secret,
  messageIdDomain: 'shop.example',
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it("Gmail's POST unsubscribes that list at once, records the campaign and queues the ESP push-back, once", async () => {
    const r = await gmailOneClick(only.port, `/u/${f.token(f.ann)}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain("You're unsubscribed");
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(f.status(f.ann)).toBe('unsubscribed');
    expect(f.status(f.annB)).toBe('subscribed'); // the same address on another list is left alone
    expect(f.status(f.bob)).toBe('subscribed');
    expect(events()).toMatchObject([{ listId: f.listA, campaignId: f.campaign }]);
    expect(JSON.parse(events()[0]!.data)).toMatchObject({ subscriberId: f.ann, source: 'one_click' });
    expect(pushback()).toEqual([{ email: 'ann@example.org', kind: 'unsubscribe', espList: 'abc123' }]);
    // The campaign's report counts it.
    const hour = 3_600_000;
    const at = Date.parse(f.engine.now());
    const [c] = f.engine.repos.reports.affectedCampaigns(
      -1,
      new Date(at - hour).toISOString(),
      new Date(at + hour).toISOString(),
    );
    expect(c).toMatchObject({ id: f.campaign, unsubscribes: 1 });

    // Idempotent: a retry (Gmail retries on timeouts) answers the same and records nothing more.
    const again = await gmailOneClick(only.port, `/u/${f.token(f.ann)}`);
    expect(again.status).toBe(200);
    expect(events()).toHaveLength(1);
    expect(pushback()).toHaveLength(1);
  });

  it("Yahoo's multipart POST unsubscribes too", async () => {
    const r = await yahooOneClick(only.port, `/u/${f.token(f.bob)}`);
    expect(r.status).toBe(200);
    expect(f.status(f.bob)).toBe('unsubscribed');
    expect(f.status(f.ann)).toBe('subscribed');
  });

  it('the link opens a confirmation page that never unsubscribes; its button does', async () => {
    const path = `/u/${f.token(f.ann)}`;
    // What a mail scanner or link preview does: GET and HEAD, repeatedly.
    for (const method of ['GET', 'HEAD', 'GET']) {
      const r = await http(only.port, path, { method, headers: { 'user-agent': 'Barracuda/LinkProtect' } });
      expect(r.status).toBe(200);
    }
    const page = await http(only.port, path);
    expect(page.body).toContain('Unsubscribe from Rose &amp; Crumb Bakery&#39;s emails?');
    expect(page.body).toContain('Customers');
    expect(page.body).toMatch(/<form method="post">.*name="List-Unsubscribe" value="One-Click"/s);
    expect(page.body).not.toContain(f.token(f.ann)); // nothing from the request written back
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(f.status(f.ann)).toBe('subscribed');
    expect(events()).toHaveLength(0);

    // The button: a browser form POST from the page itself.
    const done = await http(only.port, path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://unsub.shop.example',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'navigate',
      },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(done.status).toBe(200);
    expect(done.body).toContain("You're unsubscribed");
    expect(f.status(f.ann)).toBe('unsubscribed');
    expect((await http(only.port, path)).body).toContain("You're already unsubscribed");
  });

  it('the links the renderer puts in messages are paths serve answers; old ?t= links still work', async () => {
    const render = compileCampaign(campaignOf(f.campaign), settingsOf(f.secret));
    const msg = render({
      id: f.ann,
      email: 'ann@example.org',
      firstName: '',
      lastName: '',
      mergeFields: {},
      tags: [],
    });
    const url = /<(https:[^>]+)>/.exec(msg.headers['List-Unsubscribe']!)![1]!;
    expect(url).toBe(`https://unsub.shop.example/u/${f.token(f.ann)}`);
    expect(msg.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(msg.html).toContain(url);
    expect((await gmailOneClick(only.port, new URL(url).pathname)).status).toBe(200);
    expect(f.status(f.ann)).toBe('unsubscribed');

    // An unsubscribe_url with its own query keeps the ?t= form, which serve answers too.
    const withQuery = compileCampaign(campaignOf(f.campaign), {
      ...settingsOf(f.secret),
      unsubscribeUrl: 'https://shop.example/unsubscribe?from=mail',
    })({ id: f.annB, email: 'ann@example.org', firstName: '', lastName: '', mergeFields: {}, tags: [] });
    const q = /<(https:[^>]+)>/.exec(withQuery.headers['List-Unsubscribe']!)![1]!;
    expect(q).toBe(`https://shop.example/unsubscribe?from=mail&t=${f.token(f.annB)}`);
    expect((await yahooOneClick(only.port, q.slice('https://shop.example'.length))).status).toBe(200);
    expect(f.status(f.annB)).toBe('unsubscribed');

    // A link sent before: https://shop.example/unsubscribe?t=<token>.
    const old = `/unsubscribe?t=${encodeURIComponent(f.token(f.bob))}`;
    expect((await http(only.port, old)).body).toContain('Unsubscribe from');
    expect(f.status(f.bob)).toBe('subscribed');
    expect((await gmailOneClick(only.port, old)).status).toBe(200);
    expect(f.status(f.bob)).toBe('unsubscribed');
  });

  it("a test message's code (subscriber 0) says so and changes nothing", async () => {
    const r = await gmailOneClick(only.port, `/u/${f.token(0)}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('This was a test message');
    expect(events()).toHaveLength(0);
    expect(countOf(f.engine, 'SELECT count(*) FROM unsubscribe_review')).toBe(0);
  });

  it('a bad code gets a friendly page and is kept for review, listed by `inbox review`', async () => {
    const forged = `${f.token(f.ann).slice(0, -3)}AAA`;
    const r = await gmailOneClick(only.port, `/u/${forged}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain('This unsubscribe link is not complete');
    expect(r.body).toContain('Rose &amp; Crumb Bakery');
    expect(f.status(f.ann)).toBe('subscribed');
    // The same request again (a person clicking twice) is one item seen twice.
    await http(only.port, `/u/${forged}`);
    expect(countOf(f.engine, 'SELECT count(*) FROM unsubscribe_review')).toBe(1);
    const out = await cli(['inbox', 'review', '--db', f.engine.dbPath]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('1 unsubscribe request(s) waiting for review');
    expect(out.stdout).toContain('(2 times)');
    expect(out.stdout).toContain('damaged or was not made by this Understudy');
    const json = (await cli(['inbox', 'review', '--db', f.engine.dbPath, '--json'])).json() as {
      items: { id: number; reason: string; token: string }[];
    };
    expect(json.items[0]).toMatchObject({ reason: 'bad_token', token: forged });
    const done = await cli([
      'inbox',
      'review',
      '--db',
      f.engine.dbPath,
      '--done',
      String(json.items[0]!.id),
      '--note',
      'asked ann by phone',
    ]);
    expect(done.code).toBe(0);
    expect((await cli(['inbox', 'review', '--db', f.engine.dbPath])).stdout).toContain(
      'No unsubscribe requests are waiting',
    );
  });
});

describe('serve --unsubscribe-only', () => {
  it('serves nothing but the unsubscribe paths: the UI, API, files and WebSocket are 404', async () => {
    for (const path of [
      '/',
      '/index.html',
      '/api/listLists',
      '/api/unsubscribeReview',
      '/files/exports/x.csv',
      '/events',
      '/?token=x',
      '/u',
    ]) {
      const r = await http(only.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body).toBe('Not found.');
    }
    const post = await http(only.port, '/api/importList', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(404);
    expect((await http(only.port, `/u/${f.token(f.ann)}`)).status).toBe(200);
  });

  it('refuses to start without the passphrase it needs to check links (exit 1, nothing changed)', async () => {
    const r = await cli(
      ['serve', '--unsubscribe-only', '--port', '0', '--db', join(dir, 'understudy.sqlite')],
      {
        UNDERSTUDY_PASSPHRASE: '',
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs the passphrase of the secret file');
  });
});

describe('full serve', () => {
  let srv: RunningServer;
  beforeEach(async () => {
    srv = await startServer({ engine: f.engine, port: 0 });
  });
  afterEach(async () => srv.close());

  it('without the signing key a one-click request is held, then applied as soon as serve can read the key', async () => {
    // The servers that can read the key have finished their start (every request waits for it), so
    // what applies the held request below is the restart, not one of them.
    await http(only.port, `/u/${f.token(f.bob)}`);
    await http(srv.port, `/u/${f.token(f.bob)}`);
    await srv.close();
    const locked = Engine.open({ dbPath: f.engine.dbPath }); // serve started without the passphrase
    const noKey = await startServer({ engine: locked, port: 0 });
    try {
      const page = await http(noKey.port, `/u/${f.token(f.ann)}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Unsubscribe from');
      const r = await gmailOneClick(noKey.port, `/u/${f.token(f.ann)}`);
      expect(r.status).toBe(202);
      expect(r.body).toContain('We have your request');
      expect(f.status(f.ann)).toBe('subscribed');
      expect(
        f.engine.db.prepare(`SELECT channel, reason FROM unsubscribe_review WHERE resolved_at IS NULL`).all(),
      ).toEqual([{ channel: 'one_click', reason: 'key_unavailable' }]);
    } finally {
      await noKey.close();
      await locked.close();
    }
    srv = await startServer({ engine: f.engine, port: 0 }); // started again with the passphrase
    await waitUntil('the held request applied', () => f.status(f.ann) === 'unsubscribed');
    expect(events()).toMatchObject([{ listId: f.listA, campaignId: f.campaign }]);
    expect(pushback()).toHaveLength(1);
    expect(countOf(f.engine, 'SELECT count(*) FROM unsubscribe_review WHERE resolved_at IS NULL')).toBe(0);
  });

  it('never writes a signing key, and reads the one the first send makes', async () => {
    const { engine, secrets } = await engineWithSecrets(tempDir('understudy-unsub-nokey-'));
    const fresh = await startServer({ engine, port: 0 });
    try {
      const list = addList(engine, 'Customers', ['cy@example.org']);
      const cy = engine.repos.subscribers.byEmail(list, 'cy@example.org')!.id;
      const early = unsubscribeToken(1, cy, 'a key this database never had');
      expect((await gmailOneClick(fresh.port, `/u/${early}`)).status).toBe(400);
      expect(engine.repos.settings.get('sending.unsubscribe_secret_ref')).toBeUndefined();
      // The first send makes the key; links it signs verify at once.
      const key = await unsubscribeSecret(engine, secrets);
      const r = await gmailOneClick(fresh.port, `/u/${unsubscribeToken(1, cy, key)}`);
      expect(r.status).toBe(200);
      expect(engine.repos.subscribers.byId(cy)!.status).toBe('unsubscribed');
    } finally {
      await fresh.close();
      await engine.close();
    }
  });

  it('answers the unsubscribe paths without the token; everything else still needs it', async () => {
    const page = await http(srv.port, `/u/${f.token(f.ann)}`); // public Host name, no cookie
    expect(page.status).toBe(200);
    expect(page.body).toContain('Unsubscribe from');
    expect((await yahooOneClick(srv.port, `/u/${f.token(f.ann)}`)).status).toBe(200);
    expect(f.status(f.ann)).toBe('unsubscribed');
    const api = await http(srv.port, '/api/listLists', { headers: { host: `127.0.0.1:${srv.port}` } });
    expect(api.status).toBe(401);
    const app = await http(srv.port, '/', { headers: { host: `127.0.0.1:${srv.port}` } });
    expect(app.status).toBe(401);
    const review = await http(srv.port, '/api/unsubscribeReview', {
      headers: { host: `127.0.0.1:${srv.port}` },
    });
    expect(review.status).toBe(401);
  });
});
