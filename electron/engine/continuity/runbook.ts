/**
 * The disaster-recovery runbook (issue 16 §7): the plan for the next outage and the training sheet in
 * one, generated from this setup — who to tell, the decision rules in force, each backup's readiness
 * and the DNS records it needs, the last drills, where the backup copies are and how to restore one,
 * and the subscriber notice templates. Read only from what is stored (no network), so it is as quick
 * to print during an outage as before one; what it finds missing is listed first, each with what to do.
 */
import { basename } from 'node:path';
import type { Engine } from '../engine';
import type { ProviderRow } from '../db/repos/providers';
import { AuthCheckSchema, AUTH_VERDICT_LABEL } from '../api/auth';
import type { Runbook } from '../api/review';
import { authNeedsOf } from '../sending/authNeeds';
import { getSendingSettings } from '../sending/settings';
import { providerWarmup } from '../sending/warmup';
import { alertSettings } from './teamAlerts';
import { catchUpSettings, describePolicy, healthSettings, outageDefault, policyInForce } from './policy';
import { backupSettings, backupsDir } from '../files/backupSettings';
import { drillEveryHours } from './drillInterval';
import { noticeTemplate } from './communication';
import { displayTime, humanDuration } from '../time';
import { readSettings } from './settings';
import { outputTarget, writeTarget } from '../files/protected';

const DAY_MS = 86_400_000;

export function buildRunbook(engine: Engine): Runbook {
  const zone = readSettings(engine).timeZone;
  const now = engine.now();
  const when = (iso: string) => displayTime(iso, zone);
  const sending = getSendingSettings(engine);
  const company = sending.company_name ?? 'Your business';
  const gaps: string[] = [];

  // Who to tell.
  const alerts = alertSettings(engine);
  const contacts = alerts.to.map((a) => `${a} — gets an email when an outage starts and ends`);
  if (!contacts.length)
    gaps.push(
      'Nobody is alerted by email during an outage. Add the team’s addresses in Settings → Team alerts.',
    );

  // The rules in force.
  const outage = outageDefault(engine);
  const catchUp = catchUpSettings(engine);
  const health = healthSettings(engine);
  const rules = [
    `Understudy checks each account every ${humanDuration(health.intervalSeconds * 1000)}; after ${health.failuresToDown} failed checks in a row it is treated as down, and after ${health.successesToUp} good ones as working again.`,
    `When a campaign's ESP is down at its send time: ${describePolicy({ ...outage, source: 'default' })}.`,
    ...engine.repos.campaigns
      .all()
      .filter((c) => c.outagePolicy !== null && (c.status === 'scheduled' || c.status === 'draft'))
      .map((c) => `“${c.name || c.subject}”: ${describePolicy(policyInForce(engine, c.outagePolicy))}.`),
    catchUp.policy === 'ask'
      ? `A send time missed while the computer was off: up to ${catchUp.afterHours} h late it is sent at once; later than that, you are asked first.`
      : catchUp.policy === 'send'
        ? 'A send time missed while the computer was off is sent as soon as Understudy runs again.'
        : `A send time missed by more than ${catchUp.afterHours} h while the computer was off is skipped.`,
    'Nobody who unsubscribed, bounced or complained is ever mailed through a backup; each unsubscribe is passed on to the ESP when it is back.',
  ];

  // Each backup, in the order sends use them.
  const providers = engine.repos.providers.all('smtp').sort((a, b) => a.priority - b.priority || a.id - b.id);
  const verdicts = new Map(engine.repos.dnsAuth.verdicts().map((v) => [v.providerId, v]));
  const backups = providers.map((p) => backupLine(engine, p, providers, verdicts.get(p.id), when));
  if (!providers.length) gaps.push('There is no backup sending account. Add one on the Providers screen.');
  for (const b of backups) {
    if (!b.enabled) continue;
    if (!verdicts.has(providers.find((p) => p.name === b.name)!.id))
      gaps.push(`${b.name}: email authentication was never checked. Check it on the Readiness screen.`);
    else if (!/^ready/.test(b.authentication))
      gaps.push(`${b.name}: ${b.authentication}. Add the DNS records listed below.`);
    if (b.lastDrill.startsWith('never') || b.lastDrill.startsWith('failed'))
      gaps.push(`${b.name}: no passed drill. Run a drill from the Providers screen.`);
  }

  // The last drills.
  const drills = engine.repos.drills
    .list(10)
    .map(
      (d) =>
        `${when(d.startedAt)} — ${d.providerName ?? 'a removed account'}: ${d.result === 'passed' ? 'arrived' : d.result === 'failed' ? `did not arrive${d.detail ? ` (${d.detail})` : ''}` : 'still waiting'}`,
    );
  const every = drillEveryHours(engine);
  const lastPassed = engine.repos.drills.list(100).find((d) => d.result === 'passed');
  if (lastPassed && Date.parse(now) - Date.parse(lastPassed.startedAt) > every * 3_600_000 + DAY_MS)
    gaps.push(
      `The last passed drill was ${when(lastPassed.startedAt)}; drills are due every ${humanDuration(every * 3_600_000)}.`,
    );

  // Where the copies are, and how to restore.
  const bs = backupSettings(engine);
  const latest = engine.repos.backups.list()[0];
  const backupCopies = [
    `Backups are made every ${humanDuration(bs.intervalMinutes * 60_000)} into ${backupsDir(engine)}; the last ${bs.keepHourly} hourly and ${bs.keepDaily} daily copies are kept.`,
    bs.mirrorDir
      ? `Each copy is also written to a second folder: ${bs.mirrorDir}.`
      : 'There is no second backup folder: a lost or broken computer loses the backups too.',
    bs.encrypt
      ? 'Copies are encrypted: only the passphrase opens them. Keep it somewhere other than this computer.'
      : 'Copies are not encrypted.',
    latest
      ? `The newest copy: ${basename(latest.path)}, made ${when(latest.createdAt)}.`
      : 'No backup has been made yet.',
  ];
  if (!bs.mirrorDir)
    gaps.push('Backups are kept on this computer only. Choose a second backup folder in Settings → Backups.');
  if (!latest) gaps.push('No backup has been made yet. Make one on the Backups screen.');
  const restore = [
    'On this computer: open Understudy → Backups, choose the copy, and press Restore. The current data is kept as a copy first.',
    'On a new computer: install Understudy, copy the backup file (and its .keys file, if any) from the second backup folder, then open Backups → Restore from a file.',
    'After a restore, unlock saved passwords (or enter them again) and run a drill before relying on the backups.',
  ];

  // The subscriber notices, as they start.
  const notices = (['status', 'apology'] as const).map((kind) => {
    const t = noticeTemplate(kind, { company });
    return {
      kind: kind === 'status' ? 'During the outage' : 'After the outage (apology)',
      subject: t.subject,
      text: t.text,
    };
  });
  if (!sending.postal_address)
    gaps.push(
      'No postal address is set: backup sends need one in their footer. Set it in Settings → Sending.',
    );
  if (!sending.unsubscribe_mailto && !sending.unsubscribe_url)
    gaps.push('No unsubscribe address is set: backup sends need one. Set it in Settings → Sending.');
  else if (!sending.unsubscribe_url)
    gaps.push(
      'No one-click unsubscribe link is set: Gmail and Yahoo expect one for bulk mail. Set it in Settings → Sending.',
    );

  const facts = {
    company,
    generatedAt: now,
    timeZone: zone,
    contacts,
    rules,
    backups,
    drills,
    backupCopies,
    restore,
    notices,
    gaps,
  };
  return { ...facts, html: renderRunbookHtml(facts, when) };
}

function backupLine(
  engine: Engine,
  p: ProviderRow,
  all: ProviderRow[],
  verdict: { verdict: string; detail: unknown; checkedAt: string } | undefined,
  when: (iso: string) => string,
): Runbook['backups'][number] {
  const sharing = all.filter((o) => o.priority === p.priority && o.id !== p.id);
  const order = sharing.length
    ? `shares the load with ${sharing.map((o) => o.name).join(', ')}`
    : `${ordinal(all.filter((o) => o.priority < p.priority).length + 1)} in line`;
  const check = AuthCheckSchema.safeParse(verdict?.detail);
  const authentication = !verdict
    ? 'never checked'
    : `${AUTH_VERDICT_LABEL[check.success ? check.data.verdict : 'unknown']}${check.success ? ` for ${check.data.domain}` : ''} (checked ${when(verdict.checkedAt)})`;
  const needs = authNeedsOf(p.preset);
  const dnsRecords = check.success
    ? check.data.records.map((r) => ({ type: r.type, name: r.name, value: r.value, why: r.why }))
    : needs.spf.length
      ? [
          {
            type: 'TXT',
            name: 'your sending domain',
            value: `v=spf1 ${needs.spf.map((s) => `include:${s}`).join(' ')} ~all`,
            why: 'lets this account send for your domain (SPF); merge it into an existing SPF record',
          },
        ]
      : [];
  const w = providerWarmup(engine, p);
  const warmup =
    w.state === 'warm'
      ? `warm${w.idleDays !== null ? ` (last sent ${w.idleDays === 0 ? 'today' : `${w.idleDays} days ago`})` : ''}`
      : w.state === 'warming'
        ? `warming up: at most ${w.capPerHour ?? '—'} an hour today`
        : 'cold: it has not sent recently, so it starts slowly';
  const c = p.caps;
  const caps =
    [
      c.perSecond && `${c.perSecond}/second`,
      c.perMinute && `${c.perMinute}/minute`,
      c.perHour && `${c.perHour}/hour`,
      c.perDay && `${c.perDay}/day`,
    ]
      .filter(Boolean)
      .join(', ') || 'no limits set';
  const d = engine.repos.drills.list(1, p.id)[0];
  const lastDrill = !d
    ? 'never'
    : `${d.result === 'passed' ? 'passed' : d.result === 'failed' ? 'failed' : 'waiting'} ${when(d.startedAt)}`;
  return {
    name: p.name,
    preset: p.preset,
    enabled: p.enabled,
    order,
    authentication,
    dnsRecords,
    warmup,
    caps,
    lastDrill,
  };
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const list = (items: string[], empty: string) =>
  items.length
    ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`
    : `<p class="muted">${esc(empty)}</p>`;

function renderRunbookHtml(r: Omit<Runbook, 'html'>, when: (iso: string) => string): string {
  const backups = r.backups
    .map(
      (
        b,
      ) => `<tr${b.enabled ? '' : ' class="muted"'}><td><b>${esc(b.name)}</b><div class="muted">${esc(b.order)}${b.enabled ? '' : ' · turned off'}</div></td>
  <td>${esc(b.authentication)}</td><td>${esc(b.warmup)}</td><td>${esc(b.caps)}</td><td>${esc(b.lastDrill)}</td></tr>${
    b.dnsRecords.length
      ? `<tr class="records"><td></td><td colspan="4"><div class="muted">DNS records it needs:</div>${b.dnsRecords
          .map(
            (d) =>
              `<div class="rec"><code>${esc(d.type)} ${esc(d.name)}</code> <code class="val">${esc(d.value)}</code><div class="muted">${esc(d.why)}</div></div>`,
          )
          .join('')}</td></tr>`
      : ''
  }`,
    )
    .join('');
  const notices = r.notices
    .map((n) => `<h3>${esc(n.kind)}</h3><p><b>Subject:</b> ${esc(n.subject)}</p><pre>${esc(n.text)}</pre>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Email outage runbook — ${esc(r.company)}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; margin: 32px auto; max-width: 960px; padding: 0 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
  h3 { font-size: 14px; margin: 16px 0 4px; }
  .muted { color: #6b7280; font-size: 12px; } .gaps { border: 1px solid #fcd34d; background: #fffbeb; border-radius: 8px; padding: 8px 16px; }
  table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
  th { font-size: 12px; color: #374151; background: #f9fafb; } .records td { border-bottom: 1px solid #e5e7eb; }
  code { font: 12px ui-monospace, monospace; } .val { word-break: break-all; } .rec { margin: 4px 0; }
  pre { white-space: pre-wrap; background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 12px; font: 13px/1.4 system-ui, sans-serif; }
  ol li, ul li { margin: 3px 0; }
  @media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } tr, pre { break-inside: avoid; } @page { size: A4; margin: 14mm; } }
</style></head><body>
<h1>Email outage runbook — ${esc(r.company)}</h1>
<p class="muted">Generated by Understudy from this setup, ${esc(when(r.generatedAt))}. Times in ${esc(r.timeZone)}. Print it and keep it where the team can find it without this computer.</p>
${r.gaps.length ? `<div class="gaps"><h2 style="border:0;margin-top:8px">Fix before the next outage</h2>${list(r.gaps, '')}</div>` : '<p><b>Nothing is missing from the plan.</b></p>'}
<h2>When the email service goes down</h2>
<ol>
  <li>Understudy notices and opens an incident; the banner in the app says which campaigns are affected.</li>
  <li>Tell the people below (Understudy emails them if alerts are on).</li>
  <li>For each affected campaign, the rules below decide; you can always pause, reschedule or send it through the backups yourself from the banner.</li>
  <li>When the service is back, Understudy tells it what happened (unsubscribes, campaigns sent meanwhile) and the incident closes; write the review on the Incidents screen.</li>
</ol>
<h2>Who to tell</h2>
${list(r.contacts, 'Nobody is set up to be alerted.')}
<h2>The rules in force</h2>
${list(r.rules, '')}
<h2>Backup sending accounts, in the order they are used</h2>
${r.backups.length ? `<table><thead><tr><th>Account</th><th>Authentication</th><th>Warm-up</th><th>Limits</th><th>Last drill</th></tr></thead><tbody>${backups}</tbody></table>` : '<p class="muted">None.</p>'}
<h2>The last drills</h2>
${list(r.drills, 'No drill has been run yet.')}
<h2>Backups of your data</h2>
${list(r.backupCopies, '')}
<h3>How to restore</h3>
<ol>${r.restore.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>
<h2>Notices to subscribers</h2>
<p class="muted">The starting text of each notice; you can edit it before sending. {{first_name|there}} is replaced by each person's first name.</p>
${notices}
</body></html>
`;
}

/** Writes the runbook through files/protected.ts (never over the database, a backup or the secrets). */
export function writeRunbook(
  engine: Engine,
  out: string | undefined,
  options: { force?: boolean } = {},
): { runbook: Runbook; out: string | null } {
  const target = out
    ? outputTarget(engine, out, { force: options.force === true, what: 'the runbook' })
    : null;
  const runbook = buildRunbook(engine);
  if (!target) return { runbook, out: null };
  writeTarget(target, runbook.html, 'the runbook');
  return { runbook, out: target.path };
}
