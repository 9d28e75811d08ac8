/**
 * The health monitor: probes every enabled ESP (its API's cheapest call and its status page, through
 * the connector's health()) and every SMTP provider (connect, EHLO, STARTTLS, AUTH, QUIT — nodemailer's
 * verify(), nothing sent), and moves each through operational → degraded → down with hysteresis:
 * one failure makes it degraded, `failuresToDown` in a row make it down, `successesToUp` in a row bring
 * a down provider back. Every change is a `health.changed` event (timeline + bus) and opens or closes
 * an incident.
 *
 * Timing: a healthy provider is probed every `intervalSeconds`; while a failure is being confirmed (or a
 * recovery), it is probed four times as often, so "down" is declared in about a minute rather than
 * three intervals; once down, probes back off exponentially up to `maxBackoffSeconds` and never beyond
 * 60 s (INCIDENT_PROBE_MAX_MS), so a dead host is not hammered and a recovery is noticed within a
 * minute. All of it on the engine's Clock.
 */
import type { Engine } from '../engine';
import type { HealthState } from '../db/repos/health';
import type { ProviderRow } from '../db/repos/providers';
import type { HealthChangeEvent } from '../api/continuity';
import type { ProviderKind } from '../api/common';
import { healthSettings } from './policy';
import { onHealthChange } from './incidents';

/** The longest wait between probes of a provider that is down (an open incident). */
export const INCIDENT_PROBE_MAX_MS = 60_000;

export interface ProbeResult {
  /** ok: answered; degraded: answered but something is wrong (status page incident, slow, auth);
   *  fail: did not answer; unknown: could not probe (no credentials open) — changes nothing. */
  state: 'ok' | 'degraded' | 'fail' | 'unknown';
  detail: string;
  latencyMs?: number;
}

export type Probe = (target: ProviderRow, signal: AbortSignal) => Promise<ProbeResult>;

export interface Probes {
  smtp: Probe;
  esp: Probe;
}

/** The `health.changed` channel's payload, declared in the contract. */
export type HealthChange = HealthChangeEvent;

export interface ProviderHealthView {
  providerId: number;
  provider: string;
  kind: ProviderKind;
  state: HealthState;
  since: string | null;
  lastProbeAt: string | null;
  lastResult: ProbeResult | null;
  failures: number;
  successes: number;
  nextProbeAt: string | null;
}

interface Track {
  failures: number;
  successes: number;
  nextAt: number;
  backoffMs: number;
  lastAt: number | null;
  last: ProbeResult | null;
}

export class HealthMonitor {
  private readonly tracks = new Map<number, Track>();
  private running: Promise<HealthChange[]> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly probes: Probes,
  ) {}

  /** Probes every provider that is due. Overlapping calls share one pass. */
  tick(force = false): Promise<HealthChange[]> {
    this.running ??= this.pass(force).finally(() => (this.running = null));
    return this.running;
  }

  /** Probes one provider now, whatever its schedule (the UI's "check now"). */
  async probeNow(providerId: number): Promise<HealthChange | null> {
    const t = this.engine.repos.health.byId(providerId);
    if (!t) return null;
    return this.probeOne(t);
  }

  nextWakeMs(capMs = 60_000): number {
    const now = this.engine.clock.now();
    let next = now + capMs;
    for (const t of this.tracks.values()) next = Math.min(next, t.nextAt);
    return Math.max(0, next - now);
  }

  view(): ProviderHealthView[] {
    return this.engine.repos.health.targets().map((t) => {
      const tr = this.tracks.get(t.id);
      return {
        providerId: t.id,
        provider: t.name,
        kind: t.kind,
        state: t.health,
        since: t.healthChangedAt,
        lastProbeAt: tr?.lastAt ? new Date(tr.lastAt).toISOString() : null,
        lastResult: tr?.last ?? null,
        failures: tr?.failures ?? 0,
        successes: tr?.successes ?? 0,
        nextProbeAt: tr ? new Date(tr.nextAt).toISOString() : null,
      };
    });
  }

  private async pass(force: boolean): Promise<HealthChange[]> {
    const now = this.engine.clock.now();
    const due = this.engine.repos.health
      .targets()
      .filter((t) => t.health !== 'paused' && (force || (this.tracks.get(t.id)?.nextAt ?? 0) <= now));
    const changes = await Promise.all(due.map((t) => this.probeOne(t)));
    return changes.filter((c): c is HealthChange => c !== null);
  }

  private async probeOne(t: ProviderRow): Promise<HealthChange | null> {
    const s = healthSettings(this.engine);
    const probe = t.kind === 'esp' ? this.probes.esp : this.probes.smtp;
    const ac = new AbortController();
    const timeoutMs = s.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    let result: ProbeResult;
    try {
      result = await Promise.race([
        probe(t, ac.signal),
        new Promise<ProbeResult>((resolve) => {
          timer = setTimeout(() => {
            ac.abort();
            resolve({ state: 'fail', detail: `no answer within ${s.timeoutSeconds} s` });
          }, timeoutMs);
          timer.unref?.();
        }),
      ]);
    } catch (e) {
      result = { state: 'fail', detail: (e as Error)?.message ?? String(e) };
    } finally {
      if (timer) clearTimeout(timer);
    }
    return this.apply(t, result);
  }

  /** The hysteresis state machine. Exposed for tests through probe results, not called directly. */
  private apply(t: ProviderRow, r: ProbeResult): HealthChange | null {
    const s = healthSettings(this.engine);
    const now = this.engine.clock.now();
    const interval = s.intervalSeconds * 1000;
    const quick = Math.min(interval, Math.max(1_000, interval / 4));
    const tr: Track = this.tracks.get(t.id) ?? {
      failures: 0,
      successes: 0,
      nextAt: 0,
      backoffMs: interval,
      lastAt: null,
      last: null,
    };
    this.tracks.set(t.id, tr);
    tr.lastAt = now;
    tr.last = r;
    // Re-read: another engine (the app beside `understudy run`) may have changed it meanwhile.
    const from = this.engine.repos.health.byId(t.id)?.health ?? t.health;
    let to: HealthState = from;

    if (r.state === 'unknown') {
      tr.nextAt = now + interval;
      return null;
    }
    if (r.state === 'fail') {
      tr.failures++;
      tr.successes = 0;
      if (tr.failures >= s.failuresToDown) to = 'down';
      else if (from !== 'down') to = 'degraded';
      if (to === 'down') {
        tr.nextAt = now + tr.backoffMs;
        // During an incident a recovery must be noticed within a minute: never more than 60 s apart.
        tr.backoffMs = Math.min(tr.backoffMs * 2, s.maxBackoffSeconds * 1000, INCIDENT_PROBE_MAX_MS);
      } else tr.nextAt = now + quick;
    } else {
      tr.successes++;
      tr.failures = 0;
      tr.backoffMs = interval;
      const answered: HealthState = r.state === 'ok' ? 'operational' : 'degraded';
      if (from === 'down') {
        to = tr.successes >= s.successesToUp ? answered : 'down';
        tr.nextAt = now + (to === 'down' ? quick : interval);
      } else {
        to = answered;
        tr.nextAt = now + interval;
      }
    }
    if (to === from) {
      // Down already (the sending engine's breaker marked it) but no incident yet: open it now.
      if (to === 'down' && !this.engine.repos.incidents.openFor(t.id))
        onHealthChange(this.engine, t, 'degraded', 'down', r.detail);
      return null;
    }
    const at = this.engine.now();
    this.engine.repos.health.setHealth(t.id, to, at);
    const incident = onHealthChange(this.engine, t, from, to, r.detail);
    const change: HealthChange = {
      providerId: t.id,
      provider: t.name,
      kind: t.kind,
      from,
      to,
      detail: r.detail,
      at,
      incidentId: incident?.id ?? null,
    };
    this.engine.record({
      type: 'health.changed',
      severity: to === 'down' ? 'error' : to === 'degraded' ? 'warning' : 'info',
      message: `${t.name}: ${from} → ${to} (${r.detail})`,
      providerId: t.id,
      incidentId: incident?.id ?? null,
      data: { from, to, detail: r.detail, latencyMs: r.latencyMs ?? null },
    });
    this.engine.bus.emit('health.changed', change);
    return change;
  }
}
