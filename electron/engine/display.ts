/**
 * Text that came from a file (or a command line) made safe to show a person: in an error, a progress
 * line, the reject report's reason. Control characters (NUL, ESC and every C0/C1 code, so no terminal
 * escape sequence reaches a terminal raw), bidirectional overrides and line separators are written as
 * visible `\xHH` / `\u{HHHH}` escapes, and at most `max` characters of it are quoted (a 10 MB header
 * line must not become a 20 MB message).
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function escapeChar(c: string): string {
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
}

/** True when the text holds a character `shown` would escape. */
export function hasUnsafeChars(text: string): boolean {
  return UNSAFE.test(text);
}

/** The text, escaped for display and cut to about `max` characters with a note of how long it was. */
export function shown(text: string, max = 200): string {
  if (text.length <= max && !UNSAFE.test(text)) return text;
  let out = '';
  let i = 0;
  for (; i < text.length && out.length < max; i++) {
    const c = text[i]!;
    out += UNSAFE.test(c) ? escapeChar(c) : c;
  }
  // Never leave half of a surrogate pair at the cut.
  if (i < text.length && /[\ud800-\udbff]$/.test(out)) {
    out = out.slice(0, -1);
    i--;
  }
  return i < text.length ? `${out}… (${text.length} characters in all)` : out;
}

/** `"A", "B", "C" and 12 more`, each name shown safely, the whole at most about `max` characters. */
export function quoteList(items: string[], max = 200): string {
  const parts: string[] = [];
  let len = 0;
  for (const it of items) {
    const q = `"${shown(it, 60)}"`;
    if (parts.length > 0 && len + q.length > max) break;
    parts.push(q);
    len += q.length + 2;
  }
  const rest = items.length - parts.length;
  return parts.join(', ') + (rest > 0 ? ` and ${rest} more` : '');
}

/** The whole text with every unsafe character made visible (for a line written to a terminal). */
export function printable(text: string): string {
  return shown(text, Number.POSITIVE_INFINITY);
}
