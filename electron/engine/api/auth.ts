/**
 * Authentication readiness (issue 16, §1): for each backup provider and each From domain in use,
 * will SPF, DKIM and DMARC let its mail through? The verdict, the reasons in plain words and the exact
 * DNS records to add.
 */
import { z } from 'zod';
import { call } from './define';

export const AUTH_VERDICTS = ['ready', 'at_risk', 'rejected', 'unknown'] as const;
export const AuthVerdictSchema = z.enum(AUTH_VERDICTS);
export type AuthVerdict = z.infer<typeof AuthVerdictSchema>;

/** How each verdict reads to a person. */
export const AUTH_VERDICT_LABEL: Record<AuthVerdict, string> = {
  ready: 'ready',
  at_risk: 'at risk',
  rejected: 'will be rejected',
  unknown: 'could not check',
};

export const DnsRecordSchema = z.object({
  name: z.string(),
  type: z.enum(['TXT', 'CNAME', 'MX']),
  value: z.string(),
  why: z.string(),
});
export type DnsRecord = z.infer<typeof DnsRecordSchema>;

export const AuthCheckSchema = z.object({
  provider: z.string(),
  providerId: z.number().int(),
  preset: z.string().nullable(),
  domain: z.string(),
  verdict: AuthVerdictSchema,
  /** One sentence: the verdict and its main reason. */
  headline: z.string(),
  /** True when mail would look accepted but fail DMARC: the worst outcome, said loudly. */
  loud: z.boolean(),
  reasons: z.array(z.string()),
  records: z.array(DnsRecordSchema),
  spf: z.object({
    domain: z.string().nullable(),
    record: z.string().nullable(),
    authorises: z.boolean(),
    aligned: z.boolean(),
    lookups: z.number().int(),
    problem: z.string().nullable(),
  }),
  dkim: z.object({
    selector: z.string().nullable(),
    bits: z.number().int().nullable(),
    aligned: z.boolean(),
    problem: z.string().nullable(),
  }),
  dmarc: z.object({
    record: z.string().nullable(),
    policy: z.enum(['none', 'quarantine', 'reject']).nullable(),
    pct: z.number().int(),
    adkim: z.enum(['r', 's']),
    aspf: z.enum(['r', 's']),
    orgDomain: z.string(),
  }),
  /** When the oldest DNS fact this verdict rests on was fetched. */
  checkedAt: z.string().nullable(),
});
export type AuthCheck = z.infer<typeof AuthCheckSchema>;

export const AuthCheckRequestSchema = z.object({
  provider: z.string().max(200).optional(),
  from: z.string().max(400).optional(),
  /** DKIM selector(s) to look for instead of the provider's defaults. */
  selector: z.array(z.string().max(100)).max(10).optional(),
  /** The custom MAIL FROM (bounce) domain the provider uses, when it has one. */
  mailFrom: z.string().max(400).optional(),
  /** false: compute from the stored DNS facts only, without asking the DNS again. */
  refresh: z.boolean().default(true),
});
export type AuthCheckRequest = z.input<typeof AuthCheckRequestSchema>;

export const authCalls = {
  checkAuthentication: call({
    description:
      'For each backup provider and From domain: SPF, DKIM and DMARC readiness with the DNS records to add.',
    input: AuthCheckRequestSchema,
    output: z.array(AuthCheckSchema),
    mutates: true,
  }),
};
