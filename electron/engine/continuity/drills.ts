/**
 * Drills: the failover tested before it is needed. Each provider sends one test message to the seed
 * address; the drill passes when that message (found by its Message-ID) is in the seed mailbox, read
 * over IMAP. A provider that cannot send (an expired password is the classic) or whose message never
 * arrives fails its drill and raises an alert — long before an outage needs it.
 */
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine';
import type { DrillRow } from '../db/repos/drills';
import type { ProviderRow } from '../db/repos/providers';
import { userError } from '../errors';
import { providerSecret } from '../sending/providers';
import { createVerifyTransport, type MailTransport } from '../sending/transport';
import { openImap, requireMailbox } from './mailbox';
import { notify } from './notify';
import { checkArrived, type DrillAuthResult } from './drillAuth';

export interface DrillOptions {
  provider?: string | undefined;
  /** How long to wait for the message to arrive. */
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  transportFor?: (p: ProviderRow, secret: string | undefined) => MailTransport;
  /** DNS server for the arrival check (else UNDERSTUDY_DNS_SERVER, else the setting). */
  dnsServer?: string;
}

export async function runDrills(engine: Engine, opts: DrillOptions = {}): Promise<DrillRow[]> {
  const mailbox = requireMailbox(engine);
  if (!mailbox.seedAddress) {
    throw userError('No seed address is set for drills.', {
      code: 'seed_missing',
      safe: 'Nothing was sent.',
      next: 'Set one with `understudy inbox setup --seed ADDRESS` (an address delivered to the backup mailbox).',
      appNext: 'Enter a seed address (one delivered to the backup mailbox) in the backup mailbox settings.',
    });
  }
  const providers = engine.repos.providers
    .all('smtp')
    .filter((p) => p.enabled && (!opts.provider || p.name.toLowerCase() === opts.provider.toLowerCase()));
  if (!providers.length) {
    throw userError(
      opts.provider
        ? `There is no SMTP provider named "${opts.provider}".`
        : 'There is no SMTP provider to drill.',
      {
        code: 'not_found',
        next: 'See `understudy providers list`.',
        appNext: 'See the accounts on the Providers screen.',
      },
    );
  }
  const out: DrillRow[] = [];
  for (const p of providers) out.push(await drillOne(engine, p, mailbox.seedAddress, opts));
  return out;
}

async function drillOne(engine: Engine, p: ProviderRow, seed: string, opts: DrillOptions): Promise<DrillRow> {
  const domain = seed.split('@')[1] ?? 'understudy.invalid';
  const messageId = `<understudy.drill.${randomUUID()}@${domain}>`;
  const drill = engine.repos.drills.start(p.id, messageId, engine.now());
  const t0 = Date.now();
  const fail = (detail: string): DrillRow => {
    const row = engine.repos.drills.finish(drill.id, 'failed', detail, engine.now());
    notify(engine, `Drill failed: ${p.name}`, {
      type: 'drill.failed',
      severity: 'error',
      providerId: p.id,
      message: `The drill of "${p.name}" failed: ${detail} Fix it now, so it works when the ESP is down.`,
      data: { drillId: drill.id, messageId },
    });
    return row;
  };
  let transport: MailTransport | undefined;
  try {
    const secret = p.secretRef ? await providerSecret(engine, p) : undefined;
    transport = opts.transportFor ? opts.transportFor(p, secret) : createVerifyTransport(p, secret);
    const from = typeof p.config.user === 'string' && p.config.user.includes('@') ? p.config.user : seed;
    await transport.send({
      from,
      to: seed,
      subject: `Understudy drill: ${p.name}`,
      text: `This is an Understudy drill of the provider "${p.name}". It proves the backup path works; no action is needed.\n`,
      messageId,
      headers: { 'X-Understudy-Drill': String(drill.id), 'Auto-Submitted': 'auto-generated' },
    });
    // A drill is a real message through the provider: it counts in its sending history (warm-up,
    // keepWarm.ts) and against its caps.
    engine.repos.providerState.addSends(p.id, Math.floor(engine.clock.now() / 1000), 1);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const why =
      err.code === 'EAUTH'
        ? `login refused (${err.message}). The password may have expired or been changed.`
        : `${err.message ?? String(e)}.`;
    return fail(`Sending failed: ${why}`);
  } finally {
    transport?.close();
  }
  const arrived = await waitForArrival(engine, messageId, opts).catch(
    (e: unknown) => `error: ${(e as Error).message}`,
  );
  if (!Buffer.isBuffer(arrived)) {
    return fail(
      arrived === false
        ? `The message was accepted but did not reach ${seed} within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s.`
        : `The seed mailbox could not be read (${arrived}).`,
    );
  }
  // Authentication on arrival (issue 16, §2): a message that would fail DMARC fails the drill.
  const auth: DrillAuthResult | null = await checkArrived(engine, arrived, opts.dnsServer).then(
    (a) => {
      engine.repos.dnsAuth.putDrillAuth(drill.id, a, engine.now());
      return a;
    },
    // could not check: the drill still says the message arrived, without an authentication verdict
    () => null,
  );
  if (auth?.why) return fail(`The message arrived, but ${auth.why}`);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const row = engine.repos.drills.finish(
    drill.id,
    'passed',
    `Arrived at ${seed} in ${seconds} s.${auth ? ` SPF ${auth.spf}, DKIM ${auth.dkim}, DMARC ${auth.dmarc}, ARC ${auth.arc}.` : ''}`,
    engine.now(),
  );
  engine.record({
    type: 'drill.passed',
    message: `Drill of "${p.name}" passed: the test message arrived at ${seed} in ${seconds} s.`,
    providerId: p.id,
    data: { drillId: drill.id, messageId },
  });
  return row;
}

/** Polls the seed mailbox for the Message-ID until it is there (its source) or the time is up (false). */
async function waitForArrival(
  engine: Engine,
  messageId: string,
  opts: DrillOptions,
): Promise<Buffer | false> {
  const s = requireMailbox(engine);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const client = await openImap(engine, s);
  try {
    for (;;) {
      const lock = await client.getMailboxLock(s.seedMailbox);
      try {
        const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
        if (Array.isArray(found) && found.length) {
          const msg = await client.fetchOne(String(found[0]), { source: true }, { uid: true });
          if (msg && msg.source) return msg.source;
        }
      } finally {
        lock.release();
      }
      if (Date.now() >= deadline || opts.signal?.aborted) return false;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 2_000));
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
}
