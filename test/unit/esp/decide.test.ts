/** The member rule of the ESP sync, and the connectors' mapping of ESP records to members. */
import { describe, expect, it } from 'vitest';
import { decideMember } from '../../../electron/engine/mirror/esp/sync';
import { toMember, subscriberHash, dataCenterOf } from '../../../electron/engine/mirror/esp/mailchimp';
import { toBrevoMember, brevoTime } from '../../../electron/engine/mirror/esp/brevo';
import type { ExistingMember, MemberFields } from '../../../electron/engine/db/repos/espSync';
import type { SubscriberStatus } from '../../../electron/engine/model/status';
import { memberFields } from '../../helpers/members';

const base: MemberFields = memberFields('a@example.com', {
  firstName: 'A',
  lastName: 'B',
  nameNorm: 'a b',
  statusChangedAt: '2026-01-01T00:00:00.000Z',
  espId: 'x',
  espChangedAt: '2026-01-01T00:00:00.000Z',
});

const local = (status: SubscriberStatus, changedAt: string | null): ExistingMember => ({
  ...base,
  id: 1,
  status,
  statusChangedAt: changedAt,
});

const esp = (status: SubscriberStatus, changedAt: string | null): MemberFields => ({
  ...base,
  status,
  statusChangedAt: changedAt,
  espChangedAt: changedAt,
});

describe('decideMember', () => {
  it('inserts what it has never seen', () => {
    expect(decideMember(undefined, esp('pending', null), false)).toMatchObject({
      changed: true,
      keptLocal: false,
    });
  });

  it('follows the ESP when its change is newer (a re-subscribe there wins)', () => {
    const d = decideMember(
      local('unsubscribed', '2026-02-01T00:00:00.000Z'),
      esp('subscribed', '2026-03-01T00:00:00.000Z'),
      false,
    );
    expect(d).toMatchObject({ keptLocal: false, changed: true, fields: { status: 'subscribed' } });
  });

  it('keeps a local unsubscribe/bounce/complaint that is newer than the ESP, or still queued for push-back', () => {
    for (const s of ['unsubscribed', 'bounced', 'cleaned', 'complained'] as const) {
      const newer = decideMember(
        local(s, '2026-04-01T00:00:00.000Z'),
        esp('subscribed', '2026-03-01T00:00:00.000Z'),
        false,
      );
      expect(newer).toMatchObject({ keptLocal: true, fields: { status: s } });
      const queued = decideMember(
        local(s, '2026-02-01T00:00:00.000Z'),
        esp('subscribed', '2026-03-01T00:00:00.000Z'),
        true,
      );
      expect(queued).toMatchObject({ keptLocal: true, fields: { status: s } });
    }
  });

  it('keeps a local unsubscribe when the ESP gives no change time', () => {
    expect(
      decideMember(local('unsubscribed', '2026-01-01T00:00:00.000Z'), esp('subscribed', null), false),
    ).toMatchObject({
      keptLocal: true,
    });
  });

  it('lets the ESP make a status stricter at any time', () => {
    const d = decideMember(
      local('subscribed', '2026-05-01T00:00:00.000Z'),
      esp('cleaned', '2026-01-01T00:00:00.000Z'),
      false,
    );
    expect(d.fields.status).toBe('cleaned');
  });

  it('reports no change when nothing differs', () => {
    expect(
      decideMember(local('subscribed', base.statusChangedAt), esp('subscribed', base.espChangedAt), false)
        .changed,
    ).toBe(false);
  });
});

describe('Mailchimp mapping', () => {
  it('maps statuses, names, merge fields, address objects, tags and times', () => {
    const m = toMember({
      id: subscriberHash('Ann@Example.com'),
      email_address: 'Ann@Example.com',
      status: 'transactional',
      merge_fields: {
        FNAME: 'Ann',
        LNAME: 'Lee',
        ADDRESS: { addr1: '1 Main St', city: 'Lyon', zip: '69001', country: 'FR' },
        EMPTY: '',
      },
      tags: [{ id: 1, name: 'vip' }],
      timestamp_opt: '2025-01-02T03:04:05+00:00',
      last_changed: '2025-02-02T00:00:00+00:00',
      member_rating: 4,
    });
    expect(m).toMatchObject({
      status: 'pending',
      firstName: 'Ann',
      lastName: 'Lee',
      mergeFields: { ADDRESS: '1 Main St  Lyon  69001  FR' },
      tags: ['vip'],
      confirmTime: '2025-01-02T03:04:05.000Z',
      changedAt: '2025-02-02T00:00:00.000Z',
      extra: { member_rating: '4', esp_status: 'transactional' },
    });
    expect(m.espId).toBe(subscriberHash('ann@example.com'));
    expect(toMember({ id: 'x', email_address: 'a@b.co', status: 'archived' }).status).toBe('archived');
    expect(toMember({ id: 'x', email_address: 'a@b.co', status: 'cleaned' }).status).toBe('cleaned');
  });

  it('reads the data centre from the key and refuses a key without one', () => {
    expect(dataCenterOf('0123abcd-us21')).toBe('us21');
    expect(() => dataCenterOf('0123abcd')).toThrow(/data centre/);
  });
});

describe('Brevo mapping', () => {
  it('maps blocklisted and per-list unsubscribes to unsubscribed, attributes to fields', () => {
    const c = {
      id: 9,
      email: 'x@y.fr',
      emailBlacklisted: false,
      createdAt: '2026-01-01 10:00:00+00:00',
      modifiedAt: '2026-02-01T10:00:00.000+01:00',
      listIds: [3, 4],
      listUnsubscribed: [4],
      attributes: { FIRSTNAME: 'Zoé', LASTNAME: 'M', CITY: 'Lille', SCORE: 3 },
    };
    expect(toBrevoMember(c, 3)).toMatchObject({
      status: 'subscribed',
      firstName: 'Zoé',
      mergeFields: { CITY: 'Lille', SCORE: '3' },
      changedAt: '2026-02-01T09:00:00.000Z',
      optinTime: '2026-01-01T10:00:00.000Z',
    });
    expect(toBrevoMember(c, 4).status).toBe('unsubscribed');
    expect(toBrevoMember({ ...c, emailBlacklisted: true }, 3).status).toBe('unsubscribed');
    expect(brevoTime('garbage')).toBeNull();
  });
});
