/**
 * Campaigns as the person sees them: create (a draft, or scheduled at an instant), edit while not yet
 * sending, list and show with delivery counts. Sending is run/; pausing and the rest control.ts.
 */
import { custodySentence } from '../mirror/esp/custody';
import { audienceView } from '../mirror/esp/audience';
import type { Engine } from '../engine';
import { DateTime, IANAZone } from 'luxon';
import { isUnderstudyError, parseInput, quoteInput, userError } from '../errors';
import { refusePastSendTime } from '../time';
import { lintCampaign, type RenderCampaign } from './render';
import { requireSendingSettings } from './settings';
import { checkEmail } from '../mirror/email';
import { requireList } from '../mirror/lists';
import type { CampaignRow, CampaignInput as RepoInput } from '../db/repos/campaigns';
import {
  CampaignInputSchema,
  campaignAllows,
  type Campaign,
  type CampaignDetail,
  type CampaignInput,
} from '../api/sending';

export function parseFrom(from: string): { name: string; email: string } {
  if (/[\r\n]/.test(from))
    throw userError('The From address must be one line.', { safe: 'Nothing was changed.' });
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+)>\s*$/.exec(from);
  const name = m ? (m[1] ?? '').trim() : '';
  const email = m ? m[2]! : from.trim();
  const c = checkEmail(email);
  if (!c.ok)
    throw userError(`The From address "${from}" is not valid (${c.reason}).`, {
      code: 'bad_from',
      safe: 'Nothing was changed.',
      next: 'Write it as "Name <address@example.com>" or just address@example.com.',
    });
  return { name, email: c.email };
}

/**
 * The send time of a campaign: a strict ISO-8601 instant with an offset (2027-02-30 is refused, not
 * moved to 2 March as Date.parse did), never in the past unless the person said "send now".
 */
function parseAt(
  engine: Engine,
  at: string | null | undefined,
  sendNow: boolean | undefined,
  zone: string | null | undefined,
): string | null {
  const given = at !== null && at !== undefined && at !== '';
  if (sendNow && given)
    throw userError('Give a send time or "send now", not both.', {
      code: 'bad_time',
      safe: 'Nothing was changed.',
    });
  if (sendNow) return new Date(engine.clock.now()).toISOString();
  if (!given) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(at))
    throw userError(`"${quoteInput(at)}" is not an ISO-8601 date and time.`, {
      code: 'bad_time',
      safe: 'Nothing was changed.',
      next: 'Use e.g. 2026-12-01T09:00:00+01:00 (with an offset or Z).',
    });
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(at))
    throw userError(`"${quoteInput(at)}" has no time zone offset, so the moment it means is ambiguous.`, {
      code: 'bad_time',
      safe: 'Nothing was changed.',
      next: 'Add Z (UTC) or an offset such as +01:00.',
    });
  const dt = DateTime.fromISO(at, { setZone: true });
  if (!dt.isValid)
    throw userError(`"${quoteInput(at)}" is not a date that exists.`, {
      code: 'bad_time',
      safe: 'Nothing was changed.',
      next: 'Check the day of the month (February has 28 or 29 days; April, June, September and November 30) and the hour (00-23).',
    });
  const utc = dt.toUTC().toISO()!;
  refusePastSendTime(
    utc,
    engine.clock.now(),
    zone && IANAZone.isValidZone(zone) ? zone : 'UTC',
    'Nothing was changed.',
  );
  return utc;
}

/** What the renderer needs of a campaign (compileCampaign). */
export function toRenderCampaign(c: CampaignRow): RenderCampaign {
  return {
    id: c.id,
    subject: c.subject,
    fromName: c.fromName,
    fromEmail: c.fromEmail,
    replyTo: c.replyTo,
    html: c.html,
    text: c.text,
    dialect: c.dialect,
  };
}

export function toApiCampaign(engine: Engine, c: CampaignRow): Campaign {
  return {
    id: c.id,
    name: c.name,
    list: c.listId === null ? null : (engine.repos.lists.byId(c.listId)?.name ?? null),
    listId: c.listId,
    subject: c.subject,
    fromName: c.fromName,
    fromEmail: c.fromEmail,
    replyTo: c.replyTo,
    dialect: c.dialect,
    status: c.status,
    scheduledAt: c.scheduledAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    createdAt: c.createdAt,
    counts: engine.repos.deliveries.counts(c.id),
  };
}

export function requireCampaign(engine: Engine, id: number): CampaignRow {
  const c = engine.repos.campaigns.byId(id);
  if (!c)
    throw userError(`There is no campaign ${id}.`, {
      code: 'campaign_not_found',
      safe: 'Nothing was changed.',
      next: 'See the campaigns with `understudy campaigns list`.',
      appNext: 'It may have been removed; see the Campaigns screen.',
    });
  return c;
}

export function createCampaign(engine: Engine, raw: CampaignInput): Campaign {
  const input = parseInput(CampaignInputSchema, raw);
  const list = requireList(engine, input.list);
  const from = parseFrom(input.from);
  if (!input.html && !input.text)
    throw userError('A campaign needs an HTML or a text body.', {
      safe: 'Nothing was changed.',
      next: 'Pass --html FILE.',
    });
  if (/[\r\n]/.test(input.subject))
    throw userError('The subject must be one line.', {
      code: 'header_injection',
      safe: 'Nothing was changed.',
    });
  if (input.replyTo && !checkEmail(input.replyTo).ok)
    throw userError(`The reply-to address "${input.replyTo}" is not valid.`, {
      safe: 'Nothing was changed.',
    });
  const scheduledAt = parseAt(engine, input.at, input.sendNow, input.timeZone);
  const row: RepoInput = {
    listId: list.id,
    name: input.name ?? input.subject,
    subject: input.subject,
    fromName: from.name,
    fromEmail: from.email,
    replyTo: input.replyTo ?? null,
    html: input.html ?? null,
    text: input.text ?? null,
    dialect: input.dialect,
    scheduledAt,
    timeZone: input.timeZone ?? null,
    status: scheduledAt ? 'scheduled' : 'draft',
  };
  const c = engine.repos.campaigns.create(row, engine.now());
  engine.record({
    type: 'campaign.created',
    message: `Campaign ${c.id} "${c.subject}" to list "${list.name}" created${scheduledAt ? ` for ${scheduledAt}` : ' as a draft'}.`,
    campaignId: c.id,
    listId: list.id,
  });
  return toApiCampaign(engine, c);
}

export function updateCampaign(engine: Engine, id: number, raw: Partial<CampaignInput>): Campaign {
  const c = requireCampaign(engine, id);
  if (!campaignAllows(c, 'edit'))
    throw userError(`Campaign ${id} is ${c.status} and can no longer be edited.`, {
      code: 'campaign_locked',
      safe: 'Nothing was changed.',
      next: c.status === 'paused' ? 'Cancel it and create a new one to change its content.' : undefined,
    });
  const list = raw.list ? requireList(engine, raw.list) : undefined;
  const from = raw.from ? parseFrom(raw.from) : undefined;
  if (raw.subject !== undefined && /[\r\n]/.test(raw.subject))
    throw userError('The subject must be one line.', {
      code: 'header_injection',
      safe: 'Nothing was changed.',
    });
  const scheduledAt =
    raw.at !== undefined || raw.sendNow
      ? parseAt(engine, raw.at, raw.sendNow, raw.timeZone ?? c.timeZone)
      : c.scheduledAt;
  const next: RepoInput = {
    listId: list?.id ?? c.listId!,
    name: raw.name ?? c.name,
    subject: raw.subject ?? c.subject,
    fromName: from?.name ?? c.fromName,
    fromEmail: from?.email ?? c.fromEmail,
    replyTo: raw.replyTo !== undefined ? raw.replyTo : c.replyTo,
    html: raw.html !== undefined ? raw.html : c.html,
    text: raw.text !== undefined ? raw.text : c.text,
    dialect: raw.dialect ?? c.dialect,
    scheduledAt,
    timeZone: raw.timeZone !== undefined ? raw.timeZone : c.timeZone,
    status: scheduledAt ? 'scheduled' : 'draft',
  };
  const row = engine.repos.campaigns.update(id, next, engine.now());
  engine.record({ type: 'campaign.updated', message: `Campaign ${id} changed.`, campaignId: id });
  return toApiCampaign(engine, row);
}

export function listCampaigns(engine: Engine): Campaign[] {
  return engine.repos.campaigns.all().map((c) => toApiCampaign(engine, c));
}

export function getCampaign(engine: Engine, id: number): CampaignDetail {
  const c = requireCampaign(engine, id);
  const run = engine.repos.campaignRuns.latest(id);
  const failures = [
    ...engine.repos.deliveries.page(id, { state: 'failed_perm', limit: 20 }),
    ...engine.repos.deliveries.page(id, { state: 'failed_temp', limit: 20 }),
  ];
  return {
    ...toApiCampaign(engine, c),
    html: c.html,
    text: c.text,
    review: reviewOf(engine, c),
    byProvider: engine.repos.deliveries.sentByProvider(id),
    custody: custodySentence(engine, id),
    audience: audienceView(engine, c),
    run: run
      ? {
          id: run.id,
          state: run.state,
          startedAt: run.startedAt,
          heartbeatAt: run.heartbeatAt,
          finishedAt: run.finishedAt,
          error: run.error,
        }
      : null,
    failures: failures.map((f) => ({
      email: f.email,
      state: f.state,
      smtpCode: f.smtpCode,
      smtpEnhanced: f.smtpEnhanced,
      reply: f.smtpReply,
      errorClass: f.errorClass,
    })),
  };
}

/**
 * What the renderer would warn about if the campaign were sent now (the same compile as a send, with
 * the list's merge fields to check tags against), or what would stop it. Shown before sending, so
 * nobody learns about an empty *|FNAME|* from a customer.
 */
function reviewOf(engine: Engine, c: CampaignRow): string[] {
  if (c.status === 'sent' || c.status === 'cancelled') return [];
  const list = c.listId === null ? undefined : engine.repos.lists.byId(c.listId);
  try {
    const settings = requireSendingSettings(engine, c.fromEmail);
    return [
      ...lintCampaign(toRenderCampaign(c), {
        ...settings,
        listName: list?.name ?? '',
        // Only the warnings are kept: the key signs nothing that leaves this function.
        unsubscribeSecret: 'review',
        // A tag the list has no field for is empty for everyone: say so.
        mergeFieldTags: list ? list.mergeFields.map((f) => f.tag) : [],
      }),
    ];
  } catch (e) {
    if (!isUnderstudyError(e) || e.kind !== 'user') throw e;
    return [[e.message, e.next].filter(Boolean).join(' ')];
  }
}
