/**
 * SigV4 against AWS's own published test suite (get-vanilla, get-vanilla-query-order-key-case: host
 * example.amazonaws.com, 2015-08-30T12:36:00Z, us-east-1, service "service", AKIDEXAMPLE), so the SES
 * pull and the fake SES that checks it cannot share one mistake.
 * https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html
 */
import { describe, expect, it } from 'vitest';
import { awsEncode, canonicalQuery, signV4 } from '../../../electron/engine/sending/feedback/sigv4';

const vector = {
  method: 'GET',
  host: 'example.amazonaws.com',
  path: '/',
  region: 'us-east-1',
  service: 'service',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  now: Date.parse('2015-08-30T12:36:00Z'),
};

describe('SigV4', () => {
  it('signs get-vanilla as AWS publishes it', () => {
    const h = signV4({ ...vector, query: '' });
    expect(h['x-amz-date']).toBe('20150830T123600Z');
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('sorts the query before signing (get-vanilla-query-order-key-case)', () => {
    const query = canonicalQuery([
      ['Param2', 'value2'],
      ['Param1', 'value1'],
    ]);
    expect(query).toBe('Param1=value1&Param2=value2');
    expect(signV4({ ...vector, query }).authorization).toMatch(
      /Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/,
    );
  });

  it('encodes as RFC 3986 wants: repeated keys sorted by value, reserved characters escaped', () => {
    expect(
      canonicalQuery([
        ['Reason', 'COMPLAINT'],
        ['Reason', 'BOUNCE'],
        ['StartDate', '2026-12-06T10:00:00Z'],
      ]),
    ).toBe('Reason=BOUNCE&Reason=COMPLAINT&StartDate=2026-12-06T10%3A00%3A00Z');
    expect(awsEncode("a b!*'()~")).toBe('a%20b%21%2A%27%28%29~');
  });
});
