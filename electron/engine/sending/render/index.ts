/**
 * Rendering of campaign messages: merge tags of each ESP dialect (dialects.ts), compliance headers
 * (List-Unsubscribe with mailto and https, RFC 8058 one-click, RFC 2919 List-Id), the postal-address
 * footer (footer.ts), a text part derived from the HTML (text.ts), deterministic Message-IDs and
 * DKIM options (tokens.ts, headers.ts).
 *
 * `compileCampaign` does all parsing and validation once per campaign and throws a user error for
 * anything that must be fixed before sending (a line break in a header, an unbalanced IF block, a
 * bad DKIM key). The function it returns only concatenates parts, so rendering is never the
 * sending bottleneck. Tags it does not understand render as nothing and are listed in `warnings`.
 */
import { userError } from '../../errors';
import { normalizeTag, tokenize, tokenProblems, type Dialect } from './dialects';
import { dropOmittedLinks, footerNeeds, withHtmlFooter, withTextFooter } from './footer';
import {
  assertEmail,
  assertSingleLine,
  checkCustomHeaders,
  checkDkim,
  checkUnsubscribeUrl,
  dkimAligned,
  DKIM_HEADER_FIELDS,
  formatAddress,
  isEmailAddress,
  listIdHeader,
  listSlug,
  parseReplyTo,
} from './headers';
import {
  compileNodes,
  foldStaticConditionals,
  parseTokens,
  personalValue,
  refsOf,
  renderParts,
  renderPieces,
  staticValue,
  toPieceParts,
  type Part,
  type Piece,
  type RenderContext,
  type StaticValues,
  type Token,
  type ValueRef,
} from './template';
import { deriveTextTokens, htmlToText } from './text';
import { messageIdFor, unsubscribeToken } from './tokens';

export type { Dialect } from './dialects';
export { DIALECTS } from './dialects';
export {
  messageIdFor,
  testMessageIdFor,
  parseMessageId,
  unsubscribeToken,
  parseUnsubscribeToken,
  tokenFromUnsubscribeSubject,
} from './tokens';
export { isEmailAddress } from './headers';
export type { Piece, StaticText } from './template';

export interface RenderCampaign {
  id: number;
  subject: string;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  html: string | null;
  text: string | null;
  dialect: Dialect;
  /** Inbox preview text (Mailchimp's *|MC_PREVIEW_TEXT|*). */
  previewText?: string | null;
}
export interface RenderSubscriber {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  mergeFields: Record<string, string>;
  tags: string[];
}
export interface RenderSettings {
  listName: string;
  /** The sender's physical address, required in every marketing message. */
  postalAddress: string;
  companyName?: string;
  /** e.g. "unsubscribe@example.com" */
  unsubscribeMailto: string;
  /** https base URL; links are `<url>/u/<token>` (`?t=<token>` when it has a query) */
  unsubscribeUrl?: string;
  /** HMAC key for the per-recipient token */
  unsubscribeSecret: string;
  /** right-hand side of Message-IDs */
  messageIdDomain: string;
  /** Installation id inside Message-IDs (see messageIdFor); must match what the outbox stored. */
  messageIdScope?: string;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** Merge-field tags the list has (lists.merge_fields); when given, other fields are reported. */
  mergeFieldTags?: string[];
  /** Extra headers for every message of the campaign (validated like all others). */
  headers?: Record<string, string>;
  /** "Now" for date tags (*|CURRENT_YEAR|*, *|DATE:…|*); defaults to the compile time. */
  now?: Date;
}
export interface RenderedMessage {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html?: string;
  text: string;
  /** "<...@domain>" */
  messageId: string;
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id, X-Understudy-Campaign, ... */
  headers: Record<string, string>;
  dkim?: { domainName: string; keySelector: string; privateKey: string; headerFieldNames?: string };
  /**
   * `html` and `text` as the compiled template built them, in order: the campaign's static text (the
   * same objects in every message) and this subscriber's values. They join to `html` and `text`. The
   * MIME writer encodes the static text once per campaign instead of once per message.
   */
  htmlPieces?: readonly Piece[];
  textPieces?: readonly Piece[];
}

/** A compiled campaign: call it per subscriber. `warnings` lists what the marketer should review. */
export type CompiledCampaign = ((subscriber: RenderSubscriber) => RenderedMessage) & {
  readonly warnings: readonly string[];
  /** The warnings about merge tags no subscriber's message can fill (also in `warnings`). */
  readonly unfillable: readonly string[];
  /**
   * The personal merge tags (as written, e.g. `*|FNAME|*`) this subscriber's message leaves empty
   * because they have no value for them; tags with a fallback are never empty.
   */
  emptyFor(subscriber: RenderSubscriber): string[];
  /** Whether the text part is derived per message (slow path) instead of from a compiled template. */
  readonly textFromHtmlPerMessage: boolean;
};

const FIX_SETTINGS = 'Complete the sending settings (understudy settings …), then send again.';

function requireSetting(label: string, value: string | undefined, next = FIX_SETTINGS): string {
  if (!value || !value.trim()) {
    throw userError(`The ${label} is not set.`, {
      code: 'settings_incomplete',
      safe: 'Nothing was sent.',
      next,
      ...(next === FIX_SETTINGS
        ? { appNext: 'Complete the sending settings under Settings → Sending, then send again.' }
        : {}),
    });
  }
  return value.trim();
}

/** Compile once per campaign (parse templates, validate headers), then render per subscriber fast. */
// eslint-disable-next-line max-lines-per-function -- compile once per campaign: the returned render closure shares the parsed templates
export function compileCampaign(campaign: RenderCampaign, settings: RenderSettings): CompiledCampaign {
  const warnings: string[] = [];
  const warn = (w: string) => {
    if (!warnings.includes(w)) warnings.push(w);
  };
  const unfillable: string[] = [];
  const warnTag = (w: string) => {
    warn(w);
    if (!unfillable.includes(w)) unfillable.push(w);
  };
  /** Tags a subscriber's own value fills, without a fallback: empty for whoever lacks that value. */
  const personal: { ref: ValueRef; src: string }[] = [];
  const known = settings.mergeFieldTags ? new Set(settings.mergeFieldTags.map(normalizeTag)) : undefined;
  /** A field the list does not have is reported once for every copy, not again for each person. */
  const reportedForAll = (r: ValueRef): r is Extract<ValueRef, { kind: 'field' }> =>
    r.kind === 'field' && known !== undefined && !known.has(r.tag);

  // ---- Settings and header values: refused now, not in the middle of a send.
  const postalAddress = requireSetting(
    'postal address',
    settings.postalAddress,
    'Anti-spam laws (CAN-SPAM, CASL, GDPR/ePrivacy) require your physical postal address in every marketing email. Add it in the sending settings, then send again.',
  );
  const secret = requireSetting('unsubscribe signing key', settings.unsubscribeSecret);
  const domain = requireSetting('Message-ID domain', settings.messageIdDomain).toLowerCase();
  assertSingleLine('Message-ID domain', domain);
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(domain) || !domain.includes('.')) {
    throw userError(`The Message-ID domain "${domain}" is not a domain name.`, {
      code: 'settings_incomplete',
      safe: 'Nothing was sent.',
      next: 'Use your sending domain, e.g. example.com.',
    });
  }
  const mailto = requireSetting('unsubscribe email address', settings.unsubscribeMailto);
  assertEmail('unsubscribe email address', mailto, 'Use an address you read, e.g. unsubscribe@example.com.');
  const https = checkUnsubscribeUrl(settings.unsubscribeUrl);
  assertSingleLine('list name', settings.listName);
  assertSingleLine('company name', settings.companyName);
  assertSingleLine('subject', campaign.subject);
  assertSingleLine('sender name', campaign.fromName);
  if (!campaign.subject.trim()) {
    throw userError('The campaign has no subject.', {
      code: 'campaign_incomplete',
      safe: 'Nothing was sent.',
      next: 'Give the campaign a subject line.',
    });
  }
  assertEmail(
    'sender address',
    campaign.fromEmail.trim(),
    'Use the address of a sending account, e.g. news@example.com.',
  );
  const from = formatAddress(campaign.fromName, campaign.fromEmail.trim());
  const replyTo = campaign.replyTo && campaign.replyTo.trim() ? parseReplyTo(campaign.replyTo) : undefined;
  const custom = checkCustomHeaders(settings.headers);
  const dkimChecked = checkDkim(settings.dkim);
  const dkim = dkimChecked ? { ...dkimChecked, headerFieldNames: DKIM_HEADER_FIELDS } : undefined;
  if (dkim && !dkimAligned(campaign.fromEmail, dkim.domainName)) {
    warn(
      `The sender address ${campaign.fromEmail} is not in the DKIM domain ${dkim.domainName}: DMARC will not pass on DKIM alignment.`,
    );
  }
  if (!https) {
    warn(
      'No https unsubscribe URL is configured: messages carry a mailto unsubscribe only, without RFC 8058 one-click. Gmail and Yahoo require one-click unsubscribe from bulk senders.',
    );
  }

  const now = settings.now ?? new Date();
  const statics: StaticValues = {
    postalAddress,
    companyName: settings.companyName?.trim() ?? '',
    listName: settings.listName.trim(),
    previewText: campaign.previewText ?? '',
    year: String(now.getUTCFullYear()),
  };
  const footerText = { companyName: statics.companyName, postalAddress, listName: statics.listName };
  const tokenOpts = { now };

  // ---- Templates → tokens → parts.
  const lint = (tokens: Token[], where: string) => {
    for (const t of tokens) {
      if (t.t === 'unknown') warnTag(`${where}: ${t.src} will be left empty, because ${t.why}.`);
      for (const p of tokenProblems(t)) if ('src' in t) warn(`${where}: ${t.src}: ${p}.`);
      if (t.t === 'value' && !t.filters.some((f) => f.name === 'default'))
        personal.push({ ref: t.ref, src: t.src });
    }
    if (known) {
      for (const r of refsOf(tokens)) {
        if (reportedForAll(r))
          warnTag(
            `${where}: the merge field ${r.tag} is not a field of this list; it will be empty (or its fallback).`,
          );
      }
    }
  };

  const subjectTokens = tokenize(campaign.dialect, campaign.subject, tokenOpts);
  lint(subjectTokens, 'Subject');
  const subjectParts = compileNodes(
    parseTokens(foldStaticConditionals(subjectTokens, statics), 'subject'),
    'header',
    statics,
  );

  const html = campaign.html && campaign.html.trim() ? asDocument(campaign.html) : undefined;
  const text = campaign.text && campaign.text.trim() ? campaign.text : undefined;
  if (!html && !text) {
    throw userError('The campaign has no content (neither HTML nor text).', {
      code: 'campaign_incomplete',
      safe: 'Nothing was sent.',
      next: 'Add the campaign HTML (--html FILE) or text (--text FILE).',
    });
  }

  let htmlParts: Part[] | undefined;
  let htmlTokens: Token[] | undefined;
  if (html) {
    htmlTokens = dropOmittedLinks(tokenize(campaign.dialect, html, tokenOpts), 'html');
    lint(htmlTokens, 'HTML');
    const need = footerNeeds(htmlTokens, postalAddress);
    if (need.unsubscribe) warn('The HTML has no unsubscribe link; one was added to its footer.');
    parseTokens(htmlTokens, 'HTML'); // balance is checked on the template as written
    htmlTokens = withHtmlFooter(foldStaticConditionals(htmlTokens, statics), need, footerText);
    htmlParts = compileNodes(parseTokens(htmlTokens, 'HTML'), 'html', statics);
  }

  let textParts: Part[] | undefined;
  if (text) {
    let tokens = dropOmittedLinks(tokenize(campaign.dialect, text, tokenOpts), 'text');
    lint(tokens, 'Text');
    const need = footerNeeds(tokens, postalAddress);
    if (need.unsubscribe) warn('The text part has no unsubscribe link; one was added to its footer.');
    parseTokens(tokens, 'text part');
    tokens = withTextFooter(foldStaticConditionals(tokens, statics), need, footerText);
    textParts = compileNodes(parseTokens(tokens, 'text part'), 'text', statics);
  } else if (htmlTokens) {
    const derived = deriveTextTokens(htmlTokens, (t) =>
      t.t === 'value' ? staticValue(t.ref, t.filters, 'html', statics) : undefined,
    );
    if (derived) textParts = compileNodes(parseTokens(derived, 'text part'), 'text', statics);
  }
  const textPerMessage = textParts === undefined;
  const htmlPieceParts = htmlParts ? toPieceParts(htmlParts) : undefined;
  const textPieceParts = textParts ? toPieceParts(textParts) : undefined;

  // ---- Per subscriber: concatenation only.
  const campaignId = campaign.id;
  const listId = listIdHeader(statics.listName || `campaign ${campaignId}`, domain);
  // Gmail's feedback loop groups complaints by these fields: https://support.google.com/a/answer/6254652
  const feedbackId = `${campaignId}:${listSlug(statics.listName || 'list')}:understudy`;
  const staticHeaders: Record<string, string> = {
    ...custom,
    'List-Id': listId,
    'Feedback-ID': feedbackId,
    Precedence: 'bulk',
    'X-Understudy-Campaign': String(campaignId),
  };
  // `<unsubscribe_url>/u/<token>`: the path `understudy serve` answers (electron/server/unsubscribe.ts).
  // A URL with its own query keeps the older `?t=<token>` form, which serve answers too.
  const urlBase = https
    ? /[?#]/.test(https.url)
      ? `${https.url}${https.url.includes('?') ? '&' : '?'}t=`
      : `${https.url.replace(/\/+$/, '')}/u/`
    : undefined;
  const mailtoBase = `mailto:${mailto}?subject=unsubscribe-`;
  const oneClick = https?.oneClick ?? false;
  const scope = settings.messageIdScope || undefined;
  if (scope && !/^[a-z0-9]{1,16}$/.test(scope)) {
    throw userError(`The Message-ID scope "${scope}" must be 1 to 16 lower-case letters or digits.`, {
      code: 'settings_incomplete',
      safe: 'Nothing was sent.',
      next: 'Leave it unset or use the installation id.',
    });
  }

  const render = (s: RenderSubscriber): RenderedMessage => {
    const to = typeof s.email === 'string' ? s.email.trim() : '';
    if (!isEmailAddress(to)) {
      throw userError(
        `The subscriber address "${String(s.email).replace(/[\r\n]/g, ' ')}" is not a valid email address.`,
        {
          code: 'invalid_recipient',
          safe: 'This subscriber was not sent the campaign; everyone else is unaffected.',
          next: 'Correct or remove the address in the list.',
        },
      );
    }
    const token = unsubscribeToken(campaignId, s.id, secret);
    const httpsUrl = urlBase ? urlBase + token : undefined;
    const mailtoUrl = mailtoBase + token;
    const ctx: RenderContext = {
      firstName: s.firstName ?? '',
      lastName: s.lastName ?? '',
      email: to,
      mergeFields: s.mergeFields ?? {},
      tags: s.tags ?? [],
      unsubscribeUrl: httpsUrl ?? mailtoUrl,
      subject: '',
    };
    // An empty field must not leave "Hi , news" or a trailing space in the inbox line.
    ctx.subject = renderParts(subjectParts, ctx)
      .replace(/\s{2,}/g, ' ')
      .trim();
    const hr = htmlPieceParts ? renderPieces(htmlPieceParts, ctx) : undefined;
    const h = hr?.text;
    const tr = textPieceParts ? renderPieces(textPieceParts, ctx) : undefined;
    const t = tr ? tr.text : htmlToText(h!) + '\n';
    const headers: Record<string, string> = {
      ...staticHeaders,
      'List-Unsubscribe': httpsUrl ? `<${mailtoUrl}>, <${httpsUrl}>` : `<${mailtoUrl}>`,
    };
    if (oneClick) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    const msg: RenderedMessage = {
      from,
      to,
      subject: ctx.subject,
      text: t,
      messageId: messageIdFor(campaignId, s.id, domain, scope),
      headers,
    };
    if (replyTo) msg.replyTo = replyTo;
    if (hr) {
      msg.html = hr.text;
      msg.htmlPieces = hr.pieces;
    }
    if (tr) msg.textPieces = tr.pieces;
    if (dkim) msg.dkim = dkim;
    return msg;
  };
  const emptyFor = (s: RenderSubscriber): string[] => {
    const ctx: RenderContext = {
      firstName: s.firstName ?? '',
      lastName: s.lastName ?? '',
      email: s.email,
      mergeFields: s.mergeFields ?? {},
      tags: s.tags ?? [],
      unsubscribeUrl: '',
      subject: '',
    };
    const empty: string[] = [];
    for (const p of personal) {
      if (reportedForAll(p.ref)) continue;
      const v = personalValue(p.ref, ctx);
      if (v !== undefined && !v.trim() && !empty.includes(p.src)) empty.push(p.src);
    }
    return empty;
  };
  return Object.assign(render, {
    warnings: Object.freeze(warnings),
    unfillable: Object.freeze(unfillable),
    emptyFor,
    textFromHtmlPerMessage: textPerMessage,
  });
}

/**
 * A fragment (what Kit's and Brevo's APIs often return) becomes a full UTF-8 document, so every
 * client renders it in standards mode with the right charset and a mobile viewport.
 */
function asDocument(html: string): string {
  if (/<html[\s>]/i.test(html)) return html;
  return (
    '<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n<body>\n' +
    html +
    '\n</body></html>\n'
  );
}

/** The warnings of a campaign without keeping the compiled function (for `campaigns show`, the UI). */
export function lintCampaign(campaign: RenderCampaign, settings: RenderSettings): readonly string[] {
  return compileCampaign(campaign, settings).warnings;
}
