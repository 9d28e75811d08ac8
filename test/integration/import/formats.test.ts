import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';

const MC_HEAD =
  '"Email Address","First Name","Last Name","Address","Phone Number",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION';

describe('import formats', () => {
  it('Mailchimp subscribed export: fixed columns, merge fields by name, extras, tags, timestamps', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'subscribed_members_export_abc.csv');
    writeFileSync(
      f,
      `${MC_HEAD},LAST_CHANGED,LEID,EUID,NOTES,TAGS\n` +
        `ana@example.com,Ana,García,"1 Main St, Springfield",555-1,4,2024-01-03 10:11:12,203.0.113.7,2024-01-03 10:12:00,198.51.100.2,39.7,-89.6,-6,-5,America/Chicago,US,IL,2025-02-01 08:00:00,123,abc123,"likes ""news""","""VIP"",""Black Friday, 2026"""\n`,
    );
    const r = await importFile(engine, { file: f, list: 'Main' });
    expect(r).toMatchObject({ format: 'mailchimp', rows: 1, imported: 1, rejected: 0 });
    const s = engine.repos.subscribers.byEmail(engine.repos.lists.byName('Main')!.id, 'ana@example.com')!;
    expect(s).toMatchObject({
      firstName: 'Ana',
      lastName: 'García',
      status: 'subscribed',
      optinTime: '2024-01-03T10:11:12.000Z',
      optinIp: '203.0.113.7',
      confirmTime: '2024-01-03T10:12:00.000Z',
      confirmIp: '198.51.100.2',
      espId: 'abc123',
      espChangedAt: '2025-02-01T08:00:00.000Z',
      mergeFields: { ADDRESS: '1 Main St, Springfield', PHONE: '555-1' },
      tags: ['VIP', 'Black Friday, 2026'],
    });
    expect(s.extra).toMatchObject({
      MEMBER_RATING: '4',
      TIMEZONE: 'America/Chicago',
      LEID: '123',
      NOTES: 'likes "news"',
    });
    expect(engine.repos.lists.byName('Main')!.mergeFields.map((m) => [m.tag, m.name])).toEqual([
      ['ADDRESS', 'Address'],
      ['PHONE', 'Phone Number'],
    ]);
  });

  it('Mailchimp unsubscribed and cleaned exports import with their status, and feed suppressions', async () => {
    const { engine, dir } = testEngine();
    const unsub = join(dir, 'unsubscribed.csv');
    writeFileSync(
      unsub,
      `${MC_HEAD},UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER,LEID,EUID,NOTES\nu@example.com,U,,,,,,,,,,,,,,,,2024-05-01 09:00:00,Spring,c1,NORMAL,,1,e1,\n`,
    );
    const cleaned = join(dir, 'cleaned.csv');
    writeFileSync(
      cleaned,
      `${MC_HEAD},CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID,LEID,EUID,NOTES\nc@example.com,C,,,,,,,,,,,,,,,,2024-06-01 09:00:00,Summer,c2,2,e2,\n`,
    );
    const a = await importFile(engine, { file: unsub, list: 'Main' });
    const b = await importFile(engine, { file: cleaned, list: 'Main' });
    expect(a.byStatus.unsubscribed).toBe(1);
    expect(b.byStatus.cleaned).toBe(1);
    const list = engine.repos.lists.byName('Main')!;
    expect(engine.repos.subscribers.byEmail(list.id, 'u@example.com')).toMatchObject({
      status: 'unsubscribed',
      statusChangedAt: '2024-05-01T09:00:00.000Z',
      statusReason: 'NORMAL',
    });
    expect(engine.repos.subscribers.byEmail(list.id, 'c@example.com')).toMatchObject({
      status: 'cleaned',
      statusChangedAt: '2024-06-01T09:00:00.000Z',
    });
    expect(engine.repos.lists.countsByStatus(list.id)).toMatchObject({
      unsubscribed: 1,
      cleaned: 1,
      subscribed: 0,
    });
    // A cleaned address is suppressed on every list; an unsubscribe is per list.
    const sup = engine.db.prepare('SELECT email_norm, reason FROM suppressions ORDER BY 1').all();
    expect(sup).toEqual([{ email_norm: 'c@example.com', reason: 'cleaned' }]);
  });

  it('Brevo export: semicolons, upper-case attributes, blocklisted contacts unsubscribed', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'brevo.csv');
    writeFileSync(
      f,
      'EMAIL;FIRSTNAME;LASTNAME;SMS;CITY;ADDED_TIME;MODIFIED_TIME;EMAIL_BLACKLISTED\nb1@example.com;Bea;Ng;+33600000000;Paris;2024-03-04 05:06:07;2024-04-01 00:00:00;No\nb2@example.com;Bo;;;Lyon;04-03-2024 05:06:07;;Yes\n',
    );
    const r = await importFile(engine, { file: f, list: 'Brevo' });
    expect(r).toMatchObject({ format: 'brevo', delimiter: ';', imported: 2, rejected: 0 });
    const list = engine.repos.lists.byName('Brevo')!;
    expect(engine.repos.subscribers.byEmail(list.id, 'b1@example.com')).toMatchObject({
      firstName: 'Bea',
      status: 'subscribed',
      optinTime: '2024-03-04T05:06:07.000Z',
      mergeFields: { SMS: '+33600000000', CITY: 'Paris' },
    });
    // Brevo writes day-first dates.
    expect(engine.repos.subscribers.byEmail(list.id, 'b2@example.com')).toMatchObject({
      status: 'unsubscribed',
      optinTime: '2024-03-04T05:06:07.000Z',
    });
  });

  it('MailerLite export: status words, groups as tags, subscribed date', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'ml.csv');
    writeFileSync(
      f,
      'email,name,last_name,status,subscribed_at,groups,company\nm1@example.com,Mia,Lo,active,2024-01-02 03:04:05,"Newsletter, Buyers",Acme\nm2@example.com,Max,,unsubscribed,,,\nm3@example.com,,,junk,,,\nm4@example.com,,,unconfirmed,,,\nm5@example.com,,,bounced,,,\n',
    );
    const r = await importFile(engine, { file: f, list: 'ML' });
    expect(r).toMatchObject({ format: 'mailerlite', imported: 5 });
    expect(r.byStatus).toMatchObject({
      subscribed: 1,
      unsubscribed: 1,
      complained: 1,
      pending: 1,
      bounced: 1,
    });
    const s = engine.repos.subscribers.byEmail(engine.repos.lists.byName('ML')!.id, 'm1@example.com')!;
    expect(s).toMatchObject({
      firstName: 'Mia',
      lastName: 'Lo',
      tags: ['Newsletter', 'Buyers'],
      mergeFields: { COMPANY: 'Acme' },
      optinTime: '2024-01-02T03:04:05.000Z',
    });
  });

  it('Kit export: email_address, state, tags', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'kit.csv');
    writeFileSync(
      f,
      'first_name,email_address,state,created_at,tags,plan\nKai,k1@example.com,active,2024-02-02T10:00:00Z,"Course, Podcast",pro\nKim,k2@example.com,cancelled,2024-02-03T10:00:00Z,,\nKo,k3@example.com,complained,,,\n',
    );
    const r = await importFile(engine, { file: f, list: 'Kit' });
    expect(r).toMatchObject({ format: 'kit', imported: 3 });
    expect(r.byStatus).toMatchObject({ subscribed: 1, unsubscribed: 1, complained: 1 });
    const s = engine.repos.subscribers.byEmail(engine.repos.lists.byName('Kit')!.id, 'k1@example.com')!;
    expect(s).toMatchObject({
      firstName: 'Kai',
      tags: ['Course', 'Podcast'],
      mergeFields: { PLAN: 'pro' },
      optinTime: '2024-02-02T10:00:00.000Z',
    });
  });

  it('any CSV with an explicit mapping', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'shop.csv');
    writeFileSync(f, 'Kunde;E-Post;Stadt;Notiz;Egal\nJonas Weber;jonas@example.de;Köln;VIP;x\n');
    const r = await importFile(engine, {
      file: f,
      list: 'Shop',
      format: 'csv',
      map: {
        'E-Post': 'email',
        Kunde: 'first_name',
        Stadt: 'merge:CITY',
        Notiz: 'extra:note',
        Egal: 'ignore',
      },
    });
    expect(r).toMatchObject({ format: 'csv', imported: 1 });
    expect(
      engine.repos.subscribers.byEmail(engine.repos.lists.byName('Shop')!.id, 'jonas@example.de'),
    ).toMatchObject({
      firstName: 'Jonas Weber',
      mergeFields: { CITY: 'Köln' },
      extra: { note: 'VIP' },
    });
  });

  it('a file without an email column is refused with the columns listed and nothing written', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'x.csv');
    writeFileSync(f, 'Name,Phone\nA,1\n');
    const err = await importFile(engine, { file: f, list: 'X' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'user', code: 'no_email_column', safe: 'Nothing was imported.' });
    expect((err as Error).message).toMatch(/No email column/);
    expect((err as { next: string }).next).toMatch(/--map "Name=email".*"Name", "Phone"/);
    expect(engine.repos.lists.byName('X')).toBeUndefined();
  });
});
