/** Handlers for capacity and warm-up (issue 16, §3 and §4). */
import type { capacityCalls, ProviderWarmup } from '../api/capacity';
import type { HandlersFor } from './types';
import type { Engine } from '../engine';
import { campaignCapacity } from '../sending/campaignCapacity';
import { changeWarmup, providerWarmup, setWarmupIdleDays, type WarmupView } from '../sending/warmup';
import { requireProvider } from '../sending/providers';
import { forgetProvider } from '../sending/context';

export function toApiWarmup(name: string, w: WarmupView): ProviderWarmup {
  return {
    name,
    state: w.state,
    idleDays: w.idleDays,
    lastSentDay: w.lastSentDay,
    recent: w.recent,
    curve: w.curve,
    curveDay: w.curveDay,
    capPerHour: w.capPerHour,
    declaredWarm: w.declaredWarm,
  };
}

export const capacityHandlers: HandlersFor<typeof capacityCalls> = {
  campaignCapacity: (engine, input) => campaignCapacity(engine, input.id, { via: input.via }),
  providerWarmup: (engine, input) => {
    const p = requireProvider(engine, input.name);
    return toApiWarmup(p.name, providerWarmup(engine, p));
  },
  setProviderWarmup: (engine: Engine, input) => {
    const p = requireProvider(engine, input.name);
    const view = changeWarmup(engine, p, { warm: input.warm, curve: input.curve });
    forgetProvider(engine, p.id);
    return toApiWarmup(p.name, view);
  },
  setWarmupIdleDays: (engine, input) => ({ days: setWarmupIdleDays(engine, input.days) }),
};
