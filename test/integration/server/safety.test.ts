/**
 * Browser mode never lets a request name a file, never writes on a GET, refuses other sites' pages
 * by their Fetch metadata, and answers a malformed address 400 and an oversized body 413. Files move
 * only as downloads and uploads whose names the server chooses. A real Engine on a real SQLite file,
 * a real server on a loopback port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { contract } from '../../../electron/engine/api/contract';
import { pathFields, readOnly } from '../../../electron/engine/api/define';
import { pendingRestoreFile, takeBackup } from '../../../electron/engine/continuity/backups';
import { startServer, type RunningServer } from '../../../electron/server/server';
import { addList } from '../../helpers/continuity';
import WebSocket from 'ws';
import { COOKIE } from '../../../electron/server/security';
import { expectUnchanged, snapshot } from '../../helpers/hostile';
import { postJson, send } from '../../helpers/http';
import { tempDir } from '../../helpers/tmp';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const q = (input: unknown) => `?input=${encodeURIComponent(JSON.stringify(input))}`;

describe('browser mode: files, GETs, other sites, malformed and oversized requests', () => {
  let dir: string;
  let dataDir: string;
  let dbPath: string;
  let engine: Engine;
  let srv: RunningServer;
  let incident: number;

  beforeEach(async () => {
    dir = tempDir('understudy-safety-');
    dataDir = join(dir, 'data');
    dbPath = join(dataDir, 'understudy.sqlite');
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app shell</title>');
    engine = Engine.open({ dbPath });
    addList(engine, 'Customers', ['ann@example.org', 'bob@example.org']);
    incident = engine.repos.incidents.open(null, 'Mailchimp is down', engine.now()).id;
    engine.db.pragma('wal_checkpoint(TRUNCATE)');
    srv = await startServer({
      engine,
      port: 0,
      staticDir,
      maxJsonBytes: 64 * 1024,
      // Room for a backup of this small database as the schema grows (each table adds pages).
      maxUploadBytes: 512 * 1024,
    });
  });

  afterEach(async () => {
    await srv.close();
    await engine.close();
  });

  it('declares every call that writes a file as mutating, and lets GET reach only the rest', () => {
    for (const [name, def] of Object.entries(contract)) {
      if (pathFields(def).some(([, use]) => use === 'save')) expect(def.mutates, name).toBe(true);
    }
    expect(readOnly(contract.incidentReport)).toBe(false);
    expect(readOnly(contract.testProvider)).toBe(false); // records health and an event
    expect(readOnly(contract.listLists)).toBe(true);
  });

  it('refuses a GET of incidentReport aimed at the database, which stays byte-identical', async () => {
    const before = sha(dbPath);
    const r = await send(srv, `/api/incidentReport${q({ id: incident, out: dbPath })}`);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/incidentReport .*file.*never allows/);
    expect(sha(dbPath)).toBe(before);
    expect(engine.repos.lists.all().length).toBe(1);
  });

  it('leaves every file and row as it was after a GET of each call GET may reach', async () => {
    const readable = Object.entries(contract).filter(([, d]) => readOnly(d));
    expect(readable.length).toBeGreaterThan(10);
    const before = snapshot(dataDir, dbPath);
    const dbBytes = sha(dbPath);
    // zod drops the fields a call does not know, so one input fits every call that needs an id or a
    // list; `out` would be written by any call that still took it (incidentReport used to).
    const args = { id: incident, list: 'Customers', name: 'Customers', out: join(dataDir, 'by-a-get.html') };
    for (const [name] of readable) {
      const r = await send(srv, `/api/${name}${q(args)}`);
      expect(r.status, name).toBe(200);
    }
    expectUnchanged(before, snapshot(dataDir, dbPath));
    expect(sha(dbPath)).toBe(dbBytes);
  });

  it('refuses a GET of any call that changes something', async () => {
    for (const name of ['testProvider', 'takeBackup', 'addIncidentNote', 'restoreBackup']) {
      const r = await send(srv, `/api/${name}${q({ name: 'x', id: incident, text: 'hi' })}`);
      expect(r.status, name).toBe(405);
      expect(r.headers.allow).toBe('POST');
    }
    expect(engine.repos.incidents.byId(incident)).toBeTruthy();
    expect(readdirSync(dataDir).filter((f) => f.startsWith('backups'))).toEqual([]);
  });

  it.each([
    ['importList', { file: '/etc/passwd', list: 'Stolen' }],
    ['exportList', { list: 'Customers', out: 'DB' }],
    ['incidentReport', { id: 1, out: 'DB' }],
    ['incidentReport', { id: 1 }],
    ['requestRestore', { file: 'DB' }],
    ['importCodes', { file: '/etc/passwd', batch: 'b' }],
  ])('refuses %s over HTTP whatever its input (%j)', async (name, input) => {
    const before = sha(dbPath);
    const body = JSON.parse(JSON.stringify(input).replace('"DB"', JSON.stringify(dbPath)));
    const r = await postJson(srv, `/api/${name}`, body);
    expect(r.status).toBe(403);
    const env = JSON.parse(r.body);
    expect(env.error.code).toBe('names_a_file');
    expect(env.error.next).toMatch(/download.*upload/);
    expect(sha(dbPath)).toBe(before);
    expect(existsSync(pendingRestoreFile(dbPath))).toBe(false);
    expect(engine.repos.lists.all().map((l) => l.name)).toEqual(['Customers']);
  });

  it.each(['cross-site', 'same-site'])(
    'refuses %s requests by Sec-Fetch-Site, even with the cookie',
    async (site) => {
      for (const r of [
        await send(srv, '/api/listLists', {
          headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' },
        }),
        await postJson(srv, '/api/addIncidentNote', { id: incident, text: 'x' }, { 'sec-fetch-site': site }),
        await send(srv, `/reports/${incident}`, {
          headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        }),
        await send(srv, '/', {
          headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
        }),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body).toMatch(/other web pages/);
      }
      expect(engine.repos.incidents.byId(incident)).toBeTruthy();
      // A navigation to the app itself is still fine (it reads nothing and changes nothing).
      const nav = await send(srv, '/', {
        headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      });
      expect(nav.status).toBe(200);
    },
  );

  it('refuses a WebSocket opened by another site or another port', async () => {
    const statusOf = (site: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/events`, {
          headers: {
            cookie: `${COOKIE}=${srv.token}`,
            'sec-fetch-site': site,
            'sec-fetch-mode': 'websocket',
          },
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await statusOf('cross-site')).toBe(403);
    expect(await statusOf('same-site')).toBe(403);
    expect(await statusOf('same-origin')).toBe(101);
  });

  it('accepts same-origin and none, and clients that send no Fetch metadata', async () => {
    for (const site of ['same-origin', 'none', undefined]) {
      const r = await send(srv, '/api/listLists', { headers: site ? { 'sec-fetch-site': site } : {} });
      expect(r.status, String(site)).toBe(200);
    }
  });

  it.each(['/api/%E0%A4%A', '/api/listLists%', '/%zz', '/files/exports/%C0%AF', '/?token=%E0%A4%A&x=1%'])(
    'answers 400 to a malformed address (%s)',
    async (path) => {
      const r = await send(srv, path);
      expect(r.status).toBe(400);
      expect(r.body).toMatch(/malformed/);
    },
  );

  it.each([
    ['a control character in the target', 'GET /api/list\x01Lists HTTP/1.1'],
    ['a space in the target', 'GET /api/list Lists HTTP/1.1'],
  ])('answers 400 to a request line with %s, and closes', async (_what, line) => {
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(srv.port, '127.0.0.1');
      let got = '';
      sock.on('data', (b) => (got += b.toString('latin1')));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      sock.end(`${line}\r\nHost: 127.0.0.1:${srv.port}\r\nCookie: understudy_token=${srv.token}\r\n\r\n`);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers 413 to a JSON body over the limit, declared or chunked, and stays usable', async () => {
    const big = Buffer.alloc(200 * 1024, 'a');
    const declared = await send(srv, '/api/listLists', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('too_large');
    const chunked = await send(srv, '/api/addIncidentNote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: [Buffer.from('{"id":1,"text":"'), big, Buffer.from('"}')],
    });
    expect(chunked.status).toBe(413);
    expect((await send(srv, '/api/listLists')).status).toBe(200);
  });

  it('answers 413 to an upload over the limit and keeps nothing of it', async () => {
    const before = sha(dbPath);
    const big = Buffer.alloc(600 * 1024, 'x');
    for (const path of ['/upload/import?list=Big', '/upload/codes?batch=b', '/upload/restore']) {
      const r = await send(srv, path, { method: 'POST', body: [Buffer.from('email\n'), big] });
      expect(r.status, path).toBe(413);
    }
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'restores'))).toEqual([]);
    expect(sha(dbPath)).toBe(before);
  });

  it('downloads an incident report without saving anything', async () => {
    const before = readdirSync(dataDir).sort();
    const r = await send(srv, `/reports/${incident}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="incident-${incident}-report.html"`);
    expect(r.body).toMatch(/Mailchimp is down/);
    expect(readdirSync(dataDir).sort()).toEqual(before);
    const missing = await send(srv, '/reports/9999');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.message).toMatch(/9999|incident/i);
    expect((await send(srv, `/reports/${incident}`, { method: 'POST' })).status).toBe(405);
  });

  it('imports compensation codes from an upload and deletes the upload', async () => {
    const r = await send(srv, '/upload/codes?batch=winter&name=codes.csv', {
      method: 'POST',
      body: 'code\nSORRY-AAA1\nSORRY-BBB2\nSORRY-AAA1\n',
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      ok: true,
      value: { batch: 'winter', added: 2, duplicates: 1 },
    });
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
  });

  it('arranges a restore from an uploaded backup, and from a listed one by its id', async () => {
    const b = await takeBackup(engine, { kind: 'manual' });
    const up = await send(srv, '/upload/restore?name=old.sqlite', {
      method: 'POST',
      body: readFileSync(b.path),
    });
    expect(up.status).toBe(200);
    const env = JSON.parse(up.body);
    expect(env).toMatchObject({ ok: true, value: { integrity: 'ok' } });
    expect(env.value.path.startsWith(join(dataDir, 'restores'))).toBe(true);
    expect(readdirSync(join(dataDir, 'restores'))).toHaveLength(1);

    const junk = await send(srv, '/upload/restore?name=junk.sqlite', {
      method: 'POST',
      body: 'not a database',
    });
    expect(JSON.parse(junk.body).ok).toBe(false);
    expect(readdirSync(join(dataDir, 'restores'))).toEqual([]); // a refused upload is not kept

    const byId = await postJson(srv, '/api/restoreBackup', { id: b.id });
    expect(JSON.parse(byId.body)).toMatchObject({ ok: true, value: { path: b.path } });
    const none = await postJson(srv, '/api/restoreBackup', { id: 424242 });
    expect(JSON.parse(none.body).error).toMatchObject({ code: 'backup_not_found' });
  });
});
