/** Connects an engine to a fake Mailchimp, as most ESP tests start (name "MC", no status page). */
import type { Engine } from '../../electron/engine/engine';
import { addConnection } from '../../electron/engine/mirror/esp/connections';
import type { FakeMailchimp } from '../fakes/mailchimp';

export function connectMailchimp(
  engine: Engine,
  fake: FakeMailchimp,
  name = 'MC',
): ReturnType<typeof addConnection> {
  return addConnection(engine, {
    kind: 'mailchimp',
    name,
    apiKey: fake.key,
    baseUrl: fake.baseUrl,
    statusUrl: null,
  });
}
