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

/**
 * Sends it to each address (one message each, as a campaign does) through the first provider that
 * takes it; an address a provider fails is tried on the next. Throws with every provider's answer
 * when an address got nothing.
 */
export async function sendTeamMail(
  engine: Engine,
  m: TeamMail,
): Promise<{ provider: string; providerId: number }> {
  const errors: string[] = [];
  let left = [...m.to];
  let used: { provider: string; providerId: number } | null = null;
  for (const p of teamMailProviders(engine)) {
    if (!left.length) break;
    const limiter = limiterFor(engine, p);
    let secret: string | undefined;
    let t: MailTransport | undefined;
    try {
      secret = await providerSecret(engine, p);
      t = m.transportFor ? m.transportFor(p, secret) : createSmtpTransport(p, secret);
      const domain = /@([^>\s]+)>?$/.exec(m.from)?.[1] ?? 'understudy.invalid';
      for (const to of [...left]) {
        // Never above the provider's caps, and never waiting in a campaign's way: the next provider.
        if (limiter.waitMs(engine.clock.now()) > 0) {
          errors.push(`${p.name}: at its sending limit`);
          break;
        }
        await t.send({
          from: m.from,
          to,
          subject: m.subject,
          text: m.text,
          messageId: `<understudy.alert.${randomBytes(8).toString('hex')}@${domain}>`,
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Understudy-Alert': '1' },
        });
        const at = engine.clock.now();
        limiter.take(at);
        engine.repos.providerState.addSends(p.id, Math.floor(at / 1000), 1);
        left = left.filter((x) => x !== to);
        used ??= { provider: p.name, providerId: p.id };
      }
    } catch (e) {
      errors.push(`${p.name}: ${redact((e as Error)?.message ?? String(e), secret ? [secret] : [])}`);
    } finally {
      t?.close();
    }
  }
  if (used && !left.length) return used;
  throw new Error(
    `${left.length < m.to.length ? `${left.join(', ')} got nothing: ` : ''}${errors.length ? errors.join('; ') : 'no backup SMTP provider is set up and healthy'}`,
  );
}
