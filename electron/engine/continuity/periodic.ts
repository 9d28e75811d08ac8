/**
 * The periodic work of a running engine, wired once for every runtime: `understudy run`,
 * `understudy serve` (browser mode) and the desktop app's engine host all call startPeriodicWork.
 *
 * Each pass of the continuity service runs, in this order: health probes; custody duties (an ESP that
 * answers again is told everything first); the scheduler; scheduled backups; then the jobs below —
 * the scheduled sync of every ESP connection (incremental every `sync.everyMinutes`, a full pass every
 * `sync.fullEveryHours`; skipped while its ESP is down, run at the first pass after it is back), the
 * mirror's freshness (a copy older than twice the interval raises a warning), the backup mailbox, the
 * bounces and complaints relays keep to themselves (relayFeedback.ts, also pulled after each campaign)
 * and drills. The team alert channel (teamAlerts.ts) runs alongside.
 */
import type { Engine } from '../engine';
import { syncEsp } from '../mirror/esp/sync';
import { mirrorAge, mirrorSyncedAt, syncSettings } from '../mirror/esp/freshness';
import { ESP_DISPLAY_NAMES, MIRROR_EVENTS, isEspKind } from '../api/esp';
import { createContinuity } from './adapters';
import { drillEveryHours } from './drillInterval';
import type { ContinuityService, PeriodicWork } from './service';
import { mailboxSettings } from './mailbox';
import { processInbox } from './inbox';
import { runDrills } from './drills';
import { keepWarmCheckMs, runKeepWarm } from './keepWarm';
import { alert } from './notify';
import { startTeamAlerts, type TeamAlertOptions } from './teamAlerts';
import { pullAfterCampaigns, relayFeedbackJob } from './relayFeedback';

/** "Mailchimp" for a connection of type mailchimp. */
function connectionLabel(type: string): string {
  return isEspKind(type) ? ESP_DISPLAY_NAMES[type] : type;
}

export interface PeriodicOptions {
  /** Longest pause between passes (ms). */
  maxSleepMs?: number;
  alerts?: TeamAlertOptions;
}

/** Starts everything that runs on its own. Stopped (losing nothing) when the engine closes. */
export function startPeriodicWork(engine: Engine, opts: PeriodicOptions = {}): ContinuityService {
  startTeamAlerts(engine, opts.alerts ?? {});
  // Registered before the service's own stop, so it runs after it (closers run in reverse): the stop
  // aborts a running sync (its checkpoint keeps what was applied), and the engine closes once it settled.
  engine.onClose(() => syncIdle(engine));
  // Bounces and complaints a relay keeps to itself are pulled after each campaign it carried.
  const relayStop = new AbortController();
  const relayIdle = pullAfterCampaigns(engine, relayStop.signal);
  engine.onClose(async () => {
    relayStop.abort('shutdown');
    await relayIdle();
  });
  const service = createContinuity(engine, {
    periodic: periodicJobs(engine),
    ...(opts.maxSleepMs ? { maxSleepMs: opts.maxSleepMs } : {}),
  });
  service.start();
  return service;
}

/** After a failed scheduled sync, the next try waits this long (or the interval, if shorter). */
const SYNC_RETRY_MS = 5 * 60_000;
const LAST_FULL_KEY = 'continuity.sync.lastFull';

function lastFull(engine: Engine): Record<string, string> {
  const v = engine.repos.settings.get<Record<string, string>>(LAST_FULL_KEY);
  return v && typeof v === 'object' ? v : {};
}

/**
 * Syncs every enabled ESP connection whose mirror is older than the interval. An ESP that is down is
 * skipped (no request is made) and synced at the first pass after it is back; custody duties and
 * push-back have run before this in the same pass. Returns one line of what it did.
 */
export async function syncDue(engine: Engine, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const s = syncSettings(engine);
  const every = s.everyMinutes * 60_000;
  const mem = engine.services.sync;
  const lines: string[] = [];
  for (const p of engine.repos.espSync.providers()) {
    if (opts.signal?.aborted) break;
    if (!p.enabled) continue;
    const now = engine.clock.now();
    const asOf = mirrorSyncedAt(engine, p.id);
    // An ESP that is down is remembered even when its copy is not due yet: whatever changed there
    // during the outage (and what recovery just told it) is mirrored at the first pass it is back.
    if (p.health === 'down') {
      if (!mem.skipped.has(p.id)) {
        mem.skipped.add(p.id);
        engine.record({
          type: MIRROR_EVENTS.skipped,
          message: `The scheduled sync of "${p.name}" waits: ${connectionLabel(p.type)} is down. It runs as soon as ${connectionLabel(p.type)} is back.`,
          providerId: p.id,
        });
      }
      lines.push(`${p.name}: skipped (down)`);
      continue;
    }
    const wasDown = mem.skipped.delete(p.id);
    if (!wasDown && asOf !== null && now - Date.parse(asOf) < every) continue;
    const tried = mem.tried.get(p.id);
    if (!wasDown && tried !== undefined && now - tried < Math.min(every, SYNC_RETRY_MS)) continue;
    mem.tried.set(p.id, now);
    const fulls = lastFull(engine);
    const lf = fulls[String(p.id)];
    const full = lf === undefined || now - Date.parse(lf) >= s.fullEveryHours * 3_600_000;
    try {
      const [r] = await syncEsp(engine, { esp: p.name, full, signal: opts.signal });
      if (full)
        engine.repos.settings.set(
          LAST_FULL_KEY,
          { ...lastFull(engine), [String(p.id)]: new Date(now).toISOString() },
          engine.now(),
        );
      lines.push(`${p.name}: ${r?.mode ?? (full ? 'full' : 'incremental')} sync`);
    } catch (e) {
      // syncEsp recorded it (esp.sync_failed); tried again after SYNC_RETRY_MS.
      lines.push(`${p.name}: failed (${(e as Error).message})`);
    }
  }
  return lines.join('; ') || 'nothing due';
}

/**
 * Starts syncDue without making the pass wait for it: a full pass of a large list takes minutes, and
 * the scheduler's next pass must not wait behind it. One at a time per engine; the mirror's freshness
 * is checked again as soon as it ends.
 */
export function syncInBackground(engine: Engine, signal: AbortSignal): string {
  const state = engine.services.sync;
  if (state.background) return 'a sync is still running';
  const p = syncDue(engine, { signal })
    .then((line) => {
      state.lastLine = line;
      if (!signal.aborted) checkFreshness(engine);
      return line;
    })
    .finally(() => {
      state.background = null;
    });
  p.catch(() => undefined);
  state.background = p;
  const last = state.lastLine;
  return `started${last ? ` (last: ${last})` : ''}`;
}

/** Resolves when the background sync (if any) has finished. */
export async function syncIdle(engine: Engine): Promise<void> {
  await engine.services.sync.background?.catch(() => undefined);
}

/** What the last scheduled sync did, in one line. */
export function lastSyncLine(engine: Engine): string | null {
  return engine.services.sync.lastLine;
}

/**
 * A mirror older than twice the sync interval: a warning (event and alert), once until it is synced
 * again; then a line that it is current again.
 */
export function checkFreshness(engine: Engine): string {
  const mem = engine.services.sync;
  const every = syncSettings(engine).everyMinutes;
  const stale: string[] = [];
  for (const p of engine.repos.espSync.providers()) {
    if (!p.enabled) continue;
    const age = mirrorAge(engine, p.id);
    const esp = connectionLabel(p.type);
    if (age.stale) {
      stale.push(p.name);
      if (mem.stale.has(p.id)) continue;
      mem.stale.add(p.id);
      alert(engine, `Your copy of ${esp} "${p.name}" is out of date`, {
        type: MIRROR_EVENTS.stale,
        severity: 'warning',
        providerId: p.id,
        message: `Understudy's copy of your ${esp} lists and campaigns ("${p.name}") was ${age.asOf ? `last synced ${age.words}` : 'never synced'}; it should be synced every ${every} minutes${p.health === 'down' ? `, but ${esp} is down` : ''}. Decisions made now rest on that older copy.`,
        data: { asOf: age.asOf, ageMs: age.ageMs, everyMinutes: every },
      });
    } else if (mem.stale.delete(p.id)) {
      engine.record({
        type: MIRROR_EVENTS.fresh,
        message: `Your copy of ${esp} "${p.name}" is current again (synced ${age.words}).`,
        providerId: p.id,
      });
    }
  }
  return stale.length ? `stale: ${stale.join(', ')}` : 'all current';
}

/** The jobs beyond the core loop, with their intervals. */
export function periodicJobs(engine: Engine): PeriodicWork[] {
  return [
    {
      // Checked every pass (cheap: a few reads); each connection syncs when its own interval is up, in
      // the background so the scheduler never waits behind a long sync.
      name: 'sync',
      everyMs: () => 0,
      run: (signal) => Promise.resolve(syncInBackground(engine, signal)),
    },
    { name: 'freshness', everyMs: () => 0, run: () => Promise.resolve(checkFreshness(engine)) },
    {
      name: 'inbox',
      everyMs: () => {
        const m = mailboxSettings(engine);
        return m ? m.pollMinutes * 60_000 : null;
      },
      run: (signal) => processInbox(engine, { signal }),
    },
    relayFeedbackJob(engine),
    {
      name: 'drills',
      everyMs: () => {
        const m = mailboxSettings(engine);
        const h = drillEveryHours(engine);
        return m?.seedAddress && h > 0 ? h * 3_600_000 : null;
      },
      run: (signal) => runDrills(engine, { signal }),
    },
    {
      // Keep-warm drills (issue 16, §3): looked for hourly while a provider has keep-warm on.
      name: 'keep-warm',
      everyMs: () => keepWarmCheckMs(engine),
      run: (signal) => runKeepWarm(engine, { signal }),
    },
  ];
}
