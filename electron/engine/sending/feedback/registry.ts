/** The relays Understudy can ask for bounces and complaints, by provider preset. */
import { userError } from '../../errors';
import type { ProviderRow } from '../../db/repos/providers';
import type { RelayApi } from './types';
import { sendgridApi } from './sendgrid';
import { sesApi } from './ses';
import { mailgunApi } from './mailgun';
import { postmarkApi } from './postmark';
import { brevoApi } from './brevo';

/** The presets whose relay has an API to pull from. */
export const RELAY_APIS: Readonly<Record<string, RelayApi>> = {
  sendgrid: sendgridApi,
  ses: sesApi,
  'ses-sandbox': sesApi,
  mailgun: mailgunApi,
  postmark: postmarkApi,
  brevo: brevoApi,
};

export function relayApiFor(preset: string | null): RelayApi | undefined {
  return preset !== null ? RELAY_APIS[preset] : undefined;
}

export function notSupported(p: Pick<ProviderRow, 'name' | 'preset'>): Error {
  return userError(
    `"${p.name}" is not a relay Understudy can ask for bounces and complaints${p.preset ? ` (preset ${p.preset})` : ''}.`,
    {
      code: 'relay_api_unsupported',
      safe: 'Nothing was stored or changed.',
      next: `Relays with an API for this: ${[...new Set(Object.values(RELAY_APIS).map((a) => a.label))].join(', ')} (presets ${Object.keys(RELAY_APIS).join(', ')}). Other accounts report bounces to the backup mailbox.`,
    },
  );
}
