/**
 * A test message of a campaign to an address of the marketer's: rendered exactly as the campaign
 * (merge tags filled with one real member's values, footer, List-Unsubscribe), sent through one
 * provider of the chain, and recorded nowhere but the timeline and the provider's send log (a test
 * counts against a daily cap like any message).
 *
 * What keeps it apart from the campaign itself:
 * - its Message-ID is its own (`…c<id>.test-<random>@…`): a receiver that has seen the test never
 *   drops the real message as a duplicate, and the test is never taken for a delivery;
 * - its unsubscribe links carry subscriber 0, who does not exist: clicking them in a test unsubscribes
 *   nobody (the member whose values fill the merge tags stays subscribed);
 * - its subject starts with "[Test]", and no outbox row is written: the campaign's counts and status
 *   do not move;
 * - an address on the suppression list gets no test, as it gets no campaign.
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine';
import { userError } from '../errors';
import { checkEmail } from '../mirror/email';
import type { ProviderRow } from '../db/repos/providers';
import type { SubscriberRow } from '../db/repos/subscribers';
import type { SecretStore } from '../secrets';
import { redact } from '../secrets';
import { classifySmtpFailure, smtpFailureOf } from './classify';
import { requireCampaign, toRenderCampaign } from './campaigns';
import { limiterFor, secretStoreOf } from './context';
import { noProviderError, providerSecret, requireProvider } from './providers';
import { compileCampaign, testMessageIdFor } from './render';
import { requireSendingSettings, unsubscribeSecret } from './settings';
import { createSmtpTransport } from './transport';

/** Longest wait for a provider's cap before a test is refused instead (a per-second cap passes). */
const CAP_WAIT_MS = 2_000;

export interface TestSendOptions {
  /** Where the test goes. */
  to: string;
  /** Whose values fill the merge tags: a member of the campaign's list (default: its first subscriber). */
  as?: string;
  /** The provider to send through (default: the first enabled one of the chain that is not down). */
  via?: string;
  secrets?: SecretStore;
}

export interface TestSendResult {
  campaign: number;
  to: string;
  as: string | null;
  provider: string;
  messageId: string;
  response: string;
}

export async function sendTest(engine: Engine, id: number, opts: TestSendOptions): Promise<TestSendResult> {
  const campaign = requireCampaign(engine, id);
  const to = checkEmail(opts.to);
  if (!to.ok) {
    throw userError(`"${opts.to}" is not an email address (${to.reason}).`, {
      code: 'bad_test_address',
      safe: 'Nothing was sent.',
      next: 'Give the address the test should go to, e.g. you@yourshop.com.',
    });
  }
  // An address that bounced, complained or unsubscribed gets no mail from Understudy, tests included.
  const suppressed = engine.repos.suppressions.get(to.norm);
  if (suppressed) {
    throw userError(
      `${to.email} is on the suppression list (${suppressed.reason}), so no test is sent to it.`,
      {
        code: 'test_suppressed',
        safe: 'Nothing was sent.',
        next: 'Send the test to another address of yours.',
      },
    );
  }
  const list = campaign.listId === null ? undefined : engine.repos.lists.byId(campaign.listId);
  const member = list ? memberFor(engine, list.id, list.name, opts.as) : undefined;
  const provider = opts.via ? requireProvider(engine, opts.via) : firstUsable(engine);
  const settings = requireSendingSettings(engine, campaign.fromEmail);
  const store = secretStoreOf(engine, opts.secrets);
  const render = compileCampaign(
    { ...toRenderCampaign(campaign), subject: `[Test] ${campaign.subject}` },
    { ...settings, listName: list?.name ?? '', unsubscribeSecret: await unsubscribeSecret(engine, store) },
  );
  const message = render({
    id: 0,
    email: member?.email ?? to.email,
    firstName: member?.firstName ?? '',
    lastName: member?.lastName ?? '',
    mergeFields: member?.mergeFields ?? {},
    tags: member?.tags ?? [],
  });
  message.to = to.email;
  message.messageId = testMessageIdFor(
    campaign.id,
    settings.messageIdDomain,
    settings.messageIdScope,
    randomBytes(6).toString('hex'),
  );
  // A test is a message like any other for the provider's caps: never above one. A wait of a moment
  // (a per-second cap) is waited; a longer one (a daily cap reached) is said.
  const limiter = limiterFor(engine, provider);
  const wait = limiter.waitMs(engine.clock.now());
  if (wait > CAP_WAIT_MS) {
    throw userError(
      `"${provider.name}" is at its sending limit; it may send again at ${new Date(engine.clock.now() + wait).toISOString()}.`,
      {
        code: 'test_capped',
        safe: 'Nothing was sent.',
        next: 'Send the test through another provider (--via), or later.',
      },
    );
  }
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const secret = await providerSecret(engine, provider, opts.secrets);
  const transport = createSmtpTransport(provider, secret);
  let response: string;
  try {
    response = (await transport.send(message)).response;
  } catch (e) {
    const c = classifySmtpFailure(smtpFailureOf(e));
    throw userError(
      `The test to ${to.email} was not sent: "${provider.name}" answered ${redact(c.reason, [secret])}.`,
      {
        code: 'test_failed',
        safe: 'Nothing else was sent, and the campaign is unchanged.',
        next:
          c.provider === 'down'
            ? `Check "${provider.name}" with \`understudy providers test ${provider.name}\`, or send the test through another provider.`
            : 'Check the address, or send the test through another provider.',
        appNext:
          c.provider === 'down'
            ? `Test "${provider.name}" on the Providers screen, or send the test through another provider.`
            : 'Check the address, or send the test through another provider.',
      },
    );
  } finally {
    transport.close();
  }
  const sentAt = engine.clock.now();
  limiter.take(sentAt);
  engine.repos.providerState.addSends(provider.id, Math.floor(sentAt / 1000), 1);
  engine.record({
    type: 'send.test',
    message: `Test of campaign ${campaign.id} sent to ${to.email} through "${provider.name}"${member ? ` with the values of ${member.email}` : ''}.`,
    campaignId: campaign.id,
    providerId: provider.id,
    data: { to: to.email, as: member?.email ?? null, messageId: message.messageId },
  });
  return {
    campaign: campaign.id,
    to: to.email,
    as: member?.email ?? null,
    provider: provider.name,
    messageId: message.messageId,
    response,
  };
}

/** The member whose values fill the test's (or the preview's) merge tags. */
export function memberFor(
  engine: Engine,
  listId: number,
  listName: string,
  as: string | undefined,
): SubscriberRow | undefined {
  if (as === undefined || as === '') {
    return engine.repos.subscribers.query({ listId, status: 'subscribed', limit: 1 })[0];
  }
  const c = checkEmail(as);
  const row = c.ok ? engine.repos.subscribers.byEmail(listId, c.norm) : undefined;
  if (!row) {
    throw userError(`${as} is not in the list "${listName}".`, {
      code: 'not_a_member',
      safe: 'Nothing was sent.',
      next: 'Pick a member of the list for the merge values, or leave it out.',
    });
  }
  return row;
}

/** The first enabled SMTP provider of the chain that is not known to be down or resting. */
function firstUsable(engine: Engine): ProviderRow {
  const chain = engine.repos.providers.all('smtp').filter((p) => p.enabled);
  const up = chain.find((p) => p.health !== 'down' && p.health !== 'paused') ?? chain[0];
  if (!up) throw noProviderError();
  return up;
}
