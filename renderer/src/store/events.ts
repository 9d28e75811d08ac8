/**
 * Events slice: the live timeline (the last few hundred durable events), the live send progress, and
 * a loader for any call of the contract: `load` keeps a call's answer under its name and input,
 * `act` runs a call that changes data. Both are typed by the call's name (input and output come from
 * electron/engine/api/contract.ts), so a screen never casts what it gets back.
 */
import type { StateCreator } from 'zustand';
import type { Store } from './index';
import type { ApiError, CallName, CallOutput } from '../api/types';
import type { CallResult, InputArgs } from '../api/bridge';
import type { SendProgress } from '../../../electron/engine/api/sending';
import type { EventPayload } from '../../../electron/engine/api/events';
import { api } from '../api/client';

/** A durable timeline event, as the contract's `event` channel carries it. */
export type TimelineEvent = EventPayload<'event'>;

/** A call's answer as a panel shows it: loading, the value, or the error. */
export interface Resource<T = unknown> {
  state: 'loading' | 'ok' | 'error';
  value: T | null;
  error: ApiError | null;
}

const MAX_EVENTS = 300;

/** A run's latest send.progress tick, as the contract declares it. */
export type SendProgressT = SendProgress;

export interface EventsSlice {
  timeline: TimelineEvent[];
  resources: Record<string, Resource>;
  /** Bumped (at most once a second) when the engine reports a change; loaded panels reload. */
  dataVersion: number;
  sendProgress: Record<number, SendProgressT>;
  bumpData(): void;
  onSendProgress(p: SendProgressT): void;
  pushEvent(e: TimelineEvent): void;
  /** Loads a call's answer into `resources` (read it with `useResource`). */
  load<N extends CallName>(name: N, ...args: InputArgs<N>): Promise<void>;
  /** Runs a call that changes data; returns the envelope so the caller can show its error. */
  act<N extends CallName>(name: N, ...args: InputArgs<N>): Promise<CallResult<N>>;
}

/** The loaded answer of a call, typed by its name. */
export function resourceOf<N extends CallName>(
  resources: Record<string, Resource>,
  key: string,
): Resource<CallOutput<N>> | undefined {
  // Only `load` writes `resources[key]`, with the answer of the call the key names.
  return resources[key] as Resource<CallOutput<N>> | undefined;
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
        [p.campaignId]: p,
      },
    })),
  pushEvent: (e) => set((s) => ({ timeline: [e, ...s.timeline].slice(0, MAX_EVENTS) })),
  async load(name, ...args) {
    const key = resourceKey(name, args[0]);
    set((s) => ({
      resources: {
        ...s.resources,
        [key]: { ...(s.resources[key] ?? { value: null, error: null }), state: 'loading' },
      },
    }));
    const env = await api().call(name, ...args);
    set((s) => ({
      resources: {
        ...s.resources,
        [key]: env.ok
          ? { state: 'ok', value: env.value, error: null }
          : { state: 'error', value: null, error: env.error },
      },
    }));
  },
  act: (name, ...args) => api().call(name, ...args),
});

export function resourceKey(name: string, input?: unknown): string {
  return input === undefined ? name : `${name}:${JSON.stringify(input)}`;
}
