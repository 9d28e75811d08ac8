/**
 * What the sync's writer thread does with a group (writer.ts), and the messages between the threads.
 * Apart from writer.ts so the thread's entry does not carry the code that starts it: in the desktop
 * build a module both import goes into a shared chunk, where `new URL('./writerWorker.ts', …)` would
 * name a file in the wrong folder.
 */
import type { EspSyncRepo } from '../../db/repos/espSync';

export type SuppressReason = 'bounced' | 'complained' | 'cleaned';

/** One group of pages to write, as it crosses to the writer. */
export interface WriteGroup {
  listId: number;
  /** The members, laid out by `memberRows`. */
  rows: unknown[];
  source: string;
  /** esp_seen_at of the rows (a full pass marks what it saw) or null. */
  seenAt: string | null;
  now: string;
  /** Addresses of this group to add to the global suppressions (bounced, complained, cleaned). */
  suppress: [string, SuppressReason][];
  checkpoint: { providerId: number; scope: string; value: unknown };
  /** Set on the pass's last group: archive the members the pass did not see. */
  archiveBefore: string | null;
}

export interface WriteResult {
  /** The suppressions this group added (the others existed already). */
  added: [string, SuppressReason][];
  archived: number;
}

/** Writes one group in one transaction: on the writer thread, or on the engine's when there is none. */
export function writeGroup(repo: EspSyncRepo, g: WriteGroup): WriteResult {
  return repo.transaction(() => {
    repo.insertMemberRows(g.listId, g.rows, g.source, g.seenAt, g.now);
    const added = g.suppress.filter(([norm, reason]) => repo.addSuppression(norm, reason, g.source, g.now));
    const archived = g.archiveBefore === null ? 0 : repo.archiveUnseen(g.listId, g.archiveBefore, g.now);
    repo.setCheckpoint(g.checkpoint.providerId, g.checkpoint.scope, g.checkpoint.value, g.now);
    return { added, archived };
  });
}

/** What the writer thread answers for each group, in order. */
export type WriterReply =
  { ok: true; result: WriteResult } | { ok: false; code: string | null; message: string; skipped: boolean };

/** Sent last: the thread closes its connection and ends. */
export const CLOSE = 'close';

/** What the writer thread is started with. */
export interface WriterData {
  path: string;
  binding: string | undefined;
}
