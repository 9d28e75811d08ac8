/**
 * Warm and cold backups (issue 16, §3). A provider's sending history is kept per UTC day
 * (`provider_daily`, migration 21). A provider is cold when it has never sent, or has not sent for
 * longer than the idle setting (30 days by default): it then gets its warm-up curve (presets.ts, or the
 * one the person set) on top of its caps, from its first send of the new streak. The person can
 * declare it warm; an idle gap after that makes it cold again. Computed, never stored.
 */
import type { Engine } from '../engine';
import { userError } from '../errors';
import type { ProviderRow } from '../db/repos/providers';
import { warmupCapAt, DAY_SECONDS, type WarmupCurve, type WarmupState } from './limiter';
import { warmupCurveFor } from './presets';
import type { WarmupState as WarmupPhase } from '../api/capacity';

export const WARMUP_IDLE_DAYS_KEY = 'sending.warmupIdleDays';
export const DEFAULT_WARMUP_IDLE_DAYS = 30;
const DAY_MS = DAY_SECONDS * 1000;

export interface WarmupFacts {
  /** Sending days, oldest first ('YYYY-MM-DD', UTC). */
  days: { day: string; sent: number }[];
  declaredWarmAt: string | null;
  curve: WarmupCurve | null;
  idleDays: number;
  nowMs: number;
}

export interface WarmupView {
  state: WarmupPhase;
  /** Days since it last sent (null: never). */
  idleDays: number | null;
  lastSentDay: string | null;
  /** Messages in the last 30 UTC days, per day (the days it sent). */
  recent: { day: string; sent: number }[];
  curve: WarmupCurve | null;
  /** Day of the curve today (0-based) while warming, else null. */
  curveDay: number | null;
  /** Its warm-up cap per hour now (null: none applies). */
  capPerHour: number | null;
  declaredWarm: boolean;
  /** What the limiter enforces: null when warm. */
  limiter: WarmupState | null;
}

const dayMs = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/** Pure: where a provider is on its warm-up, from its daily history and what the person said. */
export function warmupOf(f: WarmupFacts): WarmupView {
  const last = f.days.length ? f.days[f.days.length - 1]! : null;
  // The current streak: the first sending day after the last idle gap longer than the setting.
  let streak: string | null = null;
  for (let i = 0; i < f.days.length; i++) {
    const gap = i === 0 ? Infinity : (dayMs(f.days[i]!.day) - dayMs(f.days[i - 1]!.day)) / DAY_MS;
    if (gap > f.idleDays) streak = f.days[i]!.day;
  }
  const lastActive = Math.max(
    last ? dayMs(last.day) + DAY_MS - 1 : -Infinity,
    f.declaredWarmAt ? Date.parse(f.declaredWarmAt) : -Infinity,
  );
  const idle = last ? Math.floor((f.nowMs - dayMs(last.day)) / DAY_MS) : null;
  const recentFrom = new Date(f.nowMs - 30 * DAY_MS).toISOString().slice(0, 10);
  const base = {
    idleDays: idle,
    lastSentDay: last?.day ?? null,
    recent: f.days.filter((d) => d.day >= recentFrom),
    curve: f.curve,
  };
  const coldNow = lastActive === -Infinity || f.nowMs - lastActive > f.idleDays * DAY_MS;
  const declared =
    !coldNow &&
    f.declaredWarmAt !== null &&
    (streak === null || Date.parse(f.declaredWarmAt) >= dayMs(streak));
  const warm = { ...base, state: 'warm' as const, curveDay: null, capPerHour: null, limiter: null };
  if (f.curve === null) return { ...warm, declaredWarm: declared };
  if (declared) return { ...warm, declaredWarm: true };
  if (coldNow || streak === null) {
    const limiter: WarmupState = { curve: f.curve, startSecond: null };
    return {
      ...base,
      state: 'cold',
      curveDay: 0,
      capPerHour: f.curve.perHourStart,
      declaredWarm: false,
      limiter,
    };
  }
  const startSecond = dayMs(streak) / 1000;
  const day = Math.floor((f.nowMs / 1000 - startSecond) / DAY_SECONDS);
  if (day >= f.curve.days) return { ...warm, declaredWarm: false };
  const limiter: WarmupState = { curve: f.curve, startSecond };
  return {
    ...base,
    state: 'warming',
    curveDay: day,
    capPerHour: warmupCapAt(limiter, Math.floor(f.nowMs / 1000)),
    declaredWarm: false,
    limiter,
  };
}

export function warmupIdleDays(engine: Engine): number {
  const v = engine.repos.settings.get<number>(WARMUP_IDLE_DAYS_KEY);
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : DEFAULT_WARMUP_IDLE_DAYS;
}

function isCurve(c: unknown): c is WarmupCurve {
  const o = c as Partial<WarmupCurve> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.perHourStart === 'number' &&
    typeof o.dailyGrowth === 'number' &&
    typeof o.days === 'number'
  );
}

export function curveOf(engine: Engine, p: ProviderRow): WarmupCurve | null {
  const saved = engine.repos.providerState.warmup(p.id);
  if (saved && isCurve(saved.curve)) return saved.curve.days === 0 ? null : saved.curve;
  return warmupCurveFor(p.preset);
}

export function providerWarmup(engine: Engine, p: ProviderRow): WarmupView {
  const nowMs = engine.clock.now();
  const idleDays = warmupIdleDays(engine);
  return warmupOf({
    days: engine.repos.providerState.dailySends(p.id),
    declaredWarmAt: engine.repos.providerState.warmup(p.id)?.declaredWarmAt ?? null,
    curve: curveOf(engine, p),
    idleDays,
    nowMs,
  });
}

export interface WarmupChange {
  /** true: declare warm now; false: forget the declaration (it warms up again if cold). */
  warm?: boolean | undefined;
  /** A curve of its own; `days: 0` switches the warm-up off for this provider; null: the preset's. */
  curve?: WarmupCurve | null | undefined;
}

export function checkCurve(c: WarmupCurve): WarmupCurve {
  const bad = (what: string) =>
    userError(`The warm-up curve's ${what}.`, {
      code: 'bad_warmup_curve',
      safe: 'Nothing was changed.',
      next: 'Give a start of 1 to 100,000 messages an hour, a daily growth from 1 to 10 and 0 to 365 days (0 = no warm-up).',
    });
  if (!Number.isInteger(c.perHourStart) || c.perHourStart < 1 || c.perHourStart > 100_000)
    throw bad('start must be a whole number of messages an hour from 1 to 100,000');
  if (!Number.isFinite(c.dailyGrowth) || c.dailyGrowth < 1 || c.dailyGrowth > 10)
    throw bad('daily growth must be between 1 and 10');
  if (!Number.isInteger(c.days) || c.days < 0 || c.days > 365) throw bad('length must be 0 to 365 days');
  return c;
}

/** Records what the person said; the limiter picks it up at the next run (its cache is dropped). */
export function changeWarmup(engine: Engine, p: ProviderRow, change: WarmupChange): WarmupView {
  const saved = engine.repos.providerState.warmup(p.id);
  const declared =
    change.warm === undefined ? (saved?.declaredWarmAt ?? null) : change.warm ? engine.now() : null;
  const curve =
    change.curve === undefined ? (saved?.curve ?? null) : change.curve && checkCurve(change.curve);
  engine.repos.providerState.saveWarmup(p.id, declared, curve ?? null, engine.now());
  const view = providerWarmup(engine, p);
  engine.record({
    type: 'provider.warmup_changed',
    message:
      change.warm === true
        ? `"${p.name}" was declared warm: only its own sending limits apply.`
        : change.warm === false
          ? `"${p.name}" is no longer declared warm: ${view.state === 'warm' ? 'its sending history says it is warm.' : 'it warms up again from its next send.'}`
          : `"${p.name}"'s warm-up curve was changed.`,
    providerId: p.id,
    data: { warm: change.warm ?? null, curve: curve ?? null, state: view.state },
  });
  return view;
}

export function setWarmupIdleDays(engine: Engine, days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw userError('The idle time after which a provider is cold must be 1 to 3,650 whole days.', {
      code: 'bad_idle_days',
      safe: 'Nothing was changed.',
      next: 'Give a number of days such as 30 (the usual advice).',
    });
  engine.repos.settings.set(WARMUP_IDLE_DAYS_KEY, days, engine.now());
  return days;
}
