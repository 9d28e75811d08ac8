/**
 * Every handler of the contract, and the one dispatcher that IPC and HTTP both use: parse the input
 * from unknown with the call's zod schema, run the handler, return an envelope (never throw across a
 * process boundary; Signal's sql_channel does the same).
 */
import { contract, type CallName } from '../api/contract';
import type { Envelope } from '../api/common';
import type { Engine } from '../engine';
import { explainError, fromIssues } from '../errors';
import { listsHandlers } from './lists';
import { sendingHandlers } from './sending';
import { continuityHandlers } from './continuity';
import { espHandlers } from './esp';
import { suppressionsHandlers } from './suppressions';
import { unsubscribeHandlers } from './unsubscribe';
import { authHandlers } from './auth';
import { drillHandlers } from './drills';
import { capacityHandlers } from './capacity';
import { reviewHandlers } from './review';
import { readinessHandlers } from './readiness';
import { reputationHandlers } from './reputation';
import { TaskRegistry, type HandlerContext } from './types';

export const handlers = {
  ...listsHandlers,
  ...sendingHandlers,
  ...continuityHandlers,
  ...espHandlers,
  ...suppressionsHandlers,
  ...unsubscribeHandlers,
  ...authHandlers,
  ...drillHandlers,
  ...capacityHandlers,
  ...reviewHandlers,
  ...readinessHandlers,
  ...reputationHandlers,
};

// Compile-time check: every call of the contract has a handler and nothing else does.
const _complete: Record<CallName, unknown> = handlers satisfies Record<CallName, unknown>;
void _complete;

export function createDispatcher(engine: Engine): {
  dispatch(name: string, input: unknown): Promise<Envelope<unknown>>;
  ctx: HandlerContext;
} {
  const ctx: HandlerContext = { tasks: new TaskRegistry() };
  return {
    ctx,
    async dispatch(name, input) {
      if (!Object.hasOwn(contract, name)) {
        return {
          ok: false,
          error: { kind: 'user', code: 'unknown_call', message: `There is no call named "${name}".` },
        };
      }
      const def = contract[name as CallName];
      const parsed = def.input.safeParse(input ?? {});
      if (!parsed.success) {
        // The same words as the CLI's for the same refusal (engine/errors.ts#fromIssues).
        return { ok: false, error: fromIssues(parsed.error.issues).toJSON() };
      }
      try {
        const handler = handlers[name as CallName] as (e: Engine, i: unknown, c: HandlerContext) => unknown;
        const value = await handler(engine, parsed.data, ctx);
        return { ok: true, value };
      } catch (e) {
        // A full disk, a read-only database or a refused value is the person's to fix, not a bug.
        return { ok: false, error: explainError(e).forApp() };
      }
    },
  };
}
