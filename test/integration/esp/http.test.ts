/** The shared ESP HTTP client against a tiny node:http server: retries, limits, errors, redaction. */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EspHttp, parseRetryAfter, redact } from '../../../electron/engine/mirror/esp/http';
import { ManualClock } from '../../../electron/engine/clock';

type Answer = { status: number; body?: string; headers?: Record<string, string>; noDate?: boolean };
let server: Server | undefined;

async function serve(answers: Answer[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_req, res) => {
    const a = answers[Math.min(hits, answers.length - 1)]!;
    hits++;
    if (a.noDate) res.sendDate = false;
    res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
    res.end(a.body ?? '');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function client(url: string, waits: number[], extra: Partial<ConstructorParameters<typeof EspHttp>[0]> = {}) {
  return new EspHttp({
    esp: 'TestESP',
    baseUrl: url,
    headers: { authorization: 'Bearer sekret-key-123' },
    secrets: ['sekret-key-123'],
    maxConnections: 2,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    sleep: async (ms) => void waits.push(ms),
    random: () => 1,
    describeError: (a) => {
      const b = a.body as { message?: string; code?: string } | undefined;
      return b?.message ? { message: b.message, espCode: b.code ?? null } : undefined;
    },
    ...extra,
  });
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2026-11-23T06:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 06:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('EspHttp', () => {
  it('retries 429 and 5xx with exponential backoff, honouring Retry-After', async () => {
    const s = await serve([
      { status: 429, body: '{"message":"slow"}', headers: { 'retry-after': '7' } },
      { status: 503, body: '{"message":"busy"}' },
      { status: 502 },
      { status: 200, body: '{"ok":true}' },
    ]);
    const waits: number[] = [];
    expect(await client(s.url, waits).get('/x')).toEqual({ ok: true });
    expect(waits).toEqual([7000, 200, 400]);
    expect(s.hits()).toBe(4);
  });

  it('does not retry a 4xx refusal and turns the ESP error into a clear message without the key', async () => {
    const s = await serve([
      { status: 401, body: '{"code":"unauthorized","message":"Key sekret-key-123 not found"}' },
    ]);
    const e = await client(s.url, [])
      .get('/x')
      .catch((x: unknown) => x);
    expect(s.hits()).toBe(1);
    expect(e).toMatchObject({ code: 'esp_auth', status: 401, espCode: 'unauthorized', retryable: false });
    expect((e as Error).message).toBe('TestESP refused the API key: Key [redacted] not found');
    expect((e as { next: string }).next).toMatch(/esp add/);
  });

  it('treats an invalid or cut-off JSON body as transient, and reports it plainly when it persists', async () => {
    const s = await serve([{ status: 200, body: '{"members":[{"id":1},' }]);
    const e = await client(s.url, [], { maxAttempts: 3 })
      .get('/x')
      .catch((x: unknown) => x);
    expect(s.hits()).toBe(3);
    expect(e).toMatchObject({ code: 'esp_bad_response', retryable: true });
    expect((e as { safe: string }).safe).toMatch(/not applied/);
  });

  it("waits for a reset-time header (epoch seconds), measured on the ESP's clock when it sends one", async () => {
    const espNow = Date.parse('2026-11-23T06:00:00Z');
    const s = await serve([
      {
        status: 429,
        headers: { 'x-ratelimit-reset': String(espNow / 1000 + 7), date: new Date(espNow).toUTCString() },
      },
      { status: 429, headers: { 'x-ratelimit-reset': String(espNow / 1000 + 3) }, noDate: true },
      { status: 200, body: '{"ok":true}' },
    ]);
    const waits: number[] = [];
    // Our clock runs a second ahead of the ESP's: the first wait follows the ESP's Date header, the
    // second (no Date header) falls back to our clock.
    const clock = new ManualClock(espNow + 1000);
    const c = client(s.url, waits, { resetAtHeaders: ['x-ratelimit-reset'], clock });
    expect(await c.get('/x')).toEqual({ ok: true });
    expect(waits).toEqual([7000, 2000]);
  });

  it('gives up on a 429 whose Retry-After is longer than it may wait', async () => {
    const s = await serve([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const e = await client(s.url, [])
      .get('/x')
      .catch((x: unknown) => x);
    expect(s.hits()).toBe(1);
    expect(e).toMatchObject({ code: 'esp_rate_limited', retryable: true });
  });

  it('keeps at most maxConnections requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    server = createServer((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      release.push(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const http = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, []);
    const all = Promise.all(Array.from({ length: 7 }, () => http.get('/x')));
    const deadline = Date.now() + 10_000;
    let served = 0;
    while (served < 7 && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      const r = release.shift();
      if (r) {
        r();
        served++;
      }
    }
    await all;
    expect(peak).toBe(2);
    expect(http.peakInFlight).toBe(2);
  });

  it('spaces requests to a per-minute bucket on the clock', async () => {
    const s = await serve([{ status: 200, body: '{}' }]);
    const clock = new ManualClock(0);
    const waits: number[] = [];
    const http = client(s.url, waits, {
      buckets: { contacts: 60 },
      clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock.advance(ms);
      },
    });
    for (let i = 0; i < 62; i++) await http.get('/x', { bucket: 'contacts' });
    // A full bucket of 60, then one request per second.
    expect(waits).toEqual([1000, 1000]);
  });

  it('never sends its auth headers to an absolute URL (status pages, downloads)', async () => {
    let auth: string | undefined = 'unset';
    server = createServer((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await client('http://127.0.0.1:9', []).get(`${url}/api/v2/status.json`, { absolute: true });
    expect(auth).toBeUndefined();
  });

  it('redacts secrets and their base64 form', () => {
    const text = `key sekret-key-123 in ${Buffer.from('sekret-key-123').toString('base64')}`;
    expect(redact(text, ['sekret-key-123'])).toBe('key [redacted] in [redacted]');
    expect(redact('nothing here', ['sekret-key-123'])).toBe('nothing here');
  });
});
