/**
 * `readiness`: is this setup ready for the ESP's next outage? Per backup account its authentication,
 * last drill, warm-up, caps and whether it can carry the largest upcoming campaign; the setup around
 * it; one verdict and the next thing to do (issue 16 §6). Judged from stored facts: it reads the
 * database and never creates one. `--check` asks the DNS first (as `auth check` does) and stores the
 * answers.
 */
import type { Command } from 'commander';
import { common, dbPathOf, output, withEngine, type CommonOptions, type Io } from '../context';
import { readiness, type SecretsKnown } from '../../engine/continuity/readiness';
import { checkAuthentication, DNS_SERVER_ENV } from '../../engine/sending/dnsAuth';
import { existsSync } from 'node:fs';
import { openCliSecretStore, PASSPHRASE_ENV, secretsPathFor } from '../../engine/secrets';
import { AUTH_VERDICT_LABEL } from '../../engine/api/auth';
import {
  READINESS_SCREEN_LABEL,
  READINESS_VERDICT_LABEL,
  type CheckState,
  type Readiness,
} from '../../engine/api/readiness';
import { isUnderstudyError } from '../../engine/errors';

const MARK: Record<CheckState, string> = { ok: 'ok', warning: '! ', problem: 'XX' };

export function registerReadiness(program: Command, io: Io): void {
  common(
    program
      .command('readiness')
      .description(
        'is each backup ready for an outage (authentication, drills, warm-up, capacity), and what to do next',
      )
      .option('--check', 'ask the DNS again before judging (stores the answers, like `auth check`)')
      .option(
        '--dns-server <address>',
        `DNS server to ask with --check (default: ${DNS_SERVER_ENV}, the setting, the system's)`,
      ),
  ).action(async (opts: CommonOptions & { check?: boolean; dnsServer?: string }) => {
    await withEngine(opts, io, async (engine) => {
      if (opts.check) {
        const server = opts.dnsServer ?? io.env[DNS_SERVER_ENV];
        try {
          await checkAuthentication(engine, { ...(server ? { dnsServer: server } : {}), refresh: true });
        } catch (e) {
          // Nothing to check yet (no backup, no From domain): the view says so itself.
          if (!isUnderstudyError(e) || !['no_provider', 'no_from_domain'].includes(e.code ?? '')) throw e;
        }
      }
      const r = await readiness(engine, { secrets: await secretsKnown(dbPathOf(opts, io), io) });
      output(opts, io, r, () => human(r));
    });
  });
}

/** The CLI holds no open store: it opens one only when a passphrase is given, to see that it opens. */
async function secretsKnown(dbPath: string, io: Io): Promise<SecretsKnown> {
  if (!io.env[PASSPHRASE_ENV]) return 'unknown';
  // No secret file: saved passwords, if any are referred to, cannot be read (and none is created here).
  if (!existsSync(secretsPathFor(dbPath))) return 'locked';
  try {
    await openCliSecretStore(dbPath, io.env, () => Promise.resolve(''));
    return 'open';
  } catch (e) {
    if (isUnderstudyError(e) && e.kind === 'user') return 'locked';
    throw e;
  }
}

function human(r: Readiness): string {
  const lines = [`Readiness: ${READINESS_VERDICT_LABEL[r.verdict].toUpperCase()}`, `  ${r.headline}`];
  if (r.next)
    lines.push('', `Next: ${r.next.text}`, `  (in the app: ${READINESS_SCREEN_LABEL[r.next.screen]} screen)`);
  lines.push('', 'Getting started');
  for (const c of r.checklist) lines.push(`  [${c.done ? 'x' : ' '}] ${c.label} — ${c.words}`);
  lines.push('', 'Backups');
  if (r.backups.length === 0) lines.push('  (none)');
  for (const b of r.backups) {
    lines.push(`  ${MARK[b.state]} ${b.provider}: ${b.words}`);
    const auth = b.auth.verdict ? AUTH_VERDICT_LABEL[b.auth.verdict] : 'not checked';
    lines.push(
      `       Authentication (${auth}): ${b.auth.words}`,
      `       Last drill: ${b.drill.words}`,
      `       Warm-up: ${b.warmup.words}`,
      `       Limits: ${b.capsWords}`,
      `       Largest campaign: ${b.carry.words}`,
    );
    const records = b.auth.domains.flatMap((d) => d.records);
    if (records.length) {
      lines.push('       Add to your DNS:');
      for (const rec of records) lines.push(`         ${rec.name}  ${rec.type}  "${rec.value}"`);
    }
  }
  lines.push('', 'Setup');
  for (const c of r.checks) lines.push(`  ${MARK[c.state]} ${c.label}: ${c.words}`);
  if (r.largest)
    lines.push(
      '',
      `Largest upcoming campaign: ${r.largest.name} (${r.largest.remaining.toLocaleString('en-US')} messages). ${r.largest.summary}`,
    );
  return lines.join('\n');
}
