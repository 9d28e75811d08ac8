/** A raw HTTP client for browser-mode tests: any method, headers and body, Host and cookie set for us. */
import { request } from 'node:http';
import { COOKIE } from '../../electron/server/security';
import type { RunningServer } from '../../electron/server/server';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string or buffer, or chunks written one by one (chunked transfer encoding). */
  body?: string | Buffer | Buffer[];
  /** false: no token cookie. */
  auth?: boolean;
}

export function send(srv: RunningServer, path: string, opts: SendOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { host: `127.0.0.1:${srv.port}`, ...(opts.headers ?? {}) };
  if (opts.auth !== false && !headers.cookie) headers.cookie = `${COOKIE}=${srv.token}`;
  return rawRequest(srv.port, path, { method: opts.method, headers, body: opts.body });
}

/** One request to 127.0.0.1:`port` with exactly the headers given (Host included), answer collected. */
export function rawRequest(
  port: number,
  path: string,
  opts: { method?: string | undefined; headers: Record<string, string>; body?: SendOptions['body'] },
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // A server may answer (413) before the whole body is sent and then close: that is not an error.
    req.on('error', (e) => reject(e));
    if (Array.isArray(opts.body)) {
      for (const c of opts.body) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

export const postJson = (
  srv: RunningServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Res> =>
  send(srv, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
