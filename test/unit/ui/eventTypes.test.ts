/**
 * Event types are one closed union declared in the contract (api/words.ts#TimelineEventType), and the
 * engine's bus has exactly the contract's channels. Most of this file is checked by the compiler
 * (`npx tsc -p tsconfig.json`, which includes the tests): an undeclared event type, channel or payload
 * does not compile, and a `@ts-expect-error` below that stops erroring fails the type check.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import type { EngineEventMap } from '../../../electron/engine/events';
import type { EventInput, EventRow } from '../../../electron/engine/db/repos/events';
import { EVENT_CHANNELS, eventChannels, type EventChannel } from '../../../electron/engine/api/events';
import type { NotificationEvent } from '../../../electron/engine/api/continuity';
import { TIMELINE_EVENT_TYPES, type TimelineEventType } from '../../../electron/engine/api/words';

/** Never called: the compiler checks these lines. */
function onlyDeclaredTypesCompile(engine: Engine) {
  engine.record({ type: 'send.finished', message: 'ok' });
  // @ts-expect-error an event type the contract does not declare
  engine.record({ type: 'send.finishd', message: 'a typo' });
  // @ts-expect-error a free string is not an event type
  engine.record({ type: String('send.finished'), message: 'computed' });
  // @ts-expect-error a channel the contract does not declare
  engine.bus.emit('send.progres', {});
  // @ts-expect-error a listener on an undeclared channel
  engine.bus.on('sync.finished', () => undefined);
  // @ts-expect-error a payload of the wrong shape
  engine.bus.emit('notification', { title: 'Only a title' });
  engine.bus.on('notification', (n) => expectTypeOf(n).toEqualTypeOf<NotificationEvent>());
  engine.bus.on('event', (row) => expectTypeOf(row).toEqualTypeOf<EventRow>());
}

describe('event types', () => {
  it('engine.record takes exactly the declared union', () => {
    expectTypeOf<EventInput['type']>().toEqualTypeOf<TimelineEventType>();
    expectTypeOf<'send.finished'>().toExtend<EventInput['type']>();
    expectTypeOf<'send.finishd'>().not.toExtend<EventInput['type']>();
    expectTypeOf<string>().not.toExtend<EventInput['type']>();
    expect(typeof onlyDeclaredTypesCompile).toBe('function');
  });

  it('the bus has the contract channels and no others', () => {
    expectTypeOf<keyof EngineEventMap>().toEqualTypeOf<EventChannel>();
    expect([...EVENT_CHANNELS].sort()).toEqual(Object.keys(eventChannels).sort());
  });

  it('each event type is declared once', () => {
    const seen = new Set<string>();
    const twice = TIMELINE_EVENT_TYPES.filter((t) => seen.size === seen.add(t).size);
    expect(twice).toEqual([]);
    expect(TIMELINE_EVENT_TYPES.length).toBeGreaterThan(50);
  });
});
