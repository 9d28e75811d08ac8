/**
 * An opt-out signal in a file is never ignored: whatever the format, a column that says a person
 * opted out or must not be mailed sets the status, and a column about consent that cannot be read
 * with certainty stops the import with a question instead of importing everyone as subscribed.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngine } from '../../helpers/engine';
import { importFile } from '../../../electron/engine/mirror/csv/importer';

async function statuses(file: string, text: string, extra: Record<string, unknown> = {}) {
  const { engine, dir } = testEngine();
  const f = join(dir, file);
  writeFileSync(f, text);
  const r = await importFile(engine, { file: f, list: 'L', ...extra });
  const list = engine.repos.lists.byName('L')!;
  const by = new Map(
    [...engine.repos.subscribers.iterate(list.id)].map((s) => [s.emailNorm, s.status as string]),
  );
  return { r, by, engine };
}

describe('opt-out signals in an import file', () => {
  it('a trimmed Mailchimp unsubscribed export (Email Address, First Name, Last Name, UNSUB_TIME) imports everyone as unsubscribed', async () => {
    const { r, by } = await statuses(
      'unsubscribed_members.csv',
      'Email Address,First Name,Last Name,UNSUB_TIME\na@example.com,Ann,Lee,2024-05-01 09:00:00\nb@example.com,Bo,,2024-05-02 10:00:00\n',
    );
    expect(r.format).toBe('mailchimp');
    expect(r.byStatus).toMatchObject({ unsubscribed: 2 });
    expect(by.get('a@example.com')).toBe('unsubscribed');
  });

  const cases: [string, string, Record<string, string>][] = [
    [
      'an unsubscribe time',
      'Email,Name,Unsubscribed At\nu@example.com,U,2024-01-02\ns@example.com,S,\n',
      { 'u@example.com': 'unsubscribed', 's@example.com': 'subscribed' },
    ],
    [
      'a clean time and a bounce time',
      'Email,Clean Time,Bounce Date\nc@example.com,2024-01-02,\nb@example.com,,yesterday\ns@example.com,,\n',
      { 'c@example.com': 'cleaned', 'b@example.com': 'bounced', 's@example.com': 'subscribed' },
    ],
    [
      'an "Opted out" flag',
      'Email,Opted Out\no@example.com,yes\ns@example.com,no\n',
      { 'o@example.com': 'unsubscribed', 's@example.com': 'subscribed' },
    ],
    [
      'an "Unsubscribed" column holding dates',
      'Email,Unsubscribed\nu@example.com,2024-05-01\ns@example.com,\n',
      { 'u@example.com': 'unsubscribed', 's@example.com': 'subscribed' },
    ],
    [
      'a "Do not email" flag (Salesforce/HubSpot style)',
      'Email,Do_Not_Email\no@example.com,TRUE\ns@example.com,FALSE\n',
      { 'o@example.com': 'unsubscribed', 's@example.com': 'subscribed' },
    ],
    [
      'a "Suppressed" or "Blocklisted" flag',
      'Email,Suppressed,Blocklisted\na@example.com,1,0\nb@example.com,0,x\ns@example.com,0,0\n',
      { 'a@example.com': 'unsubscribed', 'b@example.com': 'unsubscribed', 's@example.com': 'subscribed' },
    ],
    [
      'GDPR consent = no / never subscribed / empty / yes',
      'Email,GDPR Consent\nn@example.com,no\nv@example.com,never subscribed\ne@example.com,\ny@example.com,yes\n',
      {
        'n@example.com': 'unsubscribed',
        'v@example.com': 'pending',
        'e@example.com': 'pending',
        'y@example.com': 'subscribed',
      },
    ],
    [
      'an "Accepts Email Marketing" column (Shopify customers)',
      'Email,First Name,Accepts Email Marketing\nn@example.com,N,no\ny@example.com,Y,yes\n',
      { 'n@example.com': 'unsubscribed', 'y@example.com': 'subscribed' },
    ],
    [
      'a subscription status column beside a status column: the stricter wins',
      'Email,Status,Subscription Status\na@example.com,subscribed,unsubscribed\nb@example.com,subscribed,subscribed\n',
      { 'a@example.com': 'unsubscribed', 'b@example.com': 'subscribed' },
    ],
  ];
  it.each(cases)('a generic CSV with %s sets the status', async (_name, text, expected) => {
    const { by } = await statuses('people.csv', text);
    for (const [email, status] of Object.entries(expected)) expect(by.get(email), email).toBe(status);
  });

  it('a consent cell it cannot read sends the row to the reject report, not to the list as a subscriber', async () => {
    const { r, by } = await statuses(
      'c.csv',
      'Email,Newsletter consent\na@example.com,maybe\nb@example.com,yes\n',
    );
    expect(r.rejected).toBe(1);
    expect(by.has('a@example.com')).toBe(false);
    expect(by.get('b@example.com')).toBe('subscribed');
  });

  it('stops and asks about a column about consent it cannot read, naming the column and the --map/--status to use', async () => {
    const { engine, dir } = testEngine();
    const f = join(dir, 'x.csv');
    writeFileSync(f, 'Email,Name,Unsubscribe reason\na@example.com,A,too many emails\nb@example.com,B,\n');
    const err = await importFile(engine, { file: f, list: 'X' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'user', code: 'consent_column_unclear' });
    expect((err as Error).message).toMatch(/"Unsubscribe reason"/);
    expect((err as { next: string }).next).toMatch(/--map "Unsubscribe reason=status"/);
    expect((err as { next: string }).next).toMatch(/--status unsubscribed/);
    expect(engine.repos.lists.byName('X')).toBeUndefined();
    // --status subscribed does not answer the question: it is the guess the import refuses to make.
    await expect(importFile(engine, { file: f, list: 'X', status: 'subscribed' })).rejects.toMatchObject({
      code: 'consent_column_unclear',
    });
    // A mapping answers it.
    const r = await importFile(engine, { file: f, list: 'X', map: { 'Unsubscribe reason': 'ignore' } });
    expect(r.byStatus).toMatchObject({ subscribed: 2 });
    // So does a status that mails nobody.
    const r2 = await importFile(engine, { file: f, list: 'Y', status: 'unsubscribed' });
    expect(r2.byStatus).toMatchObject({ unsubscribed: 2 });
  });
});

describe('SendGrid and Klaviyo exports', () => {
  it('detects a SendGrid contacts export (not as Brevo): first names are first names, address lines merge fields', async () => {
    const { r, engine } = await statuses(
      'sendgrid.csv',
      'EMAIL,FIRST_NAME,LAST_NAME,ADDRESS_LINE_1,ADDRESS_LINE_2,CITY,STATE_PROVINCE_REGION,POSTAL_CODE,COUNTRY,ALTERNATE_EMAILS,PHONE_NUMBER,CREATED_AT,UPDATED_AT,CONTACT_ID\n' +
        'sg@example.com,Sam,Green,1 Main St,,Denver,CO,80202,USA,,+18778894546,2024-03-01T10:00:00Z,2024-04-01T10:00:00Z,3f1c-9a\n',
    );
    expect(r.format).toBe('sendgrid');
    const s = engine.repos.subscribers.byEmail(engine.repos.lists.byName('L')!.id, 'sg@example.com')!;
    expect(s).toMatchObject({
      firstName: 'Sam',
      lastName: 'Green',
      status: 'subscribed',
      espId: '3f1c-9a',
      optinTime: '2024-03-01T10:00:00.000Z',
      espChangedAt: '2024-04-01T10:00:00.000Z',
      mergeFields: { ADDRESS_LINE_1: '1 Main St', CITY: 'Denver', PHONE_NUMBER: '+18778894546' },
    });
    expect(s.mergeFields).not.toHaveProperty('FIRST_NAME');
  });

  it('detects a Klaviyo profile export and takes the status from Email Marketing Consent', async () => {
    const { r, by, engine } = await statuses(
      'klaviyo.csv',
      'Email,Klaviyo ID,First Name,Last Name,Organization,City,Email Marketing Consent,Email Marketing Consent Timestamp\n' +
        's@example.com,01HX1,Sue,Ray,Acme,Paris,SUBSCRIBED,2024-02-01T09:00:00Z\n' +
        'u@example.com,01HX2,Uma,,,,UNSUBSCRIBED,2024-03-01T09:00:00Z\n' +
        'n@example.com,01HX3,Ned,,,,NEVER_SUBSCRIBED,\n' +
        'e@example.com,01HX4,Eve,,,,,\n',
    );
    expect(r.format).toBe('klaviyo');
    expect(Object.fromEntries(by)).toEqual({
      's@example.com': 'subscribed',
      'u@example.com': 'unsubscribed',
      'n@example.com': 'pending',
      'e@example.com': 'pending',
    });
    const list = engine.repos.lists.byName('L')!;
    expect(engine.repos.subscribers.byEmail(list.id, 's@example.com')).toMatchObject({
      firstName: 'Sue',
      espId: '01HX1',
      mergeFields: { ORGANIZATION: 'Acme', CITY: 'Paris' },
    });
    expect(engine.repos.subscribers.byEmail(list.id, 'n@example.com')).toMatchObject({
      statusReason: 'never subscribed',
    });
  });
});
