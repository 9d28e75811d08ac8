/**
 * ESP kind → connector factory. Each ESP folder exports one `ConnectorFactory`; add it to FACTORIES
 * with one line. The engine asks `createConnector(kind, options)` and never imports a connector directly.
 */
import { userError } from '../../errors';
import {
  ESP_KINDS,
  type ConnectorFactory,
  type ConnectorOptions,
  type EspConnector,
  type EspKind,
} from './types';
import { createMailerLiteConnector } from './mailerlite';
import { createKitConnector } from './kit';
import { createKlaviyoConnector } from './klaviyo';
import { createSendGridConnector } from './sendgrid';
import { createMailchimp } from './mailchimp';
import { createBrevo } from './brevo';

// One line per ESP (connectors import only types/http/health, never this file: no import cycle).
const FACTORIES: Partial<Record<EspKind, ConnectorFactory>> = {
  mailchimp: createMailchimp,
  brevo: createBrevo,
  mailerlite: createMailerLiteConnector,
  kit: createKitConnector,
  klaviyo: createKlaviyoConnector,
  sendgrid: createSendGridConnector,
};

/** Registers (or, in tests, replaces) the factory of an ESP kind. */
export function registerConnector(kind: EspKind, factory: ConnectorFactory): void {
  FACTORIES[kind] = factory;
}

export function hasConnector(kind: EspKind): boolean {
  return FACTORIES[kind] !== undefined;
}

export function availableKinds(): EspKind[] {
  return ESP_KINDS.filter((k) => FACTORIES[k] !== undefined);
}

export function createConnector(kind: EspKind, options: ConnectorOptions): EspConnector {
  const factory = FACTORIES[kind];
  if (!factory)
    throw userError(`Understudy cannot connect to ${kind} yet.`, {
      code: 'esp_unsupported',
      safe: 'Nothing was changed.',
      next: `Use one of: ${availableKinds().join(', ') || '(none built in)'}; or import a CSV export of the list.`,
    });
  return factory(options);
}
