/**
 * Hostile requests to browser mode, as a page on another site or another port, a script on this
 * computer or a broken client would send them. Each case names the request, the status and words of
 * the answer, and proves nothing changed: every file of the data folder (the secret file included)
 * hashes the same and every table has the same row count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { startServer, type RunningServer } from '../../../electron/server/server';
import { addList } from '../../helpers/continuity';
import { send, type Res, type SendOptions } from '../../helpers/http';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';

interface Ctx {
  dataDir: string;
  dbPath: string;
  secretFile: string;
  incident: number;
}

interface Case {
  name: string;
  path: (c: Ctx) => string;
  opts?: (c: Ctx) => SendOptions;
  status: number;
  /** Words the message must contain. */
  words: RegExp;
}

const json = (body: unknown, headers: Record<string, string> = {}): SendOptions => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const input = (v: unknown) => `?input=${encodeURIComponent(JSON.stringify(v))}`;
const big = Buffer.alloc(200 * 1024, 'a');
const nav = (site: string) => ({
  headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
});

const NAMES_A_FILE = /reads or writes a file named in the request.*never allows.*download/;
const CHANGES_DATA = /changes data: call it with POST/;
const OTHER_PAGE = /other web pages are not allowed/;
const MALFORMED = /address is malformed/;
const TOO_LARGE = /larger than/;

const cases: Case[] = [
  // Calls that name a file: never over HTTP, whatever the method and the file.
  {
    name: 'GET incidentReport writing over the database',
    path: (c) => `/api/incidentReport${input({ id: c.incident, out: c.dbPath })}`,
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'POST incidentReport writing over the secret file',
    path: () => '/api/incidentReport',
    opts: (c) => json({ id: c.incident, out: c.secretFile }),
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'exportList over the database',
    path: () => '/api/exportList',
    opts: (c) => json({ list: 'Customers', out: c.dbPath }),
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'exportList out of the data folder',
    path: () => '/api/exportList',
    opts: (c) => json({ list: 'Customers', out: join(c.dataDir, '..', 'stolen.csv') }),
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'importList reading the secret file',
    path: () => '/api/importList',
    opts: (c) => json({ file: c.secretFile, list: 'Stolen' }),
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'GET importList reading /etc/passwd',
    path: () => `/api/importList${input({ file: '/etc/passwd', list: 'Stolen' })}`,
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'requestRestore of an arbitrary file',
    path: () => '/api/requestRestore',
    opts: () => json({ file: '/etc/passwd' }),
    status: 403,
    words: NAMES_A_FILE,
  },
  {
    name: 'importCodes reading the database',
    path: () => '/api/importCodes',
    opts: (c) => json({ file: c.dbPath, batch: 'b' }),
    status: 403,
    words: NAMES_A_FILE,
  },
  // GET never reaches a call that changes something.
  {
    name: 'GET addIncidentNote',
    path: (c) => `/api/addIncidentNote${input({ id: c.incident, text: 'pwned' })}`,
    status: 405,
    words: CHANGES_DATA,
  },
  {
    name: 'GET testProvider (it records health)',
    path: () => `/api/testProvider${input({ name: 'Backup' })}`,
    status: 405,
    words: CHANGES_DATA,
  },
  {
    name: 'GET sendCampaign',
    path: () => `/api/sendCampaign${input({ id: 1 })}`,
    status: 405,
    words: CHANGES_DATA,
  },
  { name: 'GET takeBackup', path: () => '/api/takeBackup', status: 405, words: CHANGES_DATA },
  {
    name: 'GET restoreBackup',
    path: () => `/api/restoreBackup${input({ id: 1 })}`,
    status: 405,
    words: CHANGES_DATA,
  },
  // Other sites and other ports of this computer, by their Fetch metadata.
  {
    name: 'cross-site POST with the cookie',
    path: () => '/api/addIncidentNote',
    opts: (c) => json({ id: c.incident, text: 'x' }, { 'sec-fetch-site': 'cross-site' }),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'same-site <img> GET (another port) with the cookie',
    path: () => '/api/listLists',
    opts: () => ({
      headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
    }),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'same-site navigation to a report download',
    path: (c) => `/reports/${c.incident}`,
    opts: () => nav('same-site'),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'cross-site navigation to an export download',
    path: () => '/files/exports/Customers.csv',
    opts: () => nav('cross-site'),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'cross-site navigation that POSTs a form',
    path: () => '/upload/import?list=Evil',
    opts: () => ({ method: 'POST', ...nav('cross-site'), body: 'email\nevil@example.org\n' }),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'an unknown Sec-Fetch-Site value',
    path: () => '/api/listLists',
    opts: () => ({ headers: { 'sec-fetch-site': 'evil' } }),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'a foreign Origin',
    path: () => '/api/addIncidentNote',
    opts: (c) => json({ id: c.incident, text: 'x' }, { origin: 'http://evil.example' }),
    status: 403,
    words: OTHER_PAGE,
  },
  {
    name: 'a foreign Host (DNS rebinding)',
    path: () => '/api/listLists',
    opts: () => ({ headers: { host: 'evil.example:80' } }),
    status: 421,
    words: /Unknown Host header/,
  },
  {
    name: 'no token',
    path: () => '/api/addIncidentNote',
    opts: (c) => ({ ...json({ id: c.incident, text: 'x' }), auth: false }),
    status: 401,
    words: /Not signed in/,
  },
  // Malformed addresses: 400, never a 500.
  { name: 'a broken %-escape in a call name', path: () => '/api/%E0%A4%A', status: 400, words: MALFORMED },
  { name: 'a lone % in a page path', path: () => '/%zz', status: 400, words: MALFORMED },
  {
    name: 'a broken %-escape in a POST',
    path: () => '/api/addIncidentNote%ff',
    opts: (c) => json({ id: c.incident, text: 'x' }),
    status: 400,
    words: MALFORMED,
  },
  {
    name: 'a broken %-escape in the query',
    path: () => '/upload/import?list=%E0%A4%A',
    opts: () => ({ method: 'POST', body: 'email\nx@example.org\n' }),
    status: 400,
    words: MALFORMED,
  },
  // Oversized bodies: 413, never a hang or a reset.
  {
    name: 'a JSON body over the limit (declared)',
    path: () => '/api/addIncidentNote',
    opts: () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
      body: big,
    }),
    status: 413,
    words: TOO_LARGE,
  },
  {
    name: 'a JSON body over the limit (chunked)',
    path: () => '/api/addIncidentNote',
    opts: (c) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: [Buffer.from(`{"id":${c.incident},"text":"`), big, Buffer.from('"}')],
    }),
    status: 413,
    words: TOO_LARGE,
  },
  {
    name: 'an import upload over the limit',
    path: () => '/upload/import?list=Big',
    opts: () => ({ method: 'POST', body: [Buffer.from('email\n'), big, big] }),
    status: 413,
    words: /larger than browser mode accepts/,
  },
  {
    name: 'a restore upload over the limit',
    path: () => '/upload/restore',
    opts: () => ({ method: 'POST', body: [big, big] }),
    status: 413,
    words: /larger than browser mode accepts/,
  },
  {
    name: 'a preview over the limit',
    path: () => '/preview',
    opts: () => ({ method: 'POST', body: [big] }),
    status: 413,
    words: /first 64 KB/,
  },
  // Other bad requests.
  {
    name: 'a body that is not JSON',
    path: () => '/api/addIncidentNote',
    opts: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":' }),
    status: 400,
    words: /not valid JSON/,
  },
  {
    name: 'a form post instead of JSON',
    path: () => '/api/addIncidentNote',
    opts: () => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=1&text=x',
    }),
    status: 415,
    words: /JSON body/,
  },
  {
    name: 'a call name with a terminal escape sequence',
    path: () => '/api/%1B%5B2J%1B%5B31mlistLists',
    opts: () => json({}),
    status: 404,
    words: /no call by that name/,
  },
  {
    name: 'a call name of 10 000 characters',
    path: () => `/api/${'a'.repeat(10_000)}`,
    status: 404,
    words: /no call by that name/,
  },
  { name: 'the report of no incident', path: () => '/reports/99999', status: 404, words: /incident/i },
];

describe('hostile HTTP requests to browser mode', () => {
  let srv: RunningServer;
  let engine: Engine;
  const ctx = {} as Ctx;

  beforeAll(async () => {
    const dir = tempDir('understudy-hostile-http-');
    ctx.dataDir = join(dir, 'data');
    ctx.dbPath = join(ctx.dataDir, 'understudy.sqlite');
    ctx.secretFile = join(ctx.dataDir, 'secrets.enc');
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app shell</title>');
    engine = Engine.open({ dbPath: ctx.dbPath });
    writeFileSync(ctx.secretFile, 'ciphertext that must survive', { mode: 0o600 });
    addList(engine, 'Customers', ['ann@example.org', 'bob@example.org']);
    ctx.incident = engine.repos.incidents.open(null, 'Mailchimp is down', engine.now()).id;
    srv = await startServer({
      engine,
      port: 0,
      staticDir,
      maxJsonBytes: 64 * 1024,
      maxUploadBytes: 256 * 1024,
    });
  });

  afterAll(async () => {
    await srv?.close();
    await engine?.close();
  });

  it.each(cases)('$name → $status', async (c) => {
    const before = snapshot(ctx.dataDir, ctx.dbPath);
    const res: Res = await send(srv, c.path(ctx), c.opts?.(ctx) ?? {});
    expect(res.status).toBe(c.status);
    const message = messageOf(res);
    expect(message).toMatch(c.words);
    expectCleanMessage(message);
    expectUnchanged(before, snapshot(ctx.dataDir, ctx.dbPath));
  });

  it('has at least 20 cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));
});

function messageOf(res: Res): string {
  if (/application\/json/.test(String(res.headers['content-type']))) {
    const env = JSON.parse(res.body) as { error?: { message: string; safe?: string; next?: string } };
    expect(env.error, 'an error envelope').toBeTruthy();
    return [env.error!.message, env.error!.safe, env.error!.next].filter(Boolean).join(' ');
  }
  return res.body;
}
