/** SendGrid: statuses from suppressions, export files (gzip NDJSON / arrays), contacts → members, errors. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  addSuppression,
  parseExportFile,
  sgMember,
  unixIso,
  type SuppressionMap,
} from '../../../electron/engine/mirror/esp/sendgrid/map';
import { describeSendGridError } from '../../../electron/engine/mirror/esp/sendgrid';

describe('SendGrid mapping', () => {
  it('keeps the strictest suppression per address, case-insensitively', () => {
    const map: SuppressionMap = new Map();
    addSuppression(map, 'A@Example.com', { status: 'unsubscribed', reason: 'global unsubscribe', at: null });
    addSuppression(map, 'a@example.com', { status: 'complained', reason: 'spam report', at: null });
    addSuppression(map, 'a@example.com', { status: 'bounced', reason: 'bounce', at: null });
    expect(map.get('a@example.com')!.status).toBe('complained');
  });

  it('turns an export line into a member with its suppression status, fields and ids', () => {
    const map: SuppressionMap = new Map([
      ['b@example.com', { status: 'bounced', reason: 'bounce 5.1.1', at: unixIso(1_750_000_000) }],
    ]);
    const line = {
      contact_id: 'c1',
      email: 'B@example.com',
      first_name: 'Bo',
      last_name: '',
      city: 'Lyon',
      phone_number: '',
      created_at: '2025-06-01T12:00:00Z',
      updated_at: '2025-07-01T12:00:00Z',
      custom_fields: { plan: 'gold', score: 3 },
      list_ids: ['L1', 'L2'],
    };
    expect(sgMember(line, map)).toMatchObject({
      espId: 'c1',
      status: 'bounced',
      statusReason: 'bounce 5.1.1',
      statusChangedAt: '2025-06-15T15:06:40.000Z',
      firstName: 'Bo',
      mergeFields: { city: 'Lyon', plan: 'gold', score: '3' },
      optinTime: '2025-06-01T12:00:00.000Z',
      changedAt: '2025-07-01T12:00:00.000Z',
      extra: { list_ids: 'L1,L2' },
    });
    expect(sgMember({ ...line, email: 'ok@example.com' }, map)!.status).toBe('subscribed');
    expect(sgMember({ contact_id: 'x', email: null }, map)).toBeNull();
  });

  it('reads gzipped NDJSON (what SendGrid serves), plain NDJSON and JSON arrays', () => {
    const nd = '{"contact_id":"1","email":"a@x.com"}\n{"contact_id":"2","email":"b@x.com"}\n';
    expect(parseExportFile(gzipSync(Buffer.from(nd))).map((c) => c.contact_id)).toEqual(['1', '2']);
    expect(parseExportFile(Buffer.from(nd))).toHaveLength(2);
    expect(parseExportFile(Buffer.from('[{"contact_id":"3","email":"c@x.com"}]'))[0]!.contact_id).toBe('3');
    expect(parseExportFile(Buffer.from(''))).toEqual([]);
    expect(() => parseExportFile(Buffer.from('{"contact_id":"1",'))).toThrow();
  });

  it('reads SendGrid error bodies', () => {
    expect(
      describeSendGridError({
        status: 400,
        method: 'POST',
        path: '/x',
        text: '',
        body: {
          errors: [
            { field: 'list_ids', message: 'list does not exist' },
            { field: null, message: 'and more' },
          ],
        },
      })?.message,
    ).toBe('list_ids: list does not exist; and more');
  });
});
