/**
 * A database with suppressions of every kind, on a real SQLite file: two lists imported from CSV, then
 * the states the engine's own paths leave behind (a bounce whose earlier status an event recorded, a
 * bounce without one, a spam complaint, an import's cleaned address, a manual block).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../electron/engine/engine';
import { importFile } from '../../electron/engine/mirror/csv/importer';

export const DAY = 86_400_000;

export interface SuppressionFixture {
  dir: string;
  dbPath: string;
  /** Subscriber ids by address, per list. */
  ids: Record<'Newsletter' | 'Shop', Record<string, number>>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function seedSuppressions(dir: string, now = Date.now()): Promise<SuppressionFixture> {
  const dbPath = join(dir, 'understudy.sqlite');
  const engine = Engine.open({ dbPath });
  try {
    const people = ['ann', 'bob', 'carol', 'dan', 'eve'].map((n) => `${n}@example.com`);
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, `email,first_name\n${people.map((p) => `${p},${p.split('@')[0]}`).join('\n')}\n`);
    await importFile(engine, { file: csv, list: 'Newsletter', rejectReport: join(dir, 'rej1.csv') });
    writeFileSync(csv, `email,first_name\nann@example.com,Ann\neve@example.com,Eve\n`);
    await importFile(engine, { file: csv, list: 'Shop', rejectReport: join(dir, 'rej2.csv') });
    const ids = { Newsletter: {}, Shop: {} } as SuppressionFixture['ids'];
    for (const list of ['Newsletter', 'Shop'] as const) {
      const l = engine.repos.lists.byName(list)!;
      for (const p of people) {
        const s = engine.repos.subscribers.byEmail(l.id, p);
        if (s) ids[list][p] = s.id;
      }
    }
    const subs = engine.repos.subscribers;
    const supp = engine.repos.suppressions;
    // eve unsubscribed herself from the newsletter, before anything bounced.
    subs.setStatus(
      ids.Newsletter['eve@example.com']!,
      'unsubscribed',
      'unsubscribe link',
      iso(now - 20 * DAY),
    );

    // ann bounced 10 days ago (a bounce report): the event recorded what each row was before.
    const annAt = iso(now - 10 * DAY);
    supp.add('ann@example.com', 'bounced', 'inbox', '5.1.1 user unknown', annAt);
    for (const list of ['Newsletter', 'Shop'] as const)
      subs.setStatus(ids[list]['ann@example.com']!, 'bounced', 'bounce report', annAt);
    engine.repos.events.append(annAt, {
      type: 'subscriber.bounced',
      message: 'ann@example.com bounced (5.1.1 user unknown); suppressed in every list.',
      data: {
        email: 'ann@example.com',
        source: 'dsn',
        previous: [
          { subscriberId: ids.Newsletter['ann@example.com'], status: 'subscribed' },
          { subscriberId: ids.Shop['ann@example.com'], status: 'subscribed' },
        ],
      },
    });

    // eve bounced 5 days ago: recorded as unsubscribed (newsletter) and subscribed (shop) before.
    const eveAt = iso(now - 5 * DAY);
    supp.add('eve@example.com', 'bounced', 'inbox', '5.1.1 mailbox gone', eveAt);
    for (const list of ['Newsletter', 'Shop'] as const)
      subs.setStatus(ids[list]['eve@example.com']!, 'bounced', 'bounce report', eveAt);
    engine.repos.events.append(eveAt, {
      type: 'subscriber.bounced',
      message: 'eve@example.com bounced; suppressed in every list.',
      data: {
        email: 'eve@example.com',
        source: 'dsn',
        previous: [
          { subscriberId: ids.Newsletter['eve@example.com'], status: 'unsubscribed' },
          { subscriberId: ids.Shop['eve@example.com'], status: 'subscribed' },
        ],
      },
    });

    // bob bounced during a send 2 days ago; nothing recorded what he was before.
    const bobAt = iso(now - 2 * DAY);
    supp.add('bob@example.com', 'bounced', 'send', '550 5.1.1 <bob@example.com>: User unknown', bobAt);
    subs.setStatus(ids.Newsletter['bob@example.com']!, 'bounced', '550 5.1.1 user unknown', bobAt);

    // carol reported a message as spam yesterday.
    const carolAt = iso(now - 1 * DAY);
    supp.add('carol@example.com', 'complained', 'inbox', 'feedback report', carolAt);
    subs.setStatus(ids.Newsletter['carol@example.com']!, 'complained', 'spam complaint', carolAt);
    // Even with her earlier status on record, a complaint is her own "stop": never set back.
    engine.repos.events.append(carolAt, {
      type: 'subscriber.complained',
      severity: 'warning',
      message: 'carol@example.com reported a message as spam; suppressed in every list.',
      data: {
        email: 'carol@example.com',
        source: 'arf',
        previous: [{ subscriberId: ids.Newsletter['carol@example.com'], status: 'subscribed' }],
      },
    });

    // dan came in as cleaned from an export file 40 days ago.
    const danAt = iso(now - 40 * DAY);
    supp.add('dan@example.com', 'cleaned', 'import', null, danAt);
    subs.setStatus(ids.Newsletter['dan@example.com']!, 'cleaned', 'cleaned at the ESP', danAt);

    // An address on no list, blocked by hand an hour ago.
    supp.add('ghost@example.net', 'manual', 'manual', 'asked never to be mailed', iso(now - 3_600_000));
    return { dir, dbPath, ids };
  } finally {
    await engine.close();
  }
}
