/**
 * The writing of a sync's first full pass into an empty list, on a thread of its own.
 *
 * A first sync is bounded by the engine thread: fetching and parsing a page costs ~10 µs of CPU per
 * member and writing it into SQLite (the row, five indexes, the search index) ~22 µs, while an ESP
 * answering 10 pages of 1,000 at once every 250 ms hands over a member every 25 µs. On one thread the
 * writing queued behind the fetching (bench:sync: 0.55–0.61 of fetch-only). Here the pages' rows go,
 * already mapped, to a worker thread with its own connection to the same database (WAL: one writer at
 * a time, readers never blocked), which writes each group — members, the suppressions they carry, the
 * pass's checkpoint, and at the end the archiving of members the ESP no longer has — in one
 * transaction, in the order the groups were sent. Meanwhile the engine thread fetches the next pages,
 * and stays free to answer the app, a send, an unsubscribe link.
 *
 * Only the first full pass into an empty list comes here: nothing local can be in the way, so a group
 * needs no reads. Anything else (a later pass, a member met twice) is written on the engine thread as
 * before, after this writer has finished what it was given.
 */
import type { Worker } from 'node:worker_threads';
import type { Db } from '../../db/connection';
import { nativeBindingInUse } from '../../db/connection';
import { spawnWorker } from '../../workers/spawn';
import { CLOSE, type WriteGroup, type WriteResult, type WriterData, type WriterReply } from './writeGroup';

export type { SuppressReason, WriteGroup, WriteResult } from './writeGroup';

/**
 * Groups go out in order and come back in order. After a group fails, the writer writes nothing more
 * (the ones after it assumed it was written) and answers `skipped` for each.
 */
export class MemberWriter {
  private readonly waiting: { resolve: (r: WriteResult) => void; reject: (e: WriterError) => void }[] = [];
  private ended: Error | null = null;

  /** Writer threads this process has started (what the tests look at to know which way a sync wrote). */
  static threadsStarted = 0;

  private constructor(private readonly worker: Worker) {
    MemberWriter.threadsStarted++;
    worker.on('message', (r: WriterReply) => {
      const w = this.waiting.shift();
      if (!w) return;
      if (r.ok) w.resolve(r.result);
      else w.reject(new WriterError(r.message, r.code, r.skipped));
    });
    const end = (e: Error) => {
      this.ended ??= e;
      for (const w of this.waiting.splice(0)) w.reject(new WriterError(e.message, null, false));
    };
    worker.on('error', end);
    worker.on('exit', (code) => end(new Error(`the sync's writer stopped (exit ${code})`)));
  }

  /** A writer for the engine's database, or null when it cannot have one (in memory, no thread). */
  static start(db: Db): MemberWriter | null {
    if (db.memory || db.readonly) return null;
    const data: WriterData = { path: db.name, binding: nativeBindingInUse() };
    try {
      return new MemberWriter(
        spawnWorker(new URL('./writerWorker.ts', import.meta.url), { ...data }, { native: true }),
      );
    } catch {
      // A build missing its writer: the engine thread writes, as it does for a small list.
      return null;
    }
  }

  write(g: WriteGroup): Promise<WriteResult> {
    if (this.ended) return Promise.reject(new WriterError(this.ended.message, null, false));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(g);
    });
  }

  /** Closes the thread's connection and ends it (call once every group has settled). */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = new Error("the sync's writer was closed");
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.postMessage(CLOSE);
    await exited;
  }
}

export class WriterError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    /** Not attempted because a group before it failed. */
    readonly skipped: boolean,
  ) {
    super(message);
  }
}
