/** Kit shapes → ours: states, dates, fields, broadcast filters, the unschedule body, error bodies. */
import { describe, expect, it } from 'vitest';
import {
  kitStatus,
  kitIso,
  kitMember,
  filterTags,
  unscheduleBody,
} from '../../../electron/engine/mirror/esp/kit/map';
import { dayBefore, describeKitError } from '../../../electron/engine/mirror/esp/kit';
import { SENDABLE_STATUSES } from '../../../electron/engine/model/status';

describe('Kit mapping', () => {
  it('maps every Kit state; unknown states are never sendable', () => {
    expect(['active', 'cold', 'inactive', 'cancelled', 'bounced', 'complained'].map(kitStatus)).toEqual([
      'subscribed',
      'subscribed',
      'pending',
      'unsubscribed',
      'bounced',
      'complained',
    ]);
    expect(SENDABLE_STATUSES).not.toContain(kitStatus('something_new'));
  });

  it('normalises dates to UTC and keeps fields as text, dropping nulls', () => {
    expect(kitIso('2023-02-17T11:43:55+02:00')).toBe('2023-02-17T09:43:55.000Z');
    expect(kitIso('not a date')).toBeNull();
    const m = kitMember(
      {
        id: 5,
        first_name: null,
        email_address: 'a@example.com',
        state: 'cold',
        created_at: '2024-01-01T00:00:00Z',
        fields: { company: 'Acme', age: 40, empty: null },
      },
      ['b', 'a'],
    );
    expect(m).toMatchObject({
      espId: '5',
      firstName: '',
      status: 'subscribed',
      statusReason: 'cold',
      tags: ['a', 'b'],
      mergeFields: { company: 'Acme', age: '40' },
    });
    expect(m.mergeFields).not.toHaveProperty('empty');
  });

  it('reads a broadcast filter into tag ids by clause', () => {
    expect(filterTags(null).everyone).toBe(true);
    const f = filterTags([
      {
        all: [{ type: 'tag', ids: [1, 2] }],
        any: [{ type: 'segment', ids: [9] }],
        none: [{ type: 'tag', ids: [3] }],
      },
    ]);
    expect(f).toEqual({ all: ['1', '2'], any: [], none: ['3'], segments: ['9'], everyone: false });
  });

  it('unschedules by sending the broadcast back whole with send_at null and every filter clause present', () => {
    const body = unscheduleBody({
      id: 1,
      subject: 'S',
      content: '<p>x</p>',
      send_at: '2030-01-01T00:00:00Z',
      subscriber_filter: [{ all: [{ type: 'tag', ids: [1] }] }],
    });
    expect(body.send_at).toBeNull();
    expect(body.content).toBe('<p>x</p>');
    expect(body.subscriber_filter).toEqual([{ all: [{ type: 'tag', ids: [1] }], any: null, none: null }]);
  });

  it('starts an updated_after filter a day early (Kit filters by date)', () => {
    expect(dayBefore('2026-03-05T00:30:00.000Z')).toBe('2026-03-04');
  });

  it('turns Kit error bodies into plain messages', () => {
    const base = { status: 401, method: 'GET', path: '/v4/account' };
    expect(
      describeKitError({ ...base, body: { errors: ['The access token is invalid'] }, text: '' })?.message,
    ).toBe('The access token is invalid');
    expect(describeKitError({ ...base, status: 429, body: undefined, text: 'Retry later' })?.message).toBe(
      'Retry later',
    );
  });
});
