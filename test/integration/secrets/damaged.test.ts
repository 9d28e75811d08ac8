/**
 * A database with a few flipped bytes is caught before anything writes to it. Which check sees which
 * flip (the reason connection.ts checks as it does), then the CLI end to end: a write command on a
 * damaged file exits 1 pointing to `restore`, writes nothing, and `restore --yes` brings back the
 * backup while keeping the damaged file.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cli } from '../../helpers/cli';
import { flipBytes, flipInValue } from '../../helpers/damage';
import { hashTree } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';

const ROWS = 3000;

async function listDb(): Promise<{ dir: string; db: string; csv: string }> {
  const dir = tempDir('understudy-damage-');
  const db = join(dir, 'understudy.sqlite');
  const csv = join(dir, 'list.csv');
  writeFileSync(
    csv,
    [
      'email,first_name,last_name',
      ...Array.from({ length: ROWS }, (_, i) => `person${i}@example.test,Ann${i},Lee${i}`),
    ].join('\n'),
  );
  const r = await cli(['import', csv, '--list', 'Main', '--db', db]);
  expect(r.code, r.stderr).toBe(0);
  return { dir, db, csv };
}

function check(db: string, kind: 'quick_check' | 'integrity_check'): boolean {
  const d = new Database(db, { readonly: true });
  try {
    d.function('unicode_lower', { deterministic: true }, (s: unknown) =>
      typeof s === 'string' ? s.toLowerCase() : s,
    );
    const r = d.pragma(kind) as Record<string, string>[];
    return r.length === 1 && Object.values(r[0]!)[0] === 'ok';
  } catch {
    return false;
  } finally {
    d.close();
  }
}

describe('a damaged database', () => {
  it.each([
    // what is flipped, quick_check sees it, integrity_check sees it (null: depends on the byte hit)
    {
      what: 'key bytes in an index leaf (email)',
      flip: (db: string) => flipBytes(db, 'subscribers_email', 'content'),
      quick: false,
      integrity: true,
    },
    {
      what: 'key bytes in an index leaf (status)',
      flip: (db: string) => flipBytes(db, 'subscribers_status', 'content'),
      quick: null,
      integrity: true,
    },
    {
      what: 'cell pointers of a table leaf',
      flip: (db: string) => flipBytes(db, 'subscribers', 'pointers'),
      quick: true,
      integrity: true,
    },
    {
      what: 'the header of a table leaf',
      flip: (db: string) => flipBytes(db, 'subscribers', 'header'),
      quick: true,
      integrity: true,
    },
    {
      what: 'a stored name (payload), file time kept as a disk fault leaves it',
      flip: (db: string) => flipInValue(db, 'Ann1500', { keepTime: true }),
      quick: false,
      integrity: false,
    },
    {
      what: 'key bytes in an index leaf, file time kept',
      flip: (db: string) => flipBytes(db, 'subscribers_email', 'content', { keepTime: true }),
      quick: false,
      integrity: true,
    },
  ])(
    '$what: caught before any write (quick_check: $quick, integrity_check: $integrity)',
    async ({ flip, quick, integrity }) => {
      const { dir, db, csv } = await listDb();
      flip(db);
      if (quick !== null) expect(check(db, 'quick_check'), 'quick_check passes it').toBe(!quick);
      expect(check(db, 'integrity_check'), 'integrity_check passes it').toBe(!integrity);
      const before = hashTree(dir);
      const r = await cli(['import', csv, '--list', 'Main', '--json', '--db', db]);
      expect(r.code, r.stdout).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { kind: 'user', code: 'db_damaged' } });
      expect(r.stderr).toMatch(/is damaged/);
      expect(r.stderr).toMatch(/understudy restore FILE/);
      // Not one byte written: the database file itself included.
      expect(hashTree(dir)).toEqual(before);
    },
  );

  it('restore --yes over a damaged database brings the backup back and keeps the damaged file beside it', async () => {
    const { dir, db, csv } = await listDb();
    const b = await cli(['backup', '--no-lists', '--json', '--db', db]);
    expect(b.code, b.stderr).toBe(0);
    const backup = (JSON.parse(b.stdout) as { path: string }).path;
    flipBytes(db, 'subscribers_email', 'content');
    expect((await cli(['import', csv, '--list', 'Main', '--db', db])).code).toBe(1);
    const r = await cli(['restore', backup, '--yes', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/damaged database was kept as/);
    expect(readdirSync(dir).some((n) => /understudy\.sqlite\.damaged-/.test(n))).toBe(true);
    const again = await cli(['import', csv, '--list', 'Main', '--json', '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    expect(check(db, 'integrity_check')).toBe(true);
  });

  it('a clean close seals the file; a later open of the untouched file needs no SQL check', async () => {
    const { db } = await listDb();
    expect(existsSync(`${db}-seal`)).toBe(true);
    const copy = `${db}.copy`;
    copyFileSync(db, copy);
    const r = await cli(['lists', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
  });
});
