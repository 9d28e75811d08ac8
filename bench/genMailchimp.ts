/**
 * Generates a Mailchimp-style audience export ("subscribed members" file) for benchmarks and tests:
 * Mailchimp's real column set, quoted commas, multibyte names, Mailchimp's TAGS quoting, and a chosen
 * share of invalid or duplicate rows. Deterministic for a given seed.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const MAILCHIMP_SUBSCRIBED_HEADER = [
  'Email Address',
  'First Name',
  'Last Name',
  'Address',
  'Phone Number',
  'Birthday',
  'MEMBER_RATING',
  'OPTIN_TIME',
  'OPTIN_IP',
  'CONFIRM_TIME',
  'CONFIRM_IP',
  'LATITUDE',
  'LONGITUDE',
  'GMTOFF',
  'DSTOFF',
  'TIMEZONE',
  'CC',
  'REGION',
  'LAST_CHANGED',
  'LEID',
  'EUID',
  'NOTES',
  'TAGS',
];

const FIRST = [
  'José',
  'Zoë',
  'Łukasz',
  'Anna',
  'Müller',
  'Søren',
  '王',
  'Ёлка',
  'Chloé',
  'Ana',
  'Björk',
  'Renée',
  'Noël',
  'Ærø',
  'Şule',
  'Ümit',
];
const LAST = [
  'García',
  'Nguyễn',
  "O'Brien",
  'Smith',
  'Kovačević',
  '李',
  'Øster',
  'Dvořák',
  'Jones',
  'Ångström',
  'Çelik',
  'Schröder',
];
const TAGS = ['Customer', 'VIP', 'Newsletter', 'Früh-Bucher', 'Black Friday, 2026'];

function q(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A small deterministic PRNG (mulberry32), so every run generates the same file. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenStats {
  rows: number;
  invalid: number;
  duplicates: number;
  bytes: number;
}

export async function generateMailchimpExport(
  path: string,
  rows: number,
  opts: { badShare?: number; seed?: number } = {},
): Promise<GenStats> {
  const rand = rng(opts.seed ?? 42);
  const bad = opts.badShare ?? 0.01;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let buf = MAILCHIMP_SUBSCRIBED_HEADER.map(q).join(',') + '\n';
  let invalid = 0;
  let duplicates = 0;
  let bytes = 0;
  for (let i = 0; i < rows; i++) {
    const r = rand();
    let email: string;
    if (r < bad / 2) {
      invalid++;
      email = i % 3 === 0 ? `broken-${i}.example.com` : i % 3 === 1 ? '' : `bad ${i}@exa mple.com`;
    } else if (r < bad && i > 10) {
      duplicates++;
      email = `Person.${Math.floor(rand() * (i - 1))}@Example.com`;
    } else {
      email = `Person.${i}@Example.com`;
    }
    const f = FIRST[i % FIRST.length]!;
    const l = LAST[(i >> 3) % LAST.length]!;
    const month = String(1 + (i % 12)).padStart(2, '0');
    const tags = TAGS.slice(0, i % 3)
      .map((t) => `"${t}"`)
      .join(',');
    const line = [
      email,
      f,
      l,
      `${i} Main St, Springfield, IL 62701`,
      `+1 555 ${String(i % 10000).padStart(4, '0')}`,
      `${month}/15`,
      String(1 + (i % 5)),
      `2024-${month}-03 10:11:12`,
      '203.0.113.7',
      `2024-${month}-03 10:12:00`,
      '198.51.100.2',
      '39.7817',
      '-89.6501',
      '-6',
      '-5',
      'America/Chicago',
      'US',
      'IL',
      `2025-${month}-20 08:00:00`,
      String(100000000 + i),
      `e${((i * 2654435761) >>> 0).toString(16)}`,
      i % 50 === 0 ? 'Met at the fair, wants "news"' : '',
      tags,
    ]
      .map(q)
      .join(',');
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      bytes += Buffer.byteLength(buf);
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  bytes += Buffer.byteLength(buf);
  out.end(buf);
  await once(out, 'finish');
  return { rows, invalid, duplicates, bytes };
}
