/**
 * An ESP outage on loopback: a plain HTTP proxy in front of a fake ESP that forwards every request
 * while `down` is false and answers 503 (as a load balancer in front of a dead API does) while it is
 * true. One switch for all six fakes, whatever their own fault machinery.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface OutageProxy {
  /** The proxy's base URL with the target's path (e.g. http://127.0.0.1:PORT/3.0). */
  url: string;
  down: boolean;
  /** Requests answered 503 while down. */
  refused: number;
  stop(): Promise<void>;
}

export async function startOutageProxy(targetBase: string): Promise<OutageProxy> {
  const target = new URL(targetBase);
  const sockets = new Set<Socket>();
  const state: OutageProxy = {
    url: '',
    down: false,
    refused: 0,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    if (state.down) {
      state.refused++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Service Unavailable' }));
      return;
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`;
  return state;
}
