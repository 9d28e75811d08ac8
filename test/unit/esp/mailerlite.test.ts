/** MailerLite shapes → ours: statuses, timestamps, fields, groups, campaign targets, error bodies. */
import { describe, expect, it } from 'vitest';
import {
  mlStatus,
  mlIso,
  mlMember,
  targetGroups,
  ML_STATUS_PASSES,
} from '../../../electron/engine/mirror/esp/mailerlite/map';
import { describeMailerLiteError } from '../../../electron/engine/mirror/esp/mailerlite';
import { STATUS_RANK } from '../../../electron/engine/model/status';

describe('MailerLite mapping', () => {
  it('maps every status; unknown ones are never sendable', () => {
    expect(['active', 'unconfirmed', 'unsubscribed', 'bounced', 'junk', 'new'].map(mlStatus)).toEqual([
      'subscribed',
      'pending',
      'unsubscribed',
      'bounced',
      'complained',
      'unsubscribed',
    ]);
  });

  it('asks for statuses from the least to the most strict, so a change during a pass is still seen', () => {
    const ranks = ML_STATUS_PASSES.map((s) => STATUS_RANK[mlStatus(s)]);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });

  it('reads MailerLite timestamps as UTC', () => {
    expect(mlIso('2021-08-31 14:22:08')).toBe('2021-08-31T14:22:08.000Z');
    expect(mlIso(null)).toBeNull();
  });

  it('keeps names, fields, groups, opt-in and confirm data', () => {
    const m = mlMember({
      id: '42',
      email: 'a@example.com',
      status: 'unsubscribed',
      unsubscribed_at: '2025-07-01 10:00:00',
      subscribed_at: '2025-06-01 12:00:00',
      ip_address: '192.0.2.1',
      opted_in_at: '2025-06-01 12:05:00',
      optin_ip: '192.0.2.2',
      updated_at: '2025-07-01 10:00:00',
      fields: { name: 'Ann', last_name: 'Lee', zip: 69001, company: null },
      groups: [
        { id: '1', name: 'VIP' },
        { id: '2', name: 'Buyers' },
      ],
      source: 'api',
      sent: 3,
    });
    expect(m).toMatchObject({
      espId: '42',
      status: 'unsubscribed',
      statusChangedAt: '2025-07-01T10:00:00.000Z',
      firstName: 'Ann',
      lastName: 'Lee',
      tags: ['Buyers', 'VIP'],
      mergeFields: { name: 'Ann', last_name: 'Lee', zip: '69001' },
      optinTime: '2025-06-01T12:00:00.000Z',
      optinIp: '192.0.2.1',
      confirmTime: '2025-06-01T12:05:00.000Z',
      confirmIp: '192.0.2.2',
      changedAt: '2025-07-01T10:00:00.000Z',
      extra: { mailerlite_status: 'unsubscribed', source: 'api', sent: '3' },
    });
  });

  it('reads a campaign target: groups, other rules, or everyone', () => {
    expect(targetGroups({ id: '1', name: 'x', status: 'ready', filter: [] })).toBeNull();
    expect(
      targetGroups({
        id: '1',
        name: 'x',
        status: 'ready',
        filter: [[{ operator: 'in_any', args: ['groups', ['7', '8']] }]],
      }),
    ).toEqual({ groups: ['7', '8'], other: false });
    expect(
      targetGroups({
        id: '1',
        name: 'x',
        status: 'ready',
        filter: [[{ operator: 'in_any', args: ['segments', ['3']] }]],
      }),
    ).toEqual({ groups: [], other: true });
  });

  it('turns MailerLite errors into one readable line', () => {
    const base = { status: 422, method: 'PUT', path: '/subscribers/1', text: '' };
    expect(
      describeMailerLiteError({
        ...base,
        body: {
          message: 'The given data was invalid.',
          errors: { email: ['The email must be a valid email address.'] },
        },
      })?.message,
    ).toBe('The given data was invalid. (email: The email must be a valid email address.)');
    expect(
      describeMailerLiteError({ ...base, status: 401, body: { message: 'Unauthenticated.' } })?.message,
    ).toBe('Unauthenticated.');
  });
});
