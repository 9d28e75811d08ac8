/** Klaviyo JSON:API → ours: consent and suppressions to statuses, profile fields, cursors, errors; the fake's filter parser. */
import { describe, expect, it } from 'vitest';
import {
  klStatus,
  klMember,
  nextCursor,
  q,
  type KlProfile,
} from '../../../electron/engine/mirror/esp/klaviyo/map';
import { describeKlaviyoError } from '../../../electron/engine/mirror/esp/klaviyo';
import { parseFilter } from '../../fakes/klaviyo';

const t = '2025-06-01T12:00:00+00:00';

describe('Klaviyo mapping', () => {
  it('decides a status from consent, global and list suppressions (strictest reason wins)', () => {
    expect(klStatus({ can_receive_email_marketing: true, consent: 'SUBSCRIBED' }, 'L').status).toBe(
      'subscribed',
    );
    expect(klStatus({ can_receive_email_marketing: true, consent: 'NEVER_SUBSCRIBED' }, 'L')).toMatchObject({
      status: 'subscribed',
      reason: 'NEVER_SUBSCRIBED',
    });
    expect(klStatus({ can_receive_email_marketing: false, consent: 'UNSUBSCRIBED' }, 'L').status).toBe(
      'unsubscribed',
    );
    expect(
      klStatus(
        {
          can_receive_email_marketing: false,
          consent: 'SUBSCRIBED',
          suppression: [
            { reason: 'UNSUBSCRIBE', timestamp: t },
            { reason: 'SPAM_COMPLAINT', timestamp: t },
          ],
        },
        'L',
      ),
    ).toMatchObject({ status: 'complained', reason: 'SPAM_COMPLAINT', at: '2025-06-01T12:00:00.000Z' });
    expect(
      klStatus(
        { can_receive_email_marketing: false, suppression: [{ reason: 'HARD_BOUNCE', timestamp: t }] },
        'L',
      ).status,
    ).toBe('bounced');
    expect(
      klStatus(
        { can_receive_email_marketing: false, suppression: [{ reason: 'INVALID_EMAIL', timestamp: t }] },
        'L',
      ).status,
    ).toBe('cleaned');
    const listSup = {
      can_receive_email_marketing: true,
      consent: 'SUBSCRIBED',
      list_suppressions: [{ list_id: 'L', reason: 'USER_SUPPRESSED', timestamp: t }],
    };
    expect(klStatus(listSup, 'L').status).toBe('unsubscribed');
    expect(klStatus(listSup, 'OTHER').status).toBe('subscribed');
    // No consent data at all: never sendable.
    expect(klStatus(undefined, 'L').status).toBe('pending');
  });

  it('keeps standard attributes and custom properties as merge fields, location as extra', () => {
    const p: KlProfile = {
      type: 'profile',
      id: '01ABC',
      attributes: {
        email: 'a@example.com',
        first_name: 'Ann',
        organization: 'Acme',
        properties: { Plan: 'gold', Kids: 2, Prefs: { a: 1 } },
        location: { city: 'Lyon', ip: '192.0.2.1' },
        joined_group_at: t,
        updated: t,
        subscriptions: {
          email: {
            marketing: {
              can_receive_email_marketing: true,
              consent: 'SUBSCRIBED',
              consent_timestamp: t,
              double_optin: true,
            },
          },
        },
      },
    };
    expect(klMember(p, 'L')).toMatchObject({
      espId: '01ABC',
      status: 'subscribed',
      firstName: 'Ann',
      mergeFields: { organization: 'Acme', Plan: 'gold', Kids: '2', Prefs: '{"a":1}' },
      extra: { 'location.city': 'Lyon', consent: 'SUBSCRIBED' },
      optinTime: '2025-06-01T12:00:00.000Z',
      confirmTime: '2025-06-01T12:00:00.000Z',
      optinIp: '192.0.2.1',
    });
    expect(
      klMember({ type: 'profile', id: 'x', attributes: { phone_number: '+33100000000' } }, 'L'),
    ).toBeNull();
  });

  it('takes the page cursor from links.next and quotes filter strings', () => {
    expect(
      nextCursor({ next: 'https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=bmV4dA&page%5Bsize%5D=100' }),
    ).toBe('bmV4dA');
    expect(nextCursor({})).toBeNull();
    expect(q('o"hara@example.com')).toBe('"o\\"hara@example.com"');
  });

  it('reads JSON:API errors', () => {
    const d = describeKlaviyoError({
      status: 429,
      method: 'GET',
      path: '/api/profiles',
      text: '',
      body: {
        errors: [
          {
            id: '1',
            code: 'throttled',
            title: 'Request was throttled.',
            detail: 'Expected available in 1 second.',
          },
        ],
      },
    });
    expect(d).toEqual({ message: 'Expected available in 1 second.', espCode: 'throttled' });
  });

  it('the fake parses the filter language the connector sends', () => {
    expect(parseFilter(`and(equals(messages.channel,'email'),equals(status,"Scheduled"))`)).toEqual({
      op: 'and',
      parts: [
        { op: 'equals', field: 'messages.channel', value: 'email' },
        { op: 'equals', field: 'status', value: 'Scheduled' },
      ],
    });
    expect(parseFilter('any(email,["a@x.com","b@x.com"])')).toEqual({
      op: 'any',
      field: 'email',
      value: ['a@x.com', 'b@x.com'],
    });
    expect(parseFilter('greater-than(updated,2026-01-01T00:00:00Z)')).toEqual({
      op: 'greater-than',
      field: 'updated',
      value: '2026-01-01T00:00:00Z',
    });
    expect(() => parseFilter('equals(email')).toThrow();
  });
});
