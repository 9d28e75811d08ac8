/**
 * Cell values → stored values: timestamps to ISO-8601 UTC, tag cells to arrays, yes/no flags. A cell
 * that cannot be read is never dropped: the caller keeps its raw text as an extra field.
 */

const YMD_HMS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const DMY = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Reads a timestamp. Zone-less times are taken as UTC, which is how Mailchimp, Brevo (with
 * exportDateInUTC) and Kit write them. Returns undefined when the text is not a date.
 */
export function parseTimestamp(raw: string, dayFirst = false): string | undefined {
  const s =
    raw.length > 0 && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32) ? raw.trim() : raw;
  if (s === '') return undefined;
  // Fast path for the form every export uses, 'YYYY-MM-DD HH:MM:SS': no regex, no Date.
  if (
    s.length === 19 &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    (s.charCodeAt(10) === 32 || s.charCodeAt(10) === 84) &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    allDigits(s, 0, 4) &&
    allDigits(s, 5, 7) &&
    allDigits(s, 8, 10) &&
    allDigits(s, 11, 13) &&
    allDigits(s, 14, 16) &&
    allDigits(s, 17, 19)
  ) {
    return iso(num(s, 0, 4), num(s, 5, 7), num(s, 8, 10), num(s, 11, 13), num(s, 14, 16), num(s, 17, 19), 0);
  }
  let m = YMD_HMS.exec(s);
  if (m)
    return iso(
      +m[1]!,
      +m[2]!,
      +m[3]!,
      +m[4]!,
      +m[5]!,
      +(m[6] ?? 0),
      m[7] ? +m[7].slice(0, 3).padEnd(3, '0') : 0,
    );
  m = YMD.exec(s);
  if (m) return iso(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0);
  if (dayFirst) {
    m = DMY.exec(s);
    if (m) return iso(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), 0);
  }
  // ISO 8601 with a zone or offset, RFC 2822 and the like.
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(s) || /^[A-Z][a-z]{2}, /.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return undefined;
}

function allDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Builds the ISO text directly (no Date object): this runs for millions of cells in an import. */
function iso(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  se: number,
  ms: number,
): string | undefined {
  if (y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : DAYS[mo - 1]!)) return undefined; // 31 February
  return `${y}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(se)}.${ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : ms}Z`;
}

/**
 * Tag cells: Mailchimp writes `"Customer","VIP"`; Kit and MailerLite write `Customer, VIP`; our own
 * export writes the Mailchimp form. Returns the tags in order, without duplicates or blanks.
 */
export function parseTags(raw: string): string[] {
  const s = raw.trim();
  if (s === '') return [];
  const out: string[] = [];
  if (s.startsWith('"')) {
    let i = 0;
    while (i < s.length) {
      while (s[i] === ' ' || s[i] === ',') i++;
      if (i >= s.length) break;
      if (s[i] === '"') {
        let v = '';
        i++;
        for (;;) {
          const k = s.indexOf('"', i);
          if (k < 0) {
            v += s.slice(i);
            i = s.length;
            break;
          }
          if (s[k + 1] === '"') {
            v += s.slice(i, k + 1);
            i = k + 2;
            continue;
          }
          v += s.slice(i, k);
          i = k + 1;
          break;
        }
        out.push(v.trim());
      } else {
        const k = s.indexOf(',', i);
        out.push(s.slice(i, k < 0 ? s.length : k).trim());
        i = k < 0 ? s.length : k;
      }
    }
  } else {
    for (const t of s.split(',')) out.push(t.trim());
  }
  return [...new Set(out.filter((t) => t !== ''))];
}

/** Tags back into one cell, in the Mailchimp form that parseTags reads. */
export function formatTags(tags: string[]): string {
  return tags.map((t) => `"${t.replace(/"/g, '""')}"`).join(',');
}

const TRUE = new Set(['1', 'true', 'yes', 'y', 'x', 'oui', 'ja', 'si', 'sí']);
const FALSE = new Set(['', '0', 'false', 'no', 'n', 'non', 'nein']);

/** Yes/no cells; undefined when the cell is neither. */
export function parseFlag(raw: string): boolean | undefined {
  const s = raw.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

/**
 * Spreadsheet formula neutralising (OWASP "CSV injection"): a cell that starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return would be run as a formula by Excel, LibreOffice or Google Sheets,
 * so it is written with a leading single quote, which spreadsheets show as text. A cell that itself
 * starts with a single quote gets one too, which makes the escaping reversible without ambiguity:
 * unescapeFormula removes one leading quote exactly when it is followed by one of those characters or
 * by another quote, and every cell escapeFormula leaves alone starts with none of them.
 */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', "'"]);

export function escapeFormula(v: string): string {
  return v.length > 0 && FORMULA_START.has(v[0]!) ? `'${v}` : v;
}

export function unescapeFormula(v: string): string {
  return v.length > 1 && v.charCodeAt(0) === 39 && FORMULA_START.has(v[1]!) ? v.slice(1) : v;
}
