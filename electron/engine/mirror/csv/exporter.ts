/**
 * Export a list to CSV: every status, merge fields (one "Merge: TAG" column each), tags, timestamps,
 * ESP ids and the extra fields as JSON. Cells that a spreadsheet would run as a formula are written
 * with a leading single quote (values.ts#escapeFormula), which the import of format "understudy"
 * removes again. `understudy import` reads the file back losslessly (format "understudy"), which
 * test/integration/roundtrip.test.ts checks field by field. Written through files/protected.ts: never
 * over the database, the secret file or a backup, an existing file only with `force`, owner-only, to a
 * temporary file that is renamed, so a failed export never leaves a truncated file under the requested
 * name.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Engine } from '../../engine';
import { outputTarget, type ProtectOptions } from '../../files/protected';
import { asWriteError } from '../../files/safeWrite';
import type { ExportResult } from '../../api/lists';
import { requireList } from '../lists';
import { MERGE_PREFIX, UNDERSTUDY_COLUMNS } from './formats';
import { formatTags } from './values';
import { csvCell, textCell } from './rejects';

export interface ExportOptions extends ProtectOptions {
  /** Replace an existing file at `outPath` (the CLI's `--force`). */
  force?: boolean;
}

/** Rows whose merge field keys are read at once: tens of milliseconds of the engine's thread. */
const MERGE_KEYS_CHUNK = 20_000;

export async function exportList(
  engine: Engine,
  listName: string,
  outPath: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const list = requireList(engine, listName);
  const target = outputTarget(engine, outPath, { ...options, what: 'the export' });
  const out = target.path;
  const keys = [...new Set([...list.mergeFields.map((m) => m.tag), ...(await mergeKeysOf(engine, list.id))])];
  const stream = target.stream();
  let rows = 0;
  try {
    // UTF-8 with BOM so Excel opens accents and non-Latin names correctly; the importer skips it.
    let buf =
      '\uFEFF' +
      [...UNDERSTUDY_COLUMNS, ...keys.map((k) => `${MERGE_PREFIX}${k}`)].map(csvCell).join(',') +
      '\r\n';
    for (const s of engine.repos.subscribers.iterate(list.id)) {
      const cells = [
        s.email,
        s.status,
        s.firstName,
        s.lastName,
        formatTags(s.tags),
        s.statusChangedAt ?? '',
        s.statusReason ?? '',
        s.optinTime ?? '',
        s.optinIp ?? '',
        s.confirmTime ?? '',
        s.confirmIp ?? '',
        s.espId ?? '',
        s.espChangedAt ?? '',
        Object.keys(s.extra).length ? JSON.stringify(s.extra) : '',
        ...keys.map((k) => s.mergeFields[k] ?? ''),
      ];
      buf += cells.map(textCell).join(',') + '\r\n';
      rows++;
      if (buf.length > 1 << 20) {
        if (!stream.write(buf)) await once(stream, 'drain');
        buf = '';
      }
    }
    stream.end(buf);
    await finished(stream);
    target.commit();
  } catch (e) {
    stream.destroy();
    target.abort();
    throw asWriteError(e, out, 'the export');
  }
  engine.record({
    type: 'export.completed',
    message: `Exported ${rows} subscribers of "${list.name}" to ${out}.`,
    listId: list.id,
    data: { out, rows },
  });
  return { list: list.name, out, rows };
}

/** Every merge field key any subscriber of the list uses, in order, read a chunk of rows at a time. */
async function mergeKeysOf(engine: Engine, listId: number): Promise<string[]> {
  const keys = new Set<string>();
  for (let after: string | null = null; ;) {
    const chunk = engine.repos.subscribers.mergeKeysAfter(listId, after, MERGE_KEYS_CHUNK);
    if (chunk.last === null) break;
    for (const k of chunk.keys) keys.add(k);
    after = chunk.last;
    await new Promise((r) => setImmediate(r));
  }
  return [...keys].sort();
}
