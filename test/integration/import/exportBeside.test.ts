/**
 * A list export runs beside everything else the engine does: it writes the file a megabyte at a time
 * and waits for the disk in between, and meanwhile an unsubscribe, a send's delivery record or a
 * timeline event must still be written. (It held a SQLite statement open across those waits, and
 * better-sqlite3 refuses any write on a connection with a statement mid-read: "This database
 * connection is busy executing a query". The daily backup exports every list.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEngine } from '../../helpers/engine';
import { exportList } from '../../../electron/engine/mirror/csv/exporter';
import { memberFields } from '../../helpers/members';

describe('a list export beside other work', () => {
  it('lets the engine write while the export waits for the disk, and still exports every row', async () => {
    const { engine, dir } = testEngine();
    const now = engine.now();
    const list = engine.repos.lists.create({ name: 'Big', now });
    // Enough rows for several megabytes of CSV: the export waits for the disk at least once.
    const rows = Array.from({ length: 30_000 }, (_, i) => {
      const email = `person${String(i).padStart(5, '0')}@example.com`;
      return memberFields(email, {
        firstName: `First${i}`,
        lastName: `Last${i}`,
        nameNorm: `first${i} last${i}`,
        mergeFields: JSON.stringify({ CITY: 'Lyon', NOTE: 'x'.repeat(40) }),
      });
    });
    engine.repos.espSync.transaction(() =>
      engine.repos.espSync.insertMembers(list.id, rows, 'import', null, now),
    );
    const out = join(dir, 'big.csv');
    const exporting = exportList(engine, 'Big', out);
    // The export is now waiting for the disk. An unsubscribe arrives (the public link, a relay's report).
    const someone = engine.repos.subscribers.byEmail(list.id, 'person29999@example.com')!;
    expect(engine.repos.subscribers.unsubscribe(someone.id, 'unsubscribe link', engine.now())).toBe(true);
    engine.record({ type: 'subscriber.unsubscribed', message: 'person29999@example.com unsubscribed.' });
    const r = await exporting;
    expect(r.rows).toBe(30_000);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(30_001);
    expect(engine.repos.subscribers.byId(someone.id)!.status).toBe('unsubscribed');
  });
});
