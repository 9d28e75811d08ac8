/**
 * Engine events: what the UI, the CLI's progress line and the incident log listen to. Durable events
 * (state changes) are also appended to the `events` table; progress ticks are not. The channels and
 * their payloads are the contract's (`api/events.ts#eventChannels`); the map is exact, so emitting on
 * an undeclared channel or with the wrong payload does not compile.
 */
import { EventEmitter } from 'node:events';
import type { EventRow } from './db/repos/events';
import type { EventChannel, EventPayload } from './api/events';

export type EngineEventMap = {
  /** A durable event was recorded in the timeline (the engine's row: its type is still a string). */
  [C in EventChannel]: [C extends 'event' ? EventRow : EventPayload<C>];
};

export class EngineBus extends EventEmitter<EngineEventMap> {}
