/**
 * AWS Signature Version 4 for one GET request without a body, with Node's crypto (no AWS SDK):
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * The query must already be in canonical form (keys and values RFC 3986-encoded, sorted); the signed
 * headers are host and x-amz-date.
 */
import { createHash, createHmac } from 'node:crypto';

/** RFC 3986 encoding, as SigV4 wants it (unreserved characters kept, everything else %XX). */
export function awsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Pairs → canonical query string (sorted by key, then value). */
export function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** "20261206T231500Z" for an instant. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export interface SigV4Input {
  method: string;
  host: string;
  path: string;
  query: string;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
  now: number;
}

/** The headers that sign the request: x-amz-date and authorization. */
export function signV4(r: SigV4Input): { 'x-amz-date': string; authorization: string } {
  const date = amzDate(r.now);
  const day = date.slice(0, 8);
  const canonical = [
    r.method,
    r.path.split('/').map(awsEncode).join('/'),
    r.query,
    `host:${r.host}`,
    `x-amz-date:${date}`,
    '',
    'host;x-amz-date',
    sha256(''),
  ].join('\n');
  const scope = `${day}/${r.region}/${r.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${r.secretAccessKey}`, day), r.region), r.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    'x-amz-date': date,
    authorization: `AWS4-HMAC-SHA256 Credential=${r.accessKeyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
  };
}
