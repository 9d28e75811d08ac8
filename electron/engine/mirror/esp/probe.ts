/**
 * `esp health`: probes each connection (cheapest authenticated call + public status page), stores the
 * result in providers.health and records a timeline event when it changes.
 */
import type { Engine } from '../../engine';
import { connectionsFor, openConnector } from './connections';
import type { EspHealth } from './types';

export interface EspHealthReport {
  provider: string;
  type: string;
  health: EspHealth;
  changed: boolean;
}

export async function checkEspHealth(
  engine: Engine,
  opts: { esp?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<EspHealthReport[]> {
  const out: EspHealthReport[] = [];
  for (const p of connectionsFor(engine, opts.esp)) {
    let health: EspHealth;
    try {
      // One attempt, as the monitor's probe (continuity/adapters.ts probeEsp): a health check reports.
      const connector = await openConnector(engine, p, { maxAttempts: 1 });
      health = await connector.health({ signal: opts.signal });
    } catch (e) {
      health = {
        overall: 'down',
        api: { state: 'down', message: (e as Error).message, latencyMs: null },
        statusPage: null,
        checkedAt: engine.now(),
      };
    }
    const at = engine.now();
    const changed = engine.repos.espSync.setHealth(p.id, health.overall, at);
    if (changed) {
      // Same channel as the SMTP providers' health, so the UI and notifications treat both alike.
      engine.bus.emit('health.changed', {
        providerId: p.id,
        provider: p.name,
        kind: 'esp',
        from: p.health,
        to: health.overall,
        detail: health.api.message,
        at,
        incidentId: null,
      });
      engine.record({
        type: 'esp.health',
        severity: health.overall === 'operational' ? 'info' : 'warning',
        message: `${p.name} is ${health.overall}: ${health.api.message}${health.statusPage && health.statusPage.indicator !== 'none' ? ` Status page: ${health.statusPage.description}.` : ''}`,
        providerId: p.id,
        data: { api: health.api.state, statusPage: health.statusPage?.indicator ?? null },
      });
    }
    out.push({ provider: p.name, type: p.type, health, changed });
  }
  return out;
}
