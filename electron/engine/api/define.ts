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
  /** Calls that change data; browser mode requires POST for these. */
  mutates: boolean;
}

export function call<I extends z.ZodType, O extends z.ZodType>(def: CallDef<I, O>): CallDef<I, O> {
  return def;
}

export type CallsOf<T> = { [K in keyof T]: T[K] extends CallDef ? T[K] : never };
export type InputOf<C> = C extends CallDef<infer I, z.ZodType> ? z.input<I> : never;
export type OutputOf<C> = C extends CallDef<z.ZodType, infer O> ? z.output<O> : never;
