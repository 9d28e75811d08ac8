/**
 * Browser mode's front door: the token (URL once, then cookie), Host and Origin checks against DNS
 * rebinding and other pages, GET only for calls that change nothing, envelopes, the upload import
 * and the event WebSocket. A real Engine on a real SQLite file in a temp folder, a real server on a
 * free loopback port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Engine } from '../../../electron/engine/engine';
import { startServer, type RunningServer } from '../../../electron/server/server';
import { tokenMatches, COOKIE, HostPolicy } from '../../../electron/server/security';
import { tempDir } from '../../helpers/tmp';
import { postJson, send } from '../../helpers/http';

describe('browser mode server', () => {
  let dir: string;
  let engine: Engine;
  let srv: RunningServer;

  beforeEach(async () => {
    dir = tempDir('understudy-server-');
    const staticDir = join(dir, 'static');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app shell</title>');
    writeFileSync(join(staticDir, 'assets', 'a.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'not for the web');
    engine = Engine.open({ dbPath: join(dir, 'data', 'understudy.sqlite') });
    srv = await startServer({ engine, port: 0, staticDir });
  });

  afterEach(async () => {
    await srv.close();
    await engine.close();
  });

  it('compares tokens in constant time and rejects empty or wrong ones', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'ab')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', undefined)).toBe(false);
  });

  it('answers to loopback names only, or also to bare IPs when bound to every interface', () => {
    const local = new HostPolicy('127.0.0.1', 4780);
    expect(local.matches('127.0.0.1:4780')).toBe(true);
    expect(local.matches('LOCALHOST:4780')).toBe(true);
    expect(local.matches('192.168.1.5:4780')).toBe(false);
    expect(local.matches('127.0.0.1:4781')).toBe(false);
    const all = new HostPolicy('0.0.0.0', 4780);
    expect(all.matches('192.168.1.5:4780')).toBe(true);
    expect(all.matches('[fe80::1]:4780')).toBe(true);
    expect(all.matches('attacker.example:4780')).toBe(false);
    expect(all.matches('192.168.1.5:80')).toBe(false);
  });

  it('listens on loopback only by default and prints a link with a long random token', () => {
    expect(srv.host).toBe('127.0.0.1');
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/`);
    expect(srv.loginUrl).toContain(`?token=${srv.token}`);
    expect(srv.token.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses requests without the token', async () => {
    expect((await send(srv, '/', { auth: false })).status).toBe(401);
    expect((await send(srv, '/api/listLists', { auth: false })).status).toBe(401);
    expect((await send(srv, '/', { headers: { cookie: `${COOKIE}=wrong` } })).status).toBe(401);
  });

  it('moves the token from the URL into an HttpOnly SameSite cookie and redirects', async () => {
    const wrong = await send(srv, '/?token=nope', { auth: false });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const r = await send(srv, `/?token=${srv.token}`, { auth: false });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain(`${COOKIE}=`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await send(srv, '/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('app shell');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('accepts a bearer token for scripts', async () => {
    const r = await send(srv, '/api/listLists', {
      auth: false,
      headers: { authorization: `Bearer ${srv.token}` },
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: [] });
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const r = await send(srv, '/api/listLists', { headers: { host: `evil.example:${srv.port}` } });
    expect(r.status).toBe(421);
    const ok = await send(srv, '/api/listLists', { headers: { host: `localhost:${srv.port}` } });
    expect(ok.status).toBe(200);
  });

  it('refuses requests from another origin', async () => {
    const r = await postJson(srv, '/api/listLists', {}, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const other = await postJson(srv, '/api/listLists', {}, { origin: `http://127.0.0.1:${srv.port + 1}` });
    expect(other.status).toBe(403);
    const same = await postJson(srv, '/api/listLists', {}, { origin: `http://127.0.0.1:${srv.port}` });
    expect(same.status).toBe(200);
  });

  it('allows GET only for calls that change nothing', async () => {
    const get = await send(
      srv,
      '/api/querySubscribers?input=' + encodeURIComponent(JSON.stringify({ list: 'x' })),
    );
    expect(get.status).toBe(200);
    const env = JSON.parse(get.body);
    expect(env.ok).toBe(false);
    expect(env.error.code).toBe('list_not_found');
    const mut = await send(
      srv,
      '/api/cancelTask?input=' + encodeURIComponent(JSON.stringify({ taskId: 'x' })),
    );
    expect(mut.status).toBe(405);
    expect(JSON.parse(mut.body).error.code).toBe('method_not_allowed');
  });

  it('answers POSTs with envelopes: ok, unknown call, bad input, not JSON', async () => {
    const ok = JSON.parse((await postJson(srv, '/api/cancelTask', { taskId: 'none' })).body);
    expect(ok).toEqual({ ok: true, value: { cancelled: false } });
    const unknown = JSON.parse((await postJson(srv, '/api/dropEverything', {})).body);
    expect(unknown.ok).toBe(false);
    expect(unknown.error.code).toBe('unknown_call');
    const bad = JSON.parse((await postJson(srv, '/api/querySubscribers', { list: 5 })).body);
    expect(bad.error.code).toBe('bad_input');
    expect(bad.error.safe).toBeTruthy();
    const form = await send(srv, '/api/cancelTask', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'taskId=x',
    });
    expect(form.status).toBe(415);
    const broken = await send(srv, '/api/cancelTask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"taskId":',
    });
    expect(broken.status).toBe(400);
  });

  it('never serves files outside the renderer folder', async () => {
    const r = await send(srv, '/../secret.txt');
    expect(r.body).not.toContain('not for the web');
    const enc = await send(srv, '/%2e%2e/secret.txt');
    expect(enc.body).not.toContain('not for the web');
    const asset = await send(srv, '/assets/a.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('imports an uploaded file, deletes the upload, and pushes progress over the WebSocket', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/events`, {
      headers: { cookie: `${COOKIE}=${srv.token}`, origin: `http://127.0.0.1:${srv.port}` },
    });
    const channels: string[] = [];
    const hello = new Promise<void>((resolve) =>
      ws.on('message', (m) => {
        const { channel } = JSON.parse(String(m));
        channels.push(channel);
        if (channel === 'hello') resolve();
      }),
    );
    await hello;
    const csv =
      'Email Address,First Name,Last Name\nann@example.com,Ann,A\nbob@example.com,Bob,B\nnot-an-email,X,Y\n';
    const r = await send(srv, '/upload/import?list=Newsletter&format=auto&name=members.csv&taskId=t1', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    const env = JSON.parse(r.body);
    expect(env.ok).toBe(true);
    expect(env.value.imported).toBe(2);
    expect(env.value.rejected).toBe(1);
    expect(readdirSync(join(dir, 'data', 'uploads'))).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (!channels.includes('event') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(channels).toContain('event');
    // The reject report can be downloaded from the data folder, and nothing else can.
    const name = env.value.rejectReport.split(/[\\/]/).pop();
    const rep = await send(srv, `/files/rejects/${encodeURIComponent(name)}`);
    expect(rep.status).toBe(200);
    expect(rep.body).toContain('not-an-email');
    expect((await send(srv, '/files/rejects/..%2Funderstudy.sqlite')).status).toBe(404);
    ws.close();
  });

  it("previews an upload with the importer's own detection: format, delimiter, mapping, sample", async () => {
    const head =
      'Email Address;First Name;Last Name;MEMBER_RATING;OPTIN_TIME\nann@example.com;Ann;A;2;2024-01-01 10:00:00\n';
    const r = JSON.parse((await send(srv, '/preview', { method: 'POST', body: head })).body);
    expect(r.ok).toBe(true);
    expect(r.value.delimiter).toBe(';');
    expect(r.value.format).toBe('mailchimp');
    expect(r.value.targets.slice(0, 3)).toEqual(['email', 'first_name', 'last_name']);
    expect(r.value.sample[0][0]).toBe('ann@example.com');
    const noEmail = JSON.parse(
      (await send(srv, '/preview', { method: 'POST', body: 'Name,City\nAnn,Oslo\n' })).body,
    );
    expect(noEmail.ok).toBe(true);
    expect(noEmail.value.problem.message).toContain('No email column');
    const mapped = JSON.parse(
      (
        await send(srv, '/preview?map=' + encodeURIComponent(JSON.stringify({ Name: 'email' })), {
          method: 'POST',
          body: 'Name,City\nann@example.com,Oslo\n',
        })
      ).body,
    );
    expect(mapped.value.problem).toBeNull();
    expect(mapped.value.targets[0]).toBe('email');
  });

  it('exports a list for download', async () => {
    await send(srv, '/upload/import?list=L&name=a.csv', {
      method: 'POST',
      body: 'Email Address\nzed@example.com\n',
    });
    const r = JSON.parse((await send(srv, '/export?list=L', { method: 'POST' })).body);
    expect(r.ok).toBe(true);
    expect(r.value.rows).toBe(1);
    const file = await send(srv, r.value.download);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toContain('attachment');
    expect(file.body).toContain('zed@example.com');
    expect(existsSync(join(dir, 'data', 'exports'))).toBe(true);
  });

  it('refuses a WebSocket without the token or from another origin', async () => {
    const statusOf = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/events`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await statusOf({})).toBe(401);
    expect(await statusOf({ cookie: `${COOKIE}=${srv.token}`, origin: 'http://evil.example' })).toBe(403);
    expect(await statusOf({ cookie: `${COOKIE}=${srv.token}` })).toBe(101);
  });
});
