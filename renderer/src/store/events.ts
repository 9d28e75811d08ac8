/**
 * Events slice: the live timeline (the last few hundred durable events) and a generic loader for the
 * screens whose calls belong to other engine areas: each resource remembers whether the engine has
 * the call at all, so a screen can say "not available yet" honestly instead of showing fake data.
 */
import type { StateCreator } from 'zustand';
import type { Store } from './index';
import type { ApiError } from '../api/types';
import { api, has } from '../api/client';
import type { TimelineEvent } from '../../../electron/engine/api/common';
import type { SendProgress } from '../../../electron/engine/api/sending';

/** A durable timeline event, as the contract declares it. */
export type { TimelineEvent };

export interface Resource {
  state: 'unavailable' | 'loading' | 'ok' | 'error';
  value: unknown;
  error: ApiError | null;
}

const MAX_EVENTS = 300;

/** A run's counts (the contract's `send.progress` payload) and when the renderer first saw the run. */
export type SendProgressT = SendProgress & {
  /** When the renderer first saw this run, for the estimate. */
  seenAt?: number;
};

export interface EventsSlice {
  timeline: TimelineEvent[];
  resources: Record<string, Resource>;
  /** Bumped (at most once a second) when the engine reports a change; loaded panels reload. */
  dataVersion: number;
  sendProgress: Record<number, SendProgressT>;
  bumpData(): void;
  onSendProgress(p: SendProgressT): void;
  pushEvent(e: TimelineEvent): void;
  load(name: string, input?: unknown): Promise<void>;
  /** Runs a call that changes data; returns the envelope so the caller can show its error. */
  act(name: string, input?: unknown): Promise<{ ok: boolean; error?: ApiError; value?: unknown }>;
}

let bumpTimer: ReturnType<typeof setTimeout> | null = null;

export const createEventsSlice: StateCreator<Store, [], [], EventsSlice> = (set) => ({
  timeline: [],
  resources: {},
  dataVersion: 0,
  sendProgress: {},
  bumpData() {
    if (bumpTimer) return;
    bumpTimer = setTimeout(() => {
      bumpTimer = null;
      set((s) => ({ dataVersion: s.dataVersion + 1 }));
    }, 400);
  },
  onSendProgress: (p) =>
    set((s) => ({
      sendProgress: {
        ...s.sendProgress,
        [p.campaignId]: { ...p, seenAt: s.sendProgress[p.campaignId]?.seenAt ?? Date.now() },
      },
    })),
  pushEvent: (e) => set((s) => ({ timeline: [e, ...s.timeline].slice(0, MAX_EVENTS) })),
  async load(name, input) {
    const key = resourceKey(name, input);
    if (!has(name)) {
      set((s) => ({
        resources: { ...s.resources, [key]: { state: 'unavailable', value: null, error: null } },
      }));
      return;
    }
    set((s) => ({
      resources: {
        ...s.resources,
        [key]: { ...(s.resources[key] ?? { value: null, error: null }), state: 'loading' },
      },
    }));
    const env = await api().call(name, input ?? {});
    set((s) => ({
      resources: {
        ...s.resources,
        [key]: env.ok
          ? { state: 'ok', value: env.value, error: null }
          : { state: 'error', value: null, error: env.error },
      },
    }));
  },
  async act(name, input) {
    if (!has(name)) {
      return {
        ok: false,
        error: {
          kind: 'user',
          code: 'unavailable',
          message: `This version of the engine cannot do "${name}" yet.`,
          safe: 'Nothing was changed.',
        },
      };
    }
    const env = await api().call(name, input ?? {});
    return env.ok ? { ok: true, value: env.value } : { ok: false, error: env.error };
  },
});

export function resourceKey(name: string, input?: unknown): string {
  return input === undefined ? name : `${name}:${JSON.stringify(input)}`;
}
