/**
 * The spec-validation helper itself: it must catch what it is there to catch (an undocumented path,
 * method or query parameter; a response that does not match the schema), or every "matches the
 * published document" test would pass vacuously. Reads the documents in test/specs.
 */
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../fakes/spec';
import { MAILCHIMP_SPEC, MAILCHIMP_SPEC_OPTIONS } from '../../fakes/mailchimp';
import { BREVO_SPEC, BREVO_SPEC_OPTIONS } from '../../fakes/brevo';

describe('spec validation helper', () => {
  it('catches wrong Mailchimp traffic and passes right traffic', () => {
    const spec = loadSpec(MAILCHIMP_SPEC, MAILCHIMP_SPEC_OPTIONS);
    spec.check({
      method: 'GET',
      url: '/lists/a/members?count=10&offset=0&since_last_changed=2026-01-01T00:00:00Z',
      status: 200,
      body: { members: [], total_items: 0 },
    });
    spec.check({
      method: 'GET',
      url: '/ping',
      status: 200,
      body: { health_status: "Everything's Chimpy!" },
    });
    expect(spec.problems).toEqual([]);
    spec.check({ method: 'GET', url: '/lists/a/subscribers', status: 200, body: {} });
    spec.check({ method: 'DELETE', url: '/ping', status: 200, body: {} });
    spec.check({ method: 'GET', url: '/lists/a/members?modified_since=x', status: 200, body: {} });
    spec.check({
      method: 'GET',
      url: '/lists/a/members',
      status: 200,
      body: { members: [{ status: 'maybe' }] },
    });
    spec.check({
      method: 'GET',
      url: '/lists/a/members/abc',
      status: 200,
      body: { status: 'subscribed', email_address: 3 },
    });
    spec.check({ method: 'GET', url: '/ping', status: 401, body: { title: 'no' } });
    expect(spec.problems).toHaveLength(6);
    expect(spec.problems.join('\n')).toMatch(/no such path/);
    expect(spec.problems.join('\n')).toMatch(/method not documented/);
    expect(spec.problems.join('\n')).toMatch(/"modified_since" is not documented/);
  });

  it('handles OpenAPI 3.0 nullable and catches a wrong Brevo error body', () => {
    const spec = loadSpec(BREVO_SPEC, BREVO_SPEC_OPTIONS);
    spec.check({
      method: 'GET',
      url: '/contacts/lists/3/contacts?limit=500&offset=0&sort=desc',
      status: 200,
      body: { contacts: [], count: 0 },
    });
    expect(spec.problems).toEqual([]);
    spec.check({
      method: 'GET',
      url: '/contacts/lists/3/contacts',
      status: 400,
      body: { code: 'not_a_code', message: 'x' },
    });
    expect(spec.problems).toHaveLength(1);
  });
});
