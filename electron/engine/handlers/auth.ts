/** Handlers for authentication readiness (issue 16, §1). */
import type { authCalls } from '../api/auth';
import type { HandlersFor } from './types';
import { checkAuthentication } from '../sending/dnsAuth';

export const authHandlers: HandlersFor<typeof authCalls> = {
  checkAuthentication: (engine, q) => checkAuthentication(engine, q),
};
