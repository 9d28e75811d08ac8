/**
 * `auth check`: will mail through each backup provider, From each domain in use, pass SPF, DKIM and
 * DMARC? Prints the verdict per provider and domain with the DNS records to add (issue 16, §1).
 * `auth configure`: the DKIM selector / custom MAIL FROM of a provider, and the DNS server to ask.
 */
import type { Command } from 'commander';
import { common, output, withEngine, type CommonOptions, type Io } from '../context';
import { checkAuthentication, configureAuthentication, DNS_SERVER_ENV } from '../../engine/sending/dnsAuth';
import { AUTH_VERDICT_LABEL, type AuthCheck } from '../../engine/api/auth';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerAuth(program: Command, io: Io): void {
  const auth = program.command('auth').description('SPF, DKIM and DMARC readiness of each backup provider');

  common(
    auth
      .command('check')
      .description('check each backup provider against each From domain in use (or --provider / --from)')
      .option('--provider <name>', 'only this provider')
      .option('--from <domain>', 'only this From domain (or an address at it)')
      .option('--selector <selector>', 'DKIM selector to look for (repeatable)', collect)
      .option('--mail-from <domain>', "the provider's custom MAIL FROM (bounce) domain")
      .option(
        '--dns-server <address>',
        `DNS server to ask (default: ${DNS_SERVER_ENV}, the setting, the system's)`,
      )
      .option('--stored', 'do not ask the DNS again: judge from the answers stored by the last check'),
  ).action(
    async (
      opts: CommonOptions & {
        provider?: string;
        from?: string;
        selector?: string[];
        mailFrom?: string;
        dnsServer?: string;
        stored?: boolean;
      },
    ) => {
      await withEngine(opts, io, async (engine) => {
        const server = opts.dnsServer ?? io.env[DNS_SERVER_ENV];
        const results = await checkAuthentication(engine, {
          ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.selector ? { selector: opts.selector } : {}),
          ...(opts.mailFrom !== undefined ? { mailFrom: opts.mailFrom } : {}),
          ...(server ? { dnsServer: server } : {}),
          refresh: !opts.stored,
        });
        output(opts, io, results, () => results.map(human).join('\n\n'));
      });
    },
  );

  common(
    auth
      .command('configure')
      .description(
        "remember a provider's DKIM selector(s) and custom MAIL FROM domain, or the DNS server to ask",
      )
      .option('--provider <name>', 'the provider')
      .option('--selector <selector>', 'DKIM selector it signs with (repeatable)', collect)
      .option('--mail-from <domain>', 'its custom MAIL FROM (bounce) domain')
      .option('--dns-server <address>', 'DNS server to ask, e.g. 127.0.0.1:5353'),
  ).action(
    async (
      opts: CommonOptions & { provider?: string; selector?: string[]; mailFrom?: string; dnsServer?: string },
    ) => {
      await withEngine(opts, io, (engine) => {
        const r = configureAuthentication(engine, {
          ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
          ...(opts.selector ? { selector: opts.selector } : {}),
          ...(opts.mailFrom !== undefined ? { mailFrom: opts.mailFrom } : {}),
          ...(opts.dnsServer !== undefined ? { dnsServer: opts.dnsServer } : {}),
        });
        output(opts, io, r, () =>
          [
            r.provider
              ? `${r.provider}: DKIM selector ${r.selectors?.join(', ') ?? '(preset default)'}, MAIL FROM ${r.mailFrom ?? '(none)'}`
              : '',
            `DNS server: ${r.dnsServer ?? "(the computer's)"}`,
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    },
  );
}

function human(r: AuthCheck): string {
  const lines = [
    `${r.provider} × ${r.domain}: ${AUTH_VERDICT_LABEL[r.verdict].toUpperCase()}`,
    `  ${r.headline}`,
  ];
  for (const why of r.reasons) lines.push(`  - ${why}`);
  if (r.records.length) {
    lines.push('  Add to your DNS:');
    for (const rec of r.records)
      lines.push(`    ${rec.name}  ${rec.type}  "${rec.value}"`, `      (${rec.why})`);
  }
  return lines.join('\n');
}
