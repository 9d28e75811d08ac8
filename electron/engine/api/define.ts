/**
 * How a call of the API contract is declared. One declaration serves IPC (main/preload), HTTP and
 * WebSocket (browser mode) and the renderer's typed client: the input is parsed from `unknown` with
 * zod on the engine's side of every boundary, and the result travels in an envelope.
 */
import type { z } from 'zod';

export interface CallDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** One line for documentation and the generated preload. */
  description: string;
  input: I;
  output: O;
  /**
   * Calls that change anything — a row, an event, a provider's health, a file. Browser mode answers
   * GET only for calls with `mutates: false` and no `paths`, so a GET (an `<img>`, a link, a
   * prefetch) can never write.
   */
  mutates: boolean;
  /**
   * Input fields that name a file on the engine's computer: `open` is read, `save` is written.
   * Browser mode refuses these calls outright (it has downloads and uploads instead); the desktop
   * shell accepts for them only paths its own open/save dialogs produced.
   */
  paths?: Readonly<Record<string, PathUse>>;
}

export type PathUse = 'open' | 'save';

/** The input fields of a call that name a file (empty for most calls). */
export function pathFields(def: CallDef): [string, PathUse][] {
  return Object.entries(def.paths ?? {});
}

/** Calls a GET may reach: they change nothing and name no file. */
export function readOnly(def: CallDef): boolean {
  return !def.mutates && pathFields(def).length === 0;
}

export function call<I extends z.ZodType, O extends z.ZodType>(def: CallDef<I, O>): CallDef<I, O> {
  return def;
}

export type CallsOf<T> = { [K in keyof T]: T[K] extends CallDef ? T[K] : never };
export type InputOf<C> = C extends CallDef<infer I, z.ZodType> ? z.input<I> : never;
export type OutputOf<C> = C extends CallDef<z.ZodType, infer O> ? z.output<O> : never;
