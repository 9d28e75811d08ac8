/**
 * Communicating around an incident: a subscriber status notice and an apology (optionally with a
 * unique compensation code per recipient from an imported batch), and a stakeholder update for the
 * team sent through any working provider. Notices are ordinary campaigns (the outbox's guarantees:
 * each subscriber once, unsubscribes honoured, crash-safe) made from templates the person can edit.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Engine } from '../engine';
import type { Campaign } from '../api/sending';
import { createCampaign, requireCampaign } from '../sending/campaigns';
import { requireSendingSettings } from '../sending/settings';
import { messageIdFor } from '../sending/render';
import { providerSecret } from '../sending/providers';
import { createVerifyTransport, type MailTransport } from '../sending/transport';
import type { ProviderRow } from '../db/repos/providers';
import { CODE_MERGE_FIELD } from '../db/repos/codes';
import { requireList } from '../mirror/lists';
import { userError } from '../errors';
import { notify } from './notify';
import { displayTime, humanDuration } from '../time';

export type NoticeKind = 'status' | 'apology';

const escHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The starting text of each notice, in the local merge-tag dialect; the person edits it before sending. */
export function noticeTemplate(
  kind: NoticeKind,
  o: { company: string; message?: string; withCode?: boolean },
): { subject: string; html: string; text: string } {
  const greeting = 'Hello {{first_name|there}},';
  if (kind === 'status') {
    const body =
      o.message ??
      `Our usual email service had a disruption. Messages from ${o.company} may have arrived late, and a few may arrive twice or not at all. Nothing about your subscription has changed, and you do not need to do anything.`;
    return {
      subject: `A note from ${o.company} about our emails`,
      text: `${greeting}\n\n${body}\n\nThank you for your patience,\n${o.company}\n`,
      html: `<p>${greeting}</p><p>${escHtml(body)}</p><p>Thank you for your patience,<br>${escHtml(o.company)}</p>`,
    };
  }
  const body =
    o.message ??
    `Our email service had an outage, and the message we planned to send you went out late. We are sorry for the inconvenience.`;
  const code = o.withCode
    ? {
        text: `\nAs a thank-you for your patience, here is a code for your next order: {{field.${CODE_MERGE_FIELD}}}\n`,
        html: `<p>As a thank-you for your patience, here is a code for your next order:</p><p style="font-size:20px;font-weight:bold;letter-spacing:2px">{{field.${CODE_MERGE_FIELD}}}</p>`,
      }
    : { text: '', html: '' };
  return {
    subject: `We are sorry — ${o.company}`,
    text: `${greeting}\n\n${body}\n${code.text}\nWith apologies,\n${o.company}\n`,
    html: `<p>${greeting}</p><p>${escHtml(body)}</p>${code.html}<p>With apologies,<br>${escHtml(o.company)}</p>`,
  };
}

/** Reads unique codes from a CSV (the first column, or the column named "code"). */
export function readCodesCsv(file: string): string[] {
  let rows: string[][];
  try {
    rows = parse(readFileSync(file), {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as string[][];
  } catch (e) {
    throw userError(`Could not read codes from ${file}: ${(e as Error).message}`, {
      safe: 'No code was imported.',
    });
  }
  if (!rows.length) return [];
  const header = rows[0]!.map((h) => h.toLowerCase());
  const col = Math.max(
    0,
    header.findIndex((h) => h === 'code' || h === 'codes' || h === 'voucher' || h === 'coupon'),
  );
  const hasHeader = header.some((h) => ['code', 'codes', 'voucher', 'coupon'].includes(h));
  return rows
    .slice(hasHeader ? 1 : 0)
    .map((r) => (r[col] ?? '').trim())
    .filter(Boolean);
}

export function importCodes(
  engine: Engine,
  file: string,
  batch: string,
): { batch: string; added: number; duplicates: number; free: number } {
  const name = batch.trim();
  if (!name) throw userError('A batch of codes needs a name.', { safe: 'No code was imported.' });
  const codes = readCodesCsv(file);
  if (!codes.length)
    throw userError(`No codes found in ${file}.`, {
      safe: 'No code was imported.',
      next: 'Put one code per line, or a column named "code".',
    });
  const inFile = new Set<string>();
  const dupInFile = codes.filter((c) => (inFile.has(c) ? true : (inFile.add(c), false)));
  const r = engine.repos.codes.import(name, [...inFile], engine.now());
  const s = engine.repos.codes.summary(name);
  engine.record({
    type: 'codes.imported',
    message: `${r.added} compensation code(s) imported into "${name}"${r.duplicates + dupInFile.length ? ` (${r.duplicates + dupInFile.length} duplicate(s) ignored)` : ''}; ${s.free} free.`,
    data: { batch: name, added: r.added, duplicates: r.duplicates + dupInFile.length },
  });
  return { batch: name, added: r.added, duplicates: r.duplicates + dupInFile.length, free: s.free };
}

export interface NoticeInput {
  kind: NoticeKind;
  list: string;
  from: string;
  company?: string;
  subject?: string;
  message?: string;
  /** Batch of compensation codes (apology only). */
  codes?: string;
  at?: string;
}

/**
 * Creates the notice as a campaign (a draft, or scheduled with `at`). With codes, the outbox rows and
 * their codes are written in one transaction: every recipient that will be mailed has its own code;
 * those beyond the batch are skipped, and the person is told how many codes are missing.
 */
export function createNotice(
  engine: Engine,
  input: NoticeInput,
): { campaign: Campaign; codes: { assigned: number; withoutCode: number } | null } {
  if (input.codes && input.kind !== 'apology')
    throw userError('Compensation codes go with an apology, not a status notice.');
  const list = requireList(engine, input.list);
  const company = input.company ?? list.name;
  const t = noticeTemplate(input.kind, {
    company,
    ...(input.message ? { message: input.message } : {}),
    withCode: !!input.codes,
  });
  if (input.codes) {
    const s = engine.repos.codes.summary(input.codes);
    if (!s.total)
      throw userError(`There is no batch of codes named "${input.codes}".`, {
        next: 'Import one with `understudy incidents codes FILE --batch NAME`.',
        appNext: 'Import a batch of codes first, then choose it here.',
      });
  }
  const campaign = createCampaign(engine, {
    list: list.name,
    subject: input.subject ?? t.subject,
    from: input.from,
    html: t.html,
    text: t.text,
    dialect: 'local',
    name: `${input.kind === 'apology' ? 'Apology' : 'Status notice'}: ${list.name}`,
    ...(input.at ? { at: input.at } : {}),
  });
  let codes: { assigned: number; withoutCode: number } | null = null;
  if (input.codes) {
    const batch = input.codes;
    const c = requireCampaign(engine, campaign.id);
    const { messageIdDomain: domain, messageIdScope: scope } = requireSendingSettings(engine, c.fromEmail);
    codes = engine.db.transaction(() => {
      engine.repos.deliveries.enqueue(
        campaign.id,
        list.id,
        (cid, sid) => messageIdFor(cid, sid, domain, scope),
        engine.now(),
      );
      return engine.repos.codes.assign(campaign.id, batch, engine.now());
    })();
    if (codes.withoutCode) {
      notify(engine, 'Not enough compensation codes', {
        type: 'codes.exhausted',
        severity: 'warning',
        campaignId: campaign.id,
        message: `The batch "${batch}" ran out: ${codes.assigned} recipient(s) got a code and ${codes.withoutCode} will not be sent the apology. Import more codes and create another apology for them; no code is ever given twice.`,
        data: { batch, ...codes },
      });
    }
  }
  engine.record({
    type: 'notice.created',
    message: `${input.kind === 'apology' ? 'Apology' : 'Status notice'} for "${list.name}" created as campaign ${campaign.id}${codes ? ` with ${codes.assigned} code(s)` : ''}.`,
    campaignId: campaign.id,
    listId: list.id,
  });
  return { campaign, codes };
}

/** The team update: open incidents, provider health, campaigns affected, in plain text. */
export function stakeholderText(
  engine: Engine,
  zone: string,
  note?: string,
): { subject: string; text: string } {
  const open = engine.repos.incidents.openNow();
  const recent = engine.repos.incidents.list(5);
  const providers = engine.repos.health.targets();
  const lines: string[] = [];
  if (note) lines.push(note.trim(), '');
  lines.push(open.length ? `Open incidents (${open.length}):` : 'No incident is open.');
  for (const i of open)
    lines.push(
      `- #${i.id} ${i.title}, since ${displayTime(i.openedAt, zone)} (${humanDuration(Date.parse(engine.now()) - Date.parse(i.openedAt))})`,
    );
  lines.push('', 'Providers:');
  for (const p of providers) lines.push(`- ${p.name} (${p.kind}): ${p.health}`);
  const held = engine.repos.schedules.held();
  if (held.length) {
    lines.push('', 'Campaigns on hold:');
    for (const c of held)
      lines.push(
        `- #${c.id} ${c.name || c.subject}: ${c.hold === 'catchup' ? 'missed send time, waiting for a decision' : 'waiting for its provider'}`,
      );
  }
  const closed = recent.filter((i) => i.status === 'closed').slice(0, 3);
  if (closed.length) {
    lines.push('', 'Recently resolved:');
    for (const i of closed)
      lines.push(
        `- #${i.id} ${i.title} (${displayTime(i.openedAt, zone)} → ${displayTime(i.closedAt!, zone)}); report: understudy report ${i.id} --out report.html`,
      );
  }
  lines.push('', '— sent by Understudy');
  return {
    subject: open.length
      ? `[Understudy] ${open.length} open incident(s): ${open.map((i) => i.title).join('; ')}`
      : '[Understudy] Email status: all clear',
    text: lines.join('\n') + '\n',
  };
}

/** Sends the team update through the first provider that works (healthiest first), trying the next on failure. */
export async function sendStakeholderUpdate(
  engine: Engine,
  o: {
    to: string[];
    from: string;
    zone: string;
    note?: string;
    transportFor?: (p: ProviderRow, s: string | undefined) => MailTransport;
  },
): Promise<{ provider: string; to: string[]; subject: string }> {
  if (!o.to.length) throw userError('Say who the update goes to (--to).', { safe: 'Nothing was sent.' });
  const rank = (h: string) => (h === 'operational' ? 0 : h === 'unknown' ? 1 : h === 'degraded' ? 2 : 3);
  const providers = engine.repos.providers
    .all('smtp')
    .filter((p) => p.enabled && p.health !== 'paused')
    .sort((a, b) => rank(a.health) - rank(b.health) || a.priority - b.priority);
  const { subject, text } = stakeholderText(engine, o.zone, o.note);
  const errors: string[] = [];
  for (const p of providers) {
    if (p.health === 'down' && providers.some((q) => q.health !== 'down')) continue;
    let t: MailTransport | undefined;
    try {
      const secret = p.secretRef ? await providerSecret(engine, p) : undefined;
      t = o.transportFor ? o.transportFor(p, secret) : createVerifyTransport(p, secret);
      const domain = o.from.split('@')[1]?.replace(/>$/, '') ?? 'understudy.invalid';
      await t.send({
        from: o.from,
        to: o.to.join(', '),
        subject,
        text,
        messageId: `<understudy.update.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}@${domain}>`,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      engine.record({
        type: 'stakeholder.update_sent',
        message: `Team update "${subject}" sent to ${o.to.join(', ')} through ${p.name}.`,
        providerId: p.id,
      });
      return { provider: p.name, to: o.to, subject };
    } catch (e) {
      errors.push(`${p.name}: ${(e as Error).message}`);
    } finally {
      t?.close();
    }
  }
  throw userError(
    `The team update could not be sent through any provider (${errors.join('; ') || 'none is set up'}).`,
    {
      code: 'no_working_provider',
      safe: 'Nothing was sent.',
      next: 'Check the providers with `understudy health`.',
      appNext: 'Check the backup accounts on the Providers screen.',
    },
  );
}
