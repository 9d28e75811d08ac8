/**
 * Keeps secrets out of logs and error messages. Every secret read from a SecretStore is registered
 * here, so `redact(text)` scrubs it even when the caller no longer holds the value. Also scrubs the
 * encodings a secret takes on the wire (base64 in SMTP AUTH, URL-encoding in connection strings).
 */

const MIN_LENGTH = 4; // shorter "secrets" would blank out ordinary words in a log line
const MASK = '[redacted]';

const registry = new Set<string>();

/** Remember a secret so every later `redact()` call scrubs it. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_LENGTH) registry.add(value);
}

/** Forget a secret (after it was deleted from the store). */
export function forgetSecret(value: string | undefined | null): void {
  if (value) registry.delete(value);
}

function variants(secret: string): string[] {
  const out = new Set<string>([secret]);
  out.add(encodeURIComponent(secret));
  out.add(Buffer.from(secret, 'utf8').toString('base64'));
  out.add(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, ''));
  return [...out].filter((v) => v.length >= MIN_LENGTH);
}

/**
 * Replace every occurrence of the given secrets (and every registered secret) in `text`. Longest
 * first, so a secret that contains another is masked whole.
 */
export function redact(text: string, secrets: Iterable<string | undefined | null> = []): string {
  const all = new Set<string>();
  for (const s of secrets) if (s && s.length >= MIN_LENGTH) for (const v of variants(s)) all.add(v);
  for (const s of registry) for (const v of variants(s)) all.add(v);
  if (all.size === 0 || !text) return text;
  let out = text;
  for (const s of [...all].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/** A copy of an error whose message and stack no longer contain any secret. */
export function redactError<E>(e: E, secrets: Iterable<string | undefined | null> = []): E {
  if (!(e instanceof Error)) return e;
  const list = [...secrets];
  const message = redact(e.message, list);
  if (message !== e.message) {
    try {
      e.message = message;
    } catch {
      /* frozen error: leave message alone, the stack is scrubbed below */
    }
  }
  if (e.stack) e.stack = redact(e.stack, list);
  return e;
}
