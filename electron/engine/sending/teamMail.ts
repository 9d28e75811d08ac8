/**
 * A short operational message to the team (an alert), sent through the first healthy backup SMTP
 * provider with the sending engine's own transport, secret and rate limiter: it counts against the
 * provider's caps like any message and never goes above them. A provider at its cap right now is
 * passed over (an alert never waits behind, or takes the place of, a campaign's next message).
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine';
import type { ProviderRow } from '../db/repos/providers';
import { redact } from '../secrets';
import { limiterFor } from './context';
import { providerSecret } from './providers';
import { createSmtpTransport, type MailTransport } from './transport';

export interface TeamMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Tests and special transports; default: the provider's SMTP transport. */
  transportFor?: (p: ProviderRow, secret: string | undefined) => MailTransport;
}

const RANK: Record<string, number> = { operational: 0, unknown: 1, degraded: 2 };

/** The providers an alert may go through, healthiest first, then in chain order. */
export function teamMailProviders(engine: Engine): ProviderRow[] {
  return engine.repos.providers
    .all('smtp')
    .filter((p) => p.enabled && p.health in RANK)
    .sort((a, b) => RANK[a.health]! - RANK[b.health]! || a.priority - b.priority);
}

/** Sends it through the first provider that takes it; throws with every provider's answer if none does. */
export async function sendTeamMail(
  engine: Engine,
  m: TeamMail,
): Promise<{ provider: string; providerId: number }> {
  const errors: string[] = [];
  for (const p of teamMailProviders(engine)) {
    const limiter = limiterFor(engine, p);
    if (limiter.waitMs(engine.clock.now()) > 0) {
      errors.push(`${p.name}: at its sending limit`);
      continue;
    }
    let secret: string | undefined;
    let t: MailTransport | undefined;
    try {
      secret = await providerSecret(engine, p);
      t = m.transportFor ? m.transportFor(p, secret) : createSmtpTransport(p, secret);
      const domain = /@([^>\s]+)>?$/.exec(m.from)?.[1] ?? 'understudy.invalid';
      await t.send({
        from: m.from,
        to: m.to.join(', '),
        subject: m.subject,
        text: m.text,
        messageId: `<understudy.alert.${randomBytes(8).toString('hex')}@${domain}>`,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Understudy-Alert': '1' },
      });
      const at = engine.clock.now();
      limiter.take(at);
      engine.repos.providerState.addSends(p.id, Math.floor(at / 1000), 1);
      return { provider: p.name, providerId: p.id };
    } catch (e) {
      errors.push(`${p.name}: ${redact((e as Error)?.message ?? String(e), secret ? [secret] : [])}`);
    } finally {
      t?.close();
    }
  }
  throw new Error(errors.length ? errors.join('; ') : 'no backup SMTP provider is set up and healthy');
}
