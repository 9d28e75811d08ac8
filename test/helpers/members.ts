/** A member row as the sync and the bulk insert take it: an address with every other field empty. */
import type { MemberFields } from '../../electron/engine/db/repos/espSync';

export function memberFields(email: string, over: Partial<MemberFields> = {}): MemberFields {
  return {
    email,
    emailNorm: email.toLowerCase(),
    firstName: '',
    lastName: '',
    nameNorm: '',
    status: 'subscribed',
    statusChangedAt: null,
    statusReason: null,
    mergeFields: '{}',
    tags: '[]',
    extra: '{}',
    optinTime: null,
    optinIp: null,
    confirmTime: null,
    confirmIp: null,
    espId: '',
    espChangedAt: null,
    ...over,
  };
}
