/**
 * The compliance footer: the sender's postal address (CAN-SPAM 15 U.S.C. 7704(a)(5), CASL, and every
 * ESP's terms) and a visible unsubscribe link, added to a part that does not already carry them.
 * "Already carries" means the template uses an address/unsubscribe tag, or the address text itself.
 */
import { escapeHtml, refsOf, type Token, type ValueRef } from './template';

export function normalizeForSearch(s: string): string {
  return s
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;|&#160;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&quot;/gi, '"')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const isUnsub = (r: ValueRef) =>
  r.kind === 'builtin' && (r.name === 'unsubscribe_url' || r.name === 'unsubscribe_link');
const isAddress = (r: ValueRef) =>
  r.kind === 'builtin' && (r.name === 'postal_address' || r.name === 'postal_address_html');

export function footerNeeds(
  tokens: Token[],
  postalAddress: string,
): { address: boolean; unsubscribe: boolean } {
  const refs = refsOf(tokens);
  const literal = normalizeForSearch(tokens.map((t) => (t.t === 'text' ? t.s : ' ')).join(''));
  const address = normalizeForSearch(postalAddress);
  return {
    address: !refs.some(isAddress) && !(address && literal.includes(address)),
    unsubscribe: !refs.some(isUnsub),
  };
}

const unsubRef: ValueRef = { kind: 'builtin', name: 'unsubscribe_url' };

export interface FooterText {
  companyName: string;
  postalAddress: string;
  listName: string;
}

/** Insert the HTML footer before </body> (or at the end). */
export function withHtmlFooter(
  tokens: Token[],
  need: { address: boolean; unsubscribe: boolean },
  f: FooterText,
): Token[] {
  if (!need.address && !need.unsubscribe) return tokens;
  const lines: Token[] = [];
  const style =
    'margin:24px auto 0;padding:16px 8px;max-width:600px;font:12px/1.5 Arial,Helvetica,sans-serif;color:#6b6b6b;text-align:center';
  lines.push({ t: 'text', s: `\n<div class="understudy-footer" style="${style}">` });
  if (need.address) {
    const who = f.companyName ? `${escapeHtml(f.companyName)}<br>` : '';
    const addr = escapeHtml(f.postalAddress.trim()).replace(/\r?\n/g, '<br>');
    lines.push({ t: 'text', s: `<p style="margin:0 0 8px">${who}${addr}</p>` });
  }
  if (need.unsubscribe) {
    const why = f.listName
      ? `You receive this email because you subscribed to ${escapeHtml(f.listName)}. `
      : '';
    lines.push({ t: 'text', s: `<p style="margin:0">${why}<a href="` });
    lines.push({ t: 'value', ref: unsubRef, filters: [], src: '(footer unsubscribe link)' });
    lines.push({ t: 'text', s: '" style="color:#6b6b6b">Unsubscribe</a></p>' });
  }
  lines.push({ t: 'text', s: '</div>\n' });
  // Before the last </body>, if it is in a literal part of the template.
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.t !== 'text') continue;
    const at = t.s.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
    if (at >= 0) {
      return [
        ...tokens.slice(0, i),
        { t: 'text', s: t.s.slice(0, at) },
        ...lines,
        { t: 'text', s: t.s.slice(at) },
        ...tokens.slice(i + 1),
      ];
    }
  }
  return [...tokens, ...lines];
}

export function withTextFooter(
  tokens: Token[],
  need: { address: boolean; unsubscribe: boolean },
  f: FooterText,
): Token[] {
  if (!need.address && !need.unsubscribe) return tokens;
  const out: Token[] = [...tokens];
  const last = out.at(-1);
  if (last?.t === 'text') out[out.length - 1] = { t: 'text', s: last.s.trimEnd() };
  out.push({ t: 'text', s: '\n\n-- \n' });
  if (need.address) {
    out.push({ t: 'text', s: `${f.companyName ? `${f.companyName}\n` : ''}${f.postalAddress.trim()}\n` });
  }
  if (need.unsubscribe) {
    out.push({ t: 'text', s: 'Unsubscribe: ' });
    out.push({ t: 'value', ref: unsubRef, filters: [], src: '(footer unsubscribe link)' });
    out.push({ t: 'text', s: '\n' });
  }
  return out;
}

/**
 * Links to pages Understudy does not host (web version, preferences, forward-to-a-friend) are
 * removed whole: in HTML the <a> element around the tag, in text the line that holds it.
 */
export function dropOmittedLinks(tokens: Token[], mode: 'html' | 'text'): Token[] {
  const out = tokens.map((t) => ({ ...t }));
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    if (t.t !== 'value' || t.ref.kind !== 'builtin' || t.ref.name !== 'omitted_link') continue;
    const prev = out[i - 1];
    const next = out[i + 1];
    if (mode === 'html') {
      if (prev?.t !== 'text' || next?.t !== 'text') continue;
      const open = /<a\b[^>]*?\bhref\s*=\s*["']?\s*$/i.exec(prev.s);
      const close = /^\s*["']?[^>]*>[\s\S]*?<\/a\s*>/i.exec(next.s);
      if (open && close) {
        prev.s = prev.s.slice(0, open.index);
        next.s = next.s.slice(close[0].length);
      }
    } else {
      // The line holding the tag goes; a tag at the very start or end of the part has no neighbour.
      if ((prev && prev.t !== 'text') || (next && next.t !== 'text')) continue;
      if (prev) {
        const nl = prev.s.lastIndexOf('\n');
        prev.s = nl < 0 ? '' : next ? prev.s.slice(0, nl + 1) : prev.s.slice(0, nl);
      }
      if (next) {
        const after = next.s.indexOf('\n');
        next.s = after >= 0 ? next.s.slice(after + 1) : '';
      }
    }
  }
  return out;
}
