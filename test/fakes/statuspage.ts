/**
 * A fake public status page in Atlassian Statuspage's format (`/api/v2/summary.json`,
 * `/api/v2/status.json`), the format most ESPs publish. Set `indicator`/`components` to simulate an
 * incident; `down` makes it answer 503.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeStatusPage {
  indicator: 'none' | 'minor' | 'major' | 'critical' | 'maintenance' = 'none';
  description = 'All Systems Operational';
  components: { name: string; status: string }[] = [{ name: 'API', status: 'operational' }];
  down = false;
  /** Headers of the last request (a status page must never receive the API key). */
  lastHeaders: Record<string, string | string[] | undefined> = {};
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.lastHeaders = req.headers;
      if (this.down) {
        res.writeHead(503).end('Service Unavailable');
        return;
      }
      const status = { indicator: this.indicator, description: this.description };
      const page = { id: 'fake', name: 'Fake ESP', url: this.url, updated_at: new Date().toISOString() };
      if (req.url === '/api/v2/summary.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            page,
            status,
            components: this.components.map((c, i) => ({ id: String(i), ...c, group: false })),
            incidents: [],
          }),
        );
      } else if (req.url === '/api/v2/status.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ page, status }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
