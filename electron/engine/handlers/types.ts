/** The engine side of the API contract: one function per call, given the parsed input. */
import type { Engine } from '../engine';
import type { CallDef, InputOf, OutputOf } from '../api/define';
import type { z } from 'zod';

export interface HandlerContext {
  /** Registers a cancellable long task under an id the UI can pass to cancelTask. */
  tasks: TaskRegistry;
}

export type Handler<C extends CallDef> = (
  engine: Engine,
  input: z.output<C['input']>,
  ctx: HandlerContext,
) => Promise<OutputOf<C>> | OutputOf<C>;

export type HandlersFor<T extends Record<string, CallDef>> = { [K in keyof T]: Handler<T[K]> };

// Re-exported so handler files need one import.
export type { InputOf, OutputOf };

export class TaskRegistry {
  private readonly running = new Map<string, AbortController>();

  start(taskId: string): AbortSignal {
    const ac = new AbortController();
    this.running.set(taskId, ac);
    return ac.signal;
  }

  finish(taskId: string): void {
    this.running.delete(taskId);
  }

  cancel(taskId: string): boolean {
    const ac = this.running.get(taskId);
    if (!ac) return false;
    ac.abort();
    return true;
  }
}
