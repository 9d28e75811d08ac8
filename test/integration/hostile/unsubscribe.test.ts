/**
 * Hostile input to the public unsubscribe endpoint (`serve --unsubscribe-only` on loopback, real HTTP,
 * real SQLite). Each case: the HTTP status, words of the page, and that nothing changed — every file of
 * the data folder and every table's row count — except, where the code in the link does not verify,
 * exactly one item in the review queue (a bad link is kept for a person, never dropped). No case
 * changes a subscriber's status, and no page writes back what the request sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { dirname } from 'node:path';
import {
  startUnsubscribeServer,
  type RunningUnsubscribeServer,
} from '../../../electron/engine/continuity/unsubscribeServer';
import { unsubscribeToken } from '../../../electron/engine/sending/render/tokens';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';
import { countOf, http, unsubFixture, type UnsubFixture } from '../../helpers/unsubscribe';
import { cli } from '../../helpers/cli';
import { REVIEW_QUEUE_LIMIT } from '../../../electron/engine/api/unsubscribe';

let f: UnsubFixture;
let srv: RunningUnsubscribeServer;

beforeEach(async () => {
  f = await unsubFixture(tempDir('understudy-hostile-unsub-'));
  srv = await startUnsubscribeServer({ engine: f.engine, port: 0 });
});
afterEach(async () => {
  await srv.close();
  await f.engine.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const ONE_CLICK = 'List-Unsubscribe=One-Click';

interface Case {
  name: string;
  /** Builds the request from the fixture (tokens need its key). */
  req: (f: UnsubFixture) => {
    path: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  };
  status: number;
  words: string;
  /** True when the code does not verify: one review item is the only change. */
  review?: boolean;
}

const good = (x: UnsubFixture) => `/u/${x.token(x.ann)}`;
const cases: Case[] = [
  {
    name: 'PUT',
    req: (x) => ({ path: good(x), method: 'PUT', headers: FORM, body: ONE_CLICK }),
    status: 405,
    words: 'Open the unsubscribe link',
  },
  {
    name: 'DELETE',
    req: (x) => ({ path: good(x), method: 'DELETE' }),
    status: 405,
    words: 'Open the unsubscribe link',
  },
  {
    name: 'a CORS preflight from another site',
    req: (x) => ({
      path: good(x),
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    }),
    status: 405,
    words: 'Open the unsubscribe link',
  },
  {
    name: 'POST as text/plain',
    req: (x) => ({
      path: good(x),
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: ONE_CLICK,
    }),
    status: 415,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'POST as JSON',
    req: (x) => ({
      path: good(x),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"List-Unsubscribe":"One-Click"}',
    }),
    status: 415,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'POST without a content type',
    req: (x) => ({ path: good(x), method: 'POST', body: ONE_CLICK }),
    status: 415,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'POST with another value',
    req: (x) => ({ path: good(x), method: 'POST', headers: FORM, body: 'List-Unsubscribe=Yes' }),
    status: 400,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'POST with an empty body',
    req: (x) => ({ path: good(x), method: 'POST', headers: FORM, body: '' }),
    status: 400,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'POST declaring a huge body',
    req: (x) => ({
      path: good(x),
      method: 'POST',
      headers: { ...FORM, 'content-length': '10000000' },
      body: ONE_CLICK,
    }),
    status: 413,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'POST with a body over the limit',
    req: (x) => ({
      path: good(x),
      method: 'POST',
      headers: FORM,
      body: `${ONE_CLICK}&x=${'a'.repeat(20_000)}`,
    }),
    status: 413,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'multipart without a boundary',
    req: (x) => ({
      path: good(x),
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; charset=utf-8' },
      body: ONE_CLICK,
    }),
    status: 400,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'multipart with the field under another name',
    req: (x) => ({
      path: good(x),
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=b1' },
      body: '--b1\r\nContent-Disposition: form-data; name="List-Unsubscribe-X"\r\n\r\nOne-Click\r\n--b1--\r\n',
    }),
    status: 400,
    words: 'Use the unsubscribe button',
  },
  {
    name: 'a forged code (MAC changed), one-click',
    req: (x) => ({
      path: `/u/${x.token(x.ann).slice(0, -4)}AAAA`,
      method: 'POST',
      headers: FORM,
      body: ONE_CLICK,
    }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'a forged code, opened',
    req: (x) => ({ path: `/u/${x.token(x.ann).slice(0, -4)}AAAA` }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'a truncated code',
    req: (x) => ({ path: `/u/${x.token(x.ann).slice(0, -6)}` }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: "another subscriber's ids under ann's MAC",
    req: (x) => {
      const [c, , mac] = x.token(x.ann).split('.');
      return { path: `/u/${c}.${x.bob.toString(36)}.${mac}`, method: 'POST', headers: FORM, body: ONE_CLICK };
    },
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: "a code signed with another installation's key",
    req: (x) => ({
      path: `/u/${unsubscribeToken(x.campaign, x.ann, 'another-installation-key')}`,
      method: 'POST',
      headers: FORM,
      body: ONE_CLICK,
    }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'a genuine code for nobody here',
    req: (x) => ({ path: `/u/${x.token(99999)}`, method: 'POST', headers: FORM, body: ONE_CLICK }),
    status: 404,
    words: 'not complete',
    review: true,
  },
  {
    name: 'markup in place of a code',
    req: () => ({ path: `/u/${encodeURIComponent('<script>alert(1)</script>')}` }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'a path escape in place of a code',
    req: () => ({ path: '/u/..%2F..%2Fapi%2FlistLists' }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  { name: 'an empty code', req: () => ({ path: '/u/' }), status: 400, words: 'not complete', review: true },
  {
    name: 'a 5,000-character code',
    req: () => ({ path: `/u/${'a'.repeat(5000)}` }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'a HMAC over the bare ids without the key label',
    req: (x) => {
      const payload = `${x.campaign.toString(36)}.${x.ann.toString(36)}`;
      const mac = createHmac('sha256', x.secret).update(payload).digest('base64url').slice(0, 22);
      return { path: `/u/${payload}.${mac}` };
    },
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'an old-style link with a bad code',
    req: () => ({ path: '/unsubscribe?t=1.2.AAAAAAAAAAAAAAAAAAAAAA' }),
    status: 400,
    words: 'not complete',
    review: true,
  },
  {
    name: 'the API on the public server',
    req: () => ({
      path: '/api/listLists',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
    status: 404,
    words: 'Not found',
  },
];

describe('hostile input: public unsubscribe endpoint', () => {
  it.each(cases)('$name → $status', async (c) => {
    const dir = dirname(f.engine.dbPath);
    const subscribed = () =>
      countOf(f.engine, `SELECT count(*) FROM subscribers WHERE status = 'subscribed'`);
    const before = snapshot(dir, f.engine.dbPath);
    const was = subscribed();
    const r = c.req(f);
    const res = await http(srv.port, r.path, {
      ...(r.method ? { method: r.method } : {}),
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
    });
    expect(res.status).toBe(c.status);
    expect(res.body).toContain(c.words);
    expect(res.body).not.toMatch(/<script|alert\(|listLists|aaaaaaaaaa/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expectCleanMessage(res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '), 2000);
    expect(subscribed()).toBe(was);
    const after = snapshot(dir, f.engine.dbPath);
    if (c.review) {
      expect(after.counts.unsubscribe_review).toBe(before.counts.unsubscribe_review! + 1);
      after.counts.unsubscribe_review = before.counts.unsubscribe_review!;
    }
    expectUnchanged(before, after);
  });
});

describe('hostile input: a flood of bad links', () => {
  it('past the review queue limit a new bad code is refused with 503 and nothing is written; good codes still work', async () => {
    const now = f.engine.now();
    const ins = f.engine.db.prepare(
      `INSERT INTO unsubscribe_review (channel, reason, dedupe, detail, first_at, last_at)
       VALUES ('link', 'bad_token', ?, 'flood', ?, ?)`,
    );
    f.engine.db.transaction(() => {
      for (let i = 0; i < REVIEW_QUEUE_LIMIT; i++) ins.run(`flood:${i}`, now, now);
    })();
    const dir = dirname(f.engine.dbPath);
    const before = snapshot(dir, f.engine.dbPath);
    const r = await http(srv.port, '/u/yet-another-bad-code');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('3600');
    expect(r.body).toContain('Please try again later');
    expect(r.body).toContain('reply to the email');
    expectUnchanged(before, snapshot(dir, f.engine.dbPath));
    const ok = await http(srv.port, good(f), { method: 'POST', headers: FORM, body: ONE_CLICK });
    expect(ok.status).toBe(200);
    expect(f.status(f.ann)).toBe('unsubscribed');
  });
});

/** `inbox review --done`: exit 1, its words, nothing changed (an open item is there to be closed). */
const cliCases: { name: string; args: (id: number) => string[]; words: string }[] = [
  {
    name: 'a number that is not one',
    args: () => ['--done', 'abc', '--note', 'x'],
    words: 'is not an item number',
  },
  { name: 'a negative number', args: () => ['--done', '-3', '--note', 'x'], words: 'is not an item number' },
  {
    name: 'an item that does not exist',
    args: () => ['--done', '9999', '--note', 'x'],
    words: 'There is no review item #9999',
  },
  { name: 'no note', args: (id) => ['--done', String(id)], words: 'Say what was done with --note' },
  {
    name: 'a blank note',
    args: (id) => ['--done', String(id), '--note', '   '],
    words: 'Say what was done with --note',
  },
];

describe('hostile input: inbox review', () => {
  it.each(cliCases)('$name → exit 1', async (c) => {
    await http(srv.port, '/u/not-a-code'); // one open item
    const id = countOf(f.engine, 'SELECT max(id) FROM unsubscribe_review');
    await cli(['inbox', 'review', '--db', f.engine.dbPath]); // the CLI's first run notes itself in meta
    const dir = dirname(f.engine.dbPath);
    const before = snapshot(dir, f.engine.dbPath);
    const open = countOf(f.engine, 'SELECT count(*) FROM unsubscribe_review WHERE resolved_at IS NULL');
    const r = await cli(['inbox', 'review', '--db', f.engine.dbPath, ...c.args(id)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(c.words);
    expectCleanMessage(r.stderr);
    expect(countOf(f.engine, 'SELECT count(*) FROM unsubscribe_review WHERE resolved_at IS NULL')).toBe(open);
    expectUnchanged(before, snapshot(dir, f.engine.dbPath));
  });
});
