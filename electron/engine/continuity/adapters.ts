/**
 * Binds the continuity engine's ports to the real sending engine and ESP connectors. This is the one
 * file that knows their APIs; everything else in continuity/ depends on ports.ts.
 */
import type { Engine } from '../engine';
import {
  runCampaign,
  pauseCampaign,
  resumeCampaign,
  cancelCampaign,
  resumeInterruptedRuns,
} from '../sending';
import { providerSecret } from '../sending/providers';
import { createVerifyTransport } from '../sending/transport';
import type { ProviderRow } from '../db/repos/providers';
import { finishRecovery, pushBackWhereDue, runObligations, tryCustodyNow } from '../mirror/esp/custody';
import { openConnector } from '../mirror/esp/connections';
import { isUnderstudyError } from '../errors';
import type { EspControl, Sender } from './ports';
import type { Probes, ProbeResult } from './health';
import { ContinuityService, type ServiceParts } from './service';

export function realSender(engine: Engine): Sender {
  return {
    run: (id, opts) =>
      runCampaign(engine, id, {
        ...(opts.via ? { via: opts.via } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    pause: (id) => void pauseCampaign(engine, id),
    resume: async (id) => void (await resumeCampaign(engine, id)),
    cancel: (id) => void cancelCampaign(engine, id),
  };
}

export function realEsp(engine: Engine): EspControl {
  return {
    // The campaign was just taken over (its duty recorded): try the duty now, even with the ESP
    // marked down (a partial outage may still let the unschedule through).
    unschedule: (id) => tryCustodyNow(engine, id, { evenIfDown: true }),
  };
}

function providerRow(engine: Engine, id: number): ProviderRow | undefined {
  return engine.repos.providers.byId(id);
}

/** SMTP: connect, EHLO, STARTTLS, AUTH, QUIT (nodemailer verify) — nothing is sent. */
export async function probeSmtp(engine: Engine, providerId: number): Promise<ProbeResult> {
  const p = providerRow(engine, providerId);
  if (!p) return { state: 'unknown', detail: 'the provider was removed' };
  let secret: string | undefined;
  try {
    secret = p.secretRef ? (engine.services.secrets.store(), await providerSecret(engine, p)) : undefined;
  } catch (e) {
    // No secret store open (a CLI without the passphrase): say nothing rather than "down".
    if (isUnderstudyError(e) && (e.code === 'secrets_unavailable' || e.code === 'secret_missing'))
      return { state: 'unknown', detail: e.message };
    throw e;
  }
  const t = createVerifyTransport(p, secret);
  const t0 = Date.now();
  try {
    await t.verify();
    return { state: 'ok', detail: 'connect, EHLO and AUTH answered', latencyMs: Date.now() - t0 };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    // A refused login means this account cannot send (an expired or changed password is the classic):
    // for the outage policy that is as down as a dead server, so it counts as a failure.
    if (err.code === 'EAUTH')
      return { state: 'fail', detail: `login refused (${err.message ?? ''}); the password may have expired` };
    return { state: 'fail', detail: err.message ?? String(e), latencyMs: Date.now() - t0 };
  } finally {
    t.close();
  }
}

/** ESP: the connector's health (cheapest authenticated API call + Statuspage). */
export async function probeEsp(
  engine: Engine,
  providerId: number,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const p = engine.repos.espSync.providerById(providerId);
  if (!p) return { state: 'unknown', detail: 'the connection was removed' };
  let connector;
  try {
    // One attempt: the monitor counts failed probes itself (failuresToDown); retrying here with
    // backoff held the pass (and the outage alert) for up to ~15 s on a 503.
    connector = await openConnector(engine, p, { maxAttempts: 1 });
  } catch (e) {
    return { state: 'unknown', detail: (e as Error).message };
  }
  const h = await connector.health({ signal });
  const detail = [h.api.message, h.statusPage ? `status page: ${h.statusPage.description}` : null]
    .filter(Boolean)
    .join('; ');
  return {
    state: h.overall === 'operational' ? 'ok' : h.overall === 'degraded' ? 'degraded' : 'fail',
    detail,
    ...(h.api.latencyMs !== null && h.api.latencyMs !== undefined ? { latencyMs: h.api.latencyMs } : {}),
  };
}

export function realProbes(engine: Engine): Probes {
  return {
    smtp: (t) => probeSmtp(engine, t.id),
    esp: (t, signal) => probeEsp(engine, t.id, signal),
  };
}

/** The continuity service wired to the real sending engine, ESP connectors and probes. */
export function createContinuity(
  engine: Engine,
  extra: { periodic?: ServiceParts['periodic']; maxSleepMs?: number } = {},
): ContinuityService {
  return (
    ContinuityService.of(engine) ??
    new ContinuityService(engine, {
      ports: { sender: realSender(engine), esp: realEsp(engine) },
      probes: realProbes(engine),
      custody: {
        obligations: (signal) => runObligations(engine, { signal }),
        recovered: (providerId, incidentId, signal) => finishRecovery(engine, providerId, incidentId, signal),
        pushBack: (signal) => pushBackWhereDue(engine, signal),
      },
      resumeInterrupted: (signal) => resumeInterruptedRuns(engine, { signal }),
      ...(extra.periodic ? { periodic: extra.periodic } : {}),
      ...(extra.maxSleepMs ? { maxSleepMs: extra.maxSleepMs } : {}),
    })
  );
}

/** How often drills run by default: weekly. */
export const DRILL_EVERY_KEY = 'continuity.drills.everyHours';
