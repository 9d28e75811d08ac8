/**
 * The text part derived from campaign HTML, with html-to-text (links as "text (url)", lists,
 * paragraphs, tables as blocks). To stay fast, the conversion runs ONCE on the template with every
 * tag replaced by a sentinel, and the sentinels become tags again in the text template. When the
 * conversion loses or reorders a conditional block (a tag inside <head>, say), we fall back to
 * converting each rendered message: slower, never wrong.
 */
import { compile } from 'html-to-text';
import type { Token } from './template';

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

const convert: (html: string) => string = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'a', options: { linkBrackets: ['(', ')'], hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'head', format: 'skip' },
    // Hidden preheaders (Mailchimp's mcnPreviewText and friends) are for the inbox preview only.
    { selector: '[style*="display:none"]', format: 'skip' },
    { selector: '[style*="display: none"]', format: 'skip' },
    // Email HTML uses tables for layout: each cell's content is a block of its own, so neither
    // layout columns nor the cells of a price list run together.
    { selector: 'td', format: 'block' },
    { selector: 'th', format: 'block' },
    ...HEADINGS,
  ],
});

/** HTML to text; empty layout cells leave no runs of blank lines. */
export function htmlToText(html: string): string {
  return convert(html).replace(/\n{3,}/g, '\n\n');
}

const SENTINEL_RE = /\uE000(\d+)\uE001/g;

/** Text tokens from HTML tokens, or undefined when a conditional did not survive the conversion. */
export function deriveTextTokens(
  htmlTokens: Token[],
  /** HTML of a value that is the same in every message (inlined before conversion), else undefined. */
  literalOf: (t: Token) => string | undefined,
): Token[] | undefined {
  let html = '';
  htmlTokens.forEach((t, i) => {
    html += t.t === 'text' ? t.s : (literalOf(t) ?? `\uE000${i}\uE001`);
  });
  // A tag alone in an HTML comment (<!--*|IF:X|*-->, Mailchimp's style) still counts for the text.
  html = html.replace(/<!--\s*(\uE000\d+\uE001)\s*-->/g, '$1');
  const text = htmlToText(html).trim();
  const out: Token[] = [];
  let last = 0;
  const seen: number[] = [];
  SENTINEL_RE.lastIndex = 0;
  for (let m = SENTINEL_RE.exec(text); m; m = SENTINEL_RE.exec(text)) {
    if (m.index > last) out.push({ t: 'text', s: text.slice(last, m.index) });
    const i = Number(m[1]);
    const tok = htmlTokens[i];
    if (!tok || tok.t === 'text') return undefined;
    out.push(tok);
    seen.push(i);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ t: 'text', s: text.slice(last) });
  // Every block marker must survive, once, in order; values may be dropped (an <img alt>, <head>).
  const structural = htmlTokens.flatMap((t, i) =>
    t.t === 'if' || t.t === 'elseif' || t.t === 'else' || t.t === 'end' ? [i] : [],
  );
  const kept = seen.filter((i) => structural.includes(i));
  if (kept.length !== structural.length || kept.some((v, k) => v !== structural[k])) return undefined;
  out.push({ t: 'text', s: '\n' });
  return out;
}
