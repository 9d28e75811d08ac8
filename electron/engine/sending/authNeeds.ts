/**
 * What each provider preset needs in the From domain's DNS for its mail to pass SPF, DKIM and DMARC
 * (issue 16, §1). Declared once, next to the presets; the readiness check derives every verdict and
 * every "record to add" from this table.
 *
 * - `spf`: the SPF include that authorises the provider's sending servers (any one is enough).
 * - `envelope`: whose domain is in the bounce address (MAIL FROM), which is what SPF checks:
 *   `from` — the From address's own domain (Google, Microsoft); `custom` — a subdomain the person
 *   sets up (a "custom MAIL FROM" / return-path domain, e.g. bounce.example.com), without which the
 *   provider's own domain is used and SPF cannot align; `provider` — always the provider's domain.
 * - `dkim`: the selectors the provider signs with by default (the person may name others), and how
 *   the key is published (a TXT record, or a CNAME to a key the provider hosts).
 */
export type Envelope = 'from' | 'custom' | 'provider';

export interface AuthNeeds {
  spf: string[];
  envelope: Envelope;
  /** An example of the custom MAIL FROM subdomain, for the advice ("bounce" → bounce.example.com). */
  envelopeLabel?: string;
  dkim: { selectors: string[]; how: string; cname?: (selector: string, domain: string) => string };
}

const dashed = (d: string): string => d.replace(/\./g, '-');

export const AUTH_NEEDS: Record<string, AuthNeeds> = {
  gmail: {
    spf: ['_spf.google.com'],
    envelope: 'from',
    dkim: { selectors: ['google'], how: 'Google Admin → Apps → Gmail → Authenticate email' },
  },
  'google-workspace': {
    spf: ['_spf.google.com'],
    envelope: 'from',
    dkim: { selectors: ['google'], how: 'Google Admin → Apps → Gmail → Authenticate email' },
  },
  microsoft365: {
    spf: ['spf.protection.outlook.com'],
    envelope: 'from',
    dkim: {
      selectors: ['selector1', 'selector2'],
      how: 'Microsoft Defender portal → Email authentication settings → DKIM',
      cname: (s, d) => `${s}-${dashed(d)}._domainkey.YOURTENANT.onmicrosoft.com`,
    },
  },
  'ses-sandbox': {
    spf: ['amazonses.com'],
    envelope: 'custom',
    envelopeLabel: 'mail',
    dkim: {
      selectors: [],
      how: 'Amazon SES console → Verified identities → your domain → DKIM (three CNAME records)',
      cname: (s) => `${s}.dkim.amazonses.com`,
    },
  },
  ses: {
    spf: ['amazonses.com'],
    envelope: 'custom',
    envelopeLabel: 'mail',
    dkim: {
      selectors: [],
      how: 'Amazon SES console → Verified identities → your domain → DKIM (three CNAME records)',
      cname: (s) => `${s}.dkim.amazonses.com`,
    },
  },
  sendgrid: {
    spf: ['sendgrid.net'],
    envelope: 'custom',
    envelopeLabel: 'em',
    dkim: {
      selectors: ['s1', 's2'],
      how: 'SendGrid → Settings → Sender Authentication → Authenticate your domain',
      cname: (s) => `${s}.domainkey.uNNNNN.wl.sendgrid.net`,
    },
  },
  mailgun: {
    spf: ['mailgun.org'],
    envelope: 'from',
    dkim: { selectors: ['mx', 'k1', 'smtp'], how: 'Mailgun → Sending → Domains → DNS records' },
  },
  postmark: {
    spf: ['spf.mtasv.net'],
    envelope: 'custom',
    envelopeLabel: 'pm-bounces',
    dkim: { selectors: [], how: 'Postmark → Sender signatures / Domains → DNS settings (DKIM)' },
  },
  brevo: {
    spf: ['spf.brevo.com', 'sendinblue.com', 'spf.sendinblue.com'],
    envelope: 'from',
    dkim: {
      selectors: ['brevo1', 'brevo2', 'mail'],
      how: 'Brevo → Senders, domains & dedicated IPs → Domains → Authenticate',
      cname: (s, d) => `b${s.replace(/^brevo/, '')}.${dashed(d)}.dkim.brevo.com`,
    },
  },
  // Other SMTP servers: SPF is checked against the server's own addresses (A/AAAA of its host), and
  // the DKIM selector is the one the person names.
  custom: { spf: [], envelope: 'from', dkim: { selectors: [], how: "your mail server's DKIM settings" } },
};

export function authNeedsOf(preset: string | null): AuthNeeds {
  return AUTH_NEEDS[preset ?? 'custom'] ?? AUTH_NEEDS.custom!;
}
