/**
 * Drills prove authentication on arrival (issue 16, §2): the drill message, fetched back from the seed
 * mailbox, is checked with mailauth — SPF (client address and envelope sender from the Received and
 * Return-Path headers the receiving server added), DKIM, DMARC and ARC — against the configured DNS
 * server (dnsAuth.ts). A message that would fail DMARC fails its drill.
 */
import { promises as dnsp } from 'node:dns';
import { authenticate } from 'mailauth';
import type { Engine } from '../engine';
import { DNS_SERVER_ENV, DNS_SERVER_SETTING } from '../sending/dnsAuth';

export interface DrillAuthResult {
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  /** Plain words: why DMARC failed, or null. */
  why: string | null;
  /** mailauth's Authentication-Results lines, for the details toggle. */
  details: string;
}

export async function checkArrived(
  engine: Engine,
  source: Buffer,
  dnsServer?: string,
): Promise<DrillAuthResult> {
  const server =
    dnsServer ?? process.env[DNS_SERVER_ENV] ?? engine.repos.settings.get<string>(DNS_SERVER_SETTING);
  const r = new dnsp.Resolver({ timeout: 2000, tries: 1 });
  if (typeof server === 'string' && server.trim()) r.setServers([server.trim()]);
  const resolver = (name: string, rrtype: string): Promise<string[][] | string[]> =>
    r.resolve(name, rrtype) as Promise<string[][] | string[]>;
  const res = await authenticate(source, {
    trustReceived: true,
    resolver,
    disableBimi: true,
    mta: 'understudy.drill',
  });
  const spf = res.spf ? res.spf.status.result : 'none';
  const dkimRows = res.dkim?.results ?? [];
  const dkim =
    dkimRows.find((x) => x.status.result === 'pass')?.status.result ?? dkimRows[0]?.status.result ?? 'none';
  const dmarc = res.dmarc ? res.dmarc.status.result : 'none';
  const arc = res.arc ? res.arc.status.result : 'none';
  const domain = res.dmarc ? res.dmarc.domain : null;
  const why =
    dmarc === 'fail'
      ? `it fails DMARC for ${domain ?? 'its From domain'} (SPF ${spf}, DKIM ${dkim}; neither aligned with the From domain), so receivers that enforce DMARC will refuse or spam-folder mail sent through this backup.`
      : null;
  return { spf, dkim, dmarc, arc, why, details: res.headers ?? '' };
}
