/**
 * Plain words (issue 15 §3): every timeline event type the engine writes has a sentence in the
 * contract's EVENT_WORDS, and no sentence shows an event code. Fails when someone records a new type
 * (a literal `type: 'x.y'` in electron/engine, or a value of a declared *_EVENTS constant) without words.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  EVENT_WORDS,
  ESP_DISPLAY_NAMES,
  TIMELINE_EVENT_TYPES,
  eventWords,
  espDisplayName,
  hasEventWords,
  plural,
} from '../../../electron/engine/api/words';
import { EspKindSchema } from '../../../electron/engine/api/esp';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Event types the engine records as string literals: `type: 'area.what'` inside a record({...}) (both
 * branches of a `cond ? 'a' : 'b'`), or a record helper's second argument (the scheduler's).
 */
function recordedLiterals(): string[] {
  const out = new Set<string>();
  for (const f of files('electron/engine')) {
    if (f.includes('/api/')) continue;
    const src = readFileSync(f, 'utf8');
    if (!/\brecord\(/.test(src)) continue;
    // `type: 'a.b'`, and both sides of `type: x ? 'a.b' : 'a.c'`.
    for (const m of src.matchAll(
      /\btype:\s*(?:[\w.!]+\s*\?\s*)?'([a-z_]+\.[a-z_.]+)'(?:\s*:\s*'([a-z_]+\.[a-z_.]+)')?/g,
    )) {
      out.add(m[1]!);
      if (m[2]) out.add(m[2]);
    }
    // A helper that takes the type as its second argument: `this.record(c, 'a.b', ...)`.
    for (const m of src.matchAll(/\brecord\(\s*[^,()]+,\s*'([a-z_]+\.[a-z_.]+)'/g)) out.add(m[1]!);
  }
  return [...out].sort();
}

describe('event words', () => {
  it('every event type declared in the contract has words', () => {
    for (const t of TIMELINE_EVENT_TYPES) expect(typeof EVENT_WORDS[t], t).toBe('function');
  });

  it('every event type the engine records has words', () => {
    const literals = recordedLiterals();
    expect(literals.length).toBeGreaterThan(30);
    const missing = literals.filter((t) => !hasEventWords(t));
    expect(missing, `event types recorded without words in api/words.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it.each(TIMELINE_EVENT_TYPES.map((t) => [t]))('%s reads as a sentence without codes', (type) => {
    const s = eventWords({
      type,
      campaign: 'Spring sale',
      provider: 'Backup relay',
      list: 'Newsletter',
      message: 'A note.',
      data: { email: 'ann@example.com', to: 'down', lists: 1, sent: 5, failed: 0, via: 'Backup relay' },
    });
    expect(s).toMatch(/^[A-Za-z"]/);
    expect(s).toMatch(/[.?!]$/);
    expect(s).not.toContain(type);
    expect(s).not.toMatch(/\b[a-z]+\.[a-z]+_[a-z_]+\b|\bE[A-Z]{4,}\b|\d{4}-\d{2}-\d{2}T/);
    expect(s).not.toMatch(/Campaign \d|\b1 lists\b/);
  });

  it('names, not numbers, and plurals', () => {
    expect(eventWords({ type: 'send.finished', campaign: 'Spring sale', data: { sent: 1 } })).toBe(
      'Spring sale is done: 1 message sent.',
    );
    expect(eventWords({ type: 'esp.synced', provider: 'Shop', data: { lists: 1 } })).toBe(
      'Your 1 list from Shop is up to date here.',
    );
    expect(plural(1, 'list')).toBe('1 list');
    expect(plural(3, 'list')).toBe('3 lists');
    expect(eventWords({ type: 'provider.half_open' })).toBe(
      'Understudy is sending one message through a sending account to see if it is back.',
    );
  });

  it('an unknown type gets a generic sentence', () => {
    expect(eventWords({ type: 'something.new_thing' })).toMatch(/no words for yet. See the details/);
  });

  it('brand names are spelled as the ESPs spell them, one per kind', () => {
    expect(Object.keys(ESP_DISPLAY_NAMES).sort()).toEqual([...EspKindSchema.options].sort());
    expect(espDisplayName('mailerlite')).toBe('MailerLite');
    expect(espDisplayName('sendgrid')).toBe('SendGrid');
    expect(espDisplayName('mailchimp')).toBe('Mailchimp');
  });
});
