/**
 * Backup readiness (issue 16 §6, issue 15 §2): before the outage, is each backup account going to
 * deliver, proved, warm, and big enough — and is the setup around it in place? Computed on every call
 * from stored facts (DNS answers, drills with their authentication results, daily sending history,
 * caps and the limiter's send log, health, settings), never stored, so `understudy readiness`, the
 * dashboard card and the Readiness screen always say the same thing. Nothing here writes.
 *
 * The verdict: "not ready" when an outage today would go wrong (no list, no backup, no postal address
 * or unsubscribe, passwords locked, or a backup in the chain whose mail will be rejected, is down or
 * failed its last drill — part of every campaign would go through it); "ready with warnings" when
 * something should be looked at; "ready" otherwise. The next thing to do is the first step of a fixed
 * order (the order a new user sets things up in, then the risks by how much mail they lose).
 */
import type { Engine } from '../engine';
import type { ProviderRow } from '../db/repos/providers';
import type { AuthCheck, AuthVerdict } from '../api/auth';
import { agoWords } from '../api/esp';
import {
  AUTH_STALE_DAYS,
  CARRY_WITHIN_HOURS,
  DRILL_STALE_INTERVALS,
  READINESS_VERDICT_LABEL,
  type BackupReadiness,
  type ChecklistItem,
  type CheckState,
  type NextStep,
  type Readiness,
  type ReadinessVerdict,
  type SetupCheck,
} from '../api/readiness';
import { fromDomainsInUse, storedAuthentication } from '../sending/dnsAuth';
import { providerWarmup, type WarmupView } from '../sending/warmup';
import { forecastCapacity } from '../sending/capacity';
import { campaignCapacity, humanTime, remainingOf, snapshotOf, userZone } from '../sending/campaignCapacity';
import { DEFAULT_TUNING } from '../sending/tuning';
import { getSendingSettings } from '../sending/settings';
import { mirrorAge } from '../mirror/esp/freshness';
import { mailboxSettings } from './mailbox';
import { drillEveryHours, DEFAULT_DRILL_EVERY_HOURS } from './drillInterval';
import { backupSettings } from '../files/backupSettings';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const n = (x: number) => x.toLocaleString('en-US');
const q = (s: string) => `“${s}”`;
const RANK: Record<CheckState, number> = { ok: 0, warning: 1, problem: 2 };
const worst = (states: CheckState[]): CheckState =>
  states.reduce<CheckState>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');

/** Whether this process can read the passwords: the CLI says what it found; the app and `serve` know. */
export type SecretsKnown = 'open' | 'locked' | 'unknown';

export interface ReadinessOptions {
  /** Overrides what the engine knows of its secret store (the CLI opens it only to check). */
  secrets?: SecretsKnown;
}

interface Upcoming {
  campaignId: number;
  name: string;
  remaining: number;
  scheduledAt: string | null;
  timeZone: string | null;
}

/** The upcoming campaign with the most messages still to send (scheduled, sending or paused). */
function largestUpcoming(engine: Engine): Upcoming | null {
  let best: Upcoming | null = null;
  for (const status of ['scheduled', 'sending', 'paused'] as const) {
    for (const c of engine.repos.campaigns.byStatus(status)) {
      const remaining = remainingOf(engine, c.id);
      if (remaining > 0 && (!best || remaining > best.remaining))
        best = {
          campaignId: c.id,
          name: c.name,
          remaining,
          scheduledAt: c.scheduledAt,
          timeZone: c.timeZone,
        };
    }
  }
  return best;
}

const AUTH_RANK: Record<AuthVerdict, number> = { ready: 0, unknown: 1, at_risk: 2, rejected: 3 };

function authOf(engine: Engine, checks: AuthCheck[], domains: string[]): BackupReadiness['auth'] {
  const nowMs = engine.clock.now();
  if (domains.length === 0)
    return {
      verdict: null,
      state: 'warning',
      words: 'Not checked: no campaign has a From address yet.',
      domains: [],
      checkedAt: null,
    };
  const w = checks.reduce((a, b) => (AUTH_RANK[b.verdict] > AUTH_RANK[a.verdict] ? b : a), checks[0]!);
  const loud = checks.some((c) => c.loud);
  const checkedAt = checks.reduce<string | null>(
    (a, c) => (c.checkedAt && (a === null || c.checkedAt < a) ? c.checkedAt : a),
    null,
  );
  const neverChecked = checks.every((c) => c.checkedAt === null);
  const bad = checks.filter((c) => c.verdict === w.verdict).map((c) => c.domain);
  let state: CheckState;
  let words: string;
  if (w.verdict === 'rejected') {
    state = 'problem';
    words = `Its mail from ${bad.join(', ')} will be rejected: it fails DMARC, and the domain's policy tells receivers to refuse it. Add the DNS records shown.`;
  } else if (w.verdict === 'at_risk' && loud) {
    state = 'problem';
    words = `Its mail from ${checks
      .filter((c) => c.loud)
      .map((c) => c.domain)
      .join(
        ', ',
      )} fails DMARC alignment: it would look sent, but Gmail and Microsoft refuse or spam-folder it. Add the DNS records shown.`;
  } else if (w.verdict === 'at_risk') {
    state = 'warning';
    words = `Its mail from ${bad.join(', ')} passes DMARC, but a record Gmail and Microsoft expect is missing. Add the DNS records shown.`;
  } else if (w.verdict === 'unknown') {
    state = 'warning';
    words = neverChecked
      ? 'Its DNS records have not been checked yet.'
      : `Its DNS records could not be checked for ${bad.join(', ')}: the DNS did not answer.`;
  } else if (checkedAt && nowMs - Date.parse(checkedAt) > AUTH_STALE_DAYS * DAY_MS) {
    state = 'warning';
    words = `Its mail passed SPF, DKIM and DMARC when last checked, ${agoWords(nowMs - Date.parse(checkedAt))}: check again.`;
  } else {
    state = 'ok';
    words = `Its mail from ${domains.join(', ')} passes SPF, DKIM and DMARC.`;
  }
  return {
    verdict: w.verdict,
    state,
    words,
    domains: checks.map((c) => ({
      domain: c.domain,
      verdict: c.verdict,
      headline: c.headline,
      loud: c.loud,
      reasons: c.reasons,
      records: c.records,
    })),
    checkedAt,
  };
}

function drillOf(engine: Engine, p: ProviderRow): BackupReadiness['drill'] {
  const d = engine.repos.drills.list(1, p.id)[0];
  if (!d)
    return {
      result: null,
      at: null,
      state: 'warning',
      words: 'Never drilled: no test message has proved it delivers.',
      auth: null,
      detail: null,
    };
  const at = d.finishedAt ?? d.startedAt;
  const ago = agoWords(Math.max(0, engine.clock.now() - Date.parse(at)));
  const a = engine.repos.dnsAuth.drillAuth(d.id);
  const auth = a ? { spf: a.spf, dkim: a.dkim, dmarc: a.dmarc, arc: a.arc } : null;
  const base = { result: d.result, at, auth, detail: d.detail };
  if (d.result === 'failed')
    return {
      ...base,
      state: 'problem',
      words: `Its last drill failed (${ago}): ${d.detail ?? 'no reason was kept'}`,
    };
  if (d.result === 'running')
    return { ...base, state: 'warning', words: `A drill is running (started ${ago}).` };
  const every = drillEveryHours(engine) || DEFAULT_DRILL_EVERY_HOURS;
  const stale = engine.clock.now() - Date.parse(at) > DRILL_STALE_INTERVALS * every * HOUR_MS;
  const proved = auth ? ` and passed DMARC (${auth.dmarc})` : '';
  return stale
    ? { ...base, state: 'warning', words: `Its last drill passed, but ${ago}: run one again.` }
    : { ...base, state: 'ok', words: `Its last drill arrived${proved}, ${ago}.` };
}

function warmupWords(w: WarmupView): { state: CheckState; words: string } {
  if (w.state === 'cold')
    return {
      state: 'warning',
      words: `Cold (${w.lastSentDay ? `idle ${w.idleDays} days` : 'it has never sent'}): receivers distrust it, so it starts at ${n(w.capPerHour ?? 0)} messages an hour and grows day by day.`,
    };
  if (w.state === 'warming')
    return {
      state: 'warning',
      words: `Warming up (day ${(w.curveDay ?? 0) + 1} of ${w.curve?.days ?? 0}): at most ${n(w.capPerHour ?? 0)} messages an hour today.`,
    };
  return {
    state: 'ok',
    words: w.declaredWarm
      ? 'Warm (you said it sends regularly).'
      : w.lastSentDay
        ? `Warm: it sent ${w.idleDays === 0 ? 'today' : w.idleDays === 1 ? 'yesterday' : `${w.idleDays} days ago`}.`
        : 'No warm-up needed for this kind of account.',
  };
}

function capsWords(p: ProviderRow): string {
  const parts: string[] = [];
  if (p.caps.perDay) parts.push(`${n(p.caps.perDay)} a day`);
  if (p.caps.perHour) parts.push(`${n(p.caps.perHour)} an hour`);
  if (p.caps.perMinute) parts.push(`${n(p.caps.perMinute)} a minute`);
  if (p.caps.perSecond) parts.push(`${n(p.caps.perSecond)} a second`);
  return parts.length ? `At most ${parts.join(', ')}.` : 'No sending limit set.';
}

function carryOf(engine: Engine, p: ProviderRow, up: Upcoming | null): BackupReadiness['carry'] {
  if (!up)
    return {
      campaignId: null,
      campaign: null,
      remaining: 0,
      deliverable: 0,
      finishAt: null,
      inTime: null,
      state: 'ok',
      words: 'No campaign is coming up to measure it by.',
    };
  const nowMs = engine.clock.now();
  const { providers } = snapshotOf(engine, [p]);
  const f = forecastCapacity({
    nowMs,
    remaining: up.remaining,
    providers,
    overflowMs: DEFAULT_TUNING.overflowMs,
  });
  const zone = userZone(engine, up.timeZone);
  const inTime = f.finishAtMs !== null && f.finishAtMs - nowMs <= CARRY_WITHIN_HOURS * HOUR_MS;
  const base = {
    campaignId: up.campaignId,
    campaign: up.name,
    remaining: up.remaining,
    deliverable: f.deliverable,
    finishAt: f.finishAtMs === null ? null : new Date(f.finishAtMs).toISOString(),
    inTime,
  };
  const c = q(up.name);
  if (f.deliverable === 0)
    return {
      ...base,
      state: 'problem',
      words: `It cannot send any of ${c} (${n(up.remaining)} messages) now${providers[0]?.unavailable ? `: it is ${providers[0].unavailable}` : ''}.`,
    };
  if (inTime)
    return {
      ...base,
      state: 'ok',
      words: `Alone, it can send all ${n(up.remaining)} of ${c} by ${humanTime(f.finishAtMs!, nowMs, zone)}.`,
    };
  return {
    ...base,
    state: 'warning',
    words:
      f.finishAtMs === null
        ? `Alone, it can send only ${n(f.deliverable)} of the ${n(up.remaining)} messages of ${c} within a year.`
        : `Alone, it needs until ${humanTime(f.finishAtMs, nowMs, zone)} for the ${n(up.remaining)} messages of ${c}: more than a day.`,
  };
}

function backupOf(
  engine: Engine,
  p: ProviderRow,
  checks: AuthCheck[],
  domains: string[],
  up: Upcoming | null,
): BackupReadiness {
  const auth = authOf(engine, checks, domains);
  const drill = drillOf(engine, p);
  const w = providerWarmup(engine, p);
  const ww = warmupWords(w);
  const carry = carryOf(engine, p, up);
  const healthState: CheckState = p.health === 'down' ? 'problem' : p.health === 'paused' ? 'warning' : 'ok';
  const parts: { state: CheckState; words: string }[] = [
    { state: healthState, words: p.health === 'down' ? 'It is down now.' : 'It is paused now.' },
    auth,
    drill,
    ww,
    carry,
  ];
  const state = p.enabled ? worst(parts.map((x) => x.state)) : 'warning';
  const words = !p.enabled
    ? 'Switched off: it is not used in an outage.'
    : state === 'ok'
      ? 'Ready: its mail passes authentication, it was drilled lately, it is warm and big enough.'
      : parts.find((x) => x.state === state)!.words;
  return {
    provider: p.name,
    providerId: p.id,
    preset: p.preset,
    enabled: p.enabled,
    health: p.health,
    state,
    words,
    auth,
    drill,
    warmup: {
      state: w.state,
      idleDays: w.idleDays,
      capPerHour: w.capPerHour,
      curveDay: w.curveDay,
      curveDays: w.curve?.days ?? null,
      declaredWarm: w.declaredWarm,
      words: ww.words,
    },
    caps: { ...p.caps },
    capsWords: capsWords(p),
    carry,
  };
}

function secretsCheck(engine: Engine, known: SecretsKnown, active: ProviderRow[]): SetupCheck {
  const mailbox = mailboxSettings(engine);
  const needed =
    active.some((p) => p.secretRef !== null) ||
    engine.repos.providers.all('esp').some((p) => p.secretRef !== null) ||
    Boolean(mailbox?.secretRef);
  const base = {
    id: 'secrets' as const,
    label: 'Passwords unlocked',
    screen: 'providers' as const,
    at: null,
  };
  if (!needed) return { ...base, state: 'ok', words: 'No saved password is needed yet.' };
  if (known === 'open') return { ...base, state: 'ok', words: 'The saved passwords can be read.' };
  if (known === 'locked')
    return {
      ...base,
      state: 'problem',
      words:
        'The saved passwords are locked: no backup can send until they are unlocked with your passphrase.',
    };
  return {
    ...base,
    state: 'warning',
    words: 'Not checked: no passphrase was given here, so it is not known whether the passwords open.',
  };
}

function mirrorCheck(engine: Engine): SetupCheck {
  const esps = engine.repos.providers.all('esp');
  const base = {
    id: 'mirror' as const,
    label: 'Copy of your lists up to date',
    screen: 'providers' as const,
  };
  if (esps.length === 0)
    return {
      ...base,
      screen: 'lists',
      state: 'ok',
      at: null,
      words: 'No ESP is connected: your lists are the ones you imported (import again after changes).',
    };
  const ages = esps.map((p) => ({ p, a: mirrorAge(engine, p.id) }));
  const stale = ages.filter((x) => x.a.stale);
  const oldest = ages.reduce<string | null>(
    (acc, x) => (x.a.asOf && (acc === null || x.a.asOf < acc) ? x.a.asOf : acc),
    null,
  );
  if (stale.length)
    return {
      ...base,
      state: 'warning',
      at: oldest,
      words: stale
        .map((x) => `${q(x.p.name)} ${x.a.asOf ? `last synced ${x.a.words}` : 'was never synced'}`)
        .join('; ')
        .concat(': your copy of its lists may miss recent subscribers and unsubscribes.'),
    };
  return {
    ...base,
    state: 'ok',
    at: oldest,
    words: ages.map((x) => `${q(x.p.name)} synced ${x.a.words}`).join('; ') + '.',
  };
}

function backupCopyCheck(engine: Engine): SetupCheck {
  const latest = engine.repos.backups.list()[0];
  const base = { id: 'backupCopy' as const, label: 'Recent backup copy', screen: 'backups' as const };
  if (!latest)
    return { ...base, state: 'warning', at: null, words: 'No backup copy of your data has been taken yet.' };
  const ageMs = Math.max(0, engine.clock.now() - Date.parse(latest.createdAt));
  const limit = Math.max(DAY_MS, 2 * backupSettings(engine).intervalMinutes * 60_000);
  return ageMs > limit
    ? {
        ...base,
        state: 'warning',
        at: latest.createdAt,
        words: `The last backup copy is from ${agoWords(ageMs)}.`,
      }
    : {
        ...base,
        state: 'ok',
        at: latest.createdAt,
        words: `The last backup copy was taken ${agoWords(ageMs)}.`,
      };
}

/** The readiness view. Async only because authentication is evaluated from the stored DNS facts. */
export async function readiness(engine: Engine, opts: ReadinessOptions = {}): Promise<Readiness> {
  const smtp = engine.repos.providers.all('smtp');
  const active = smtp.filter((p) => p.enabled);
  const domains = fromDomainsInUse(engine);
  const checks = await storedAuthentication(engine, domains);
  const up = largestUpcoming(engine);
  const backups = smtp.map((p) =>
    backupOf(
      engine,
      p,
      checks.filter((c) => c.providerId === p.id),
      domains,
      up,
    ),
  );
  const activeBackups = backups.filter((b) => b.enabled);

  // The setup around the backups.
  const lists = engine.repos.lists.all();
  const esps = engine.repos.providers.all('esp');
  const sending = getSendingSettings(engine);
  const mailbox = mailboxSettings(engine);
  const missingPostal = [
    ...(sending.postal_address ? [] : ['postal address']),
    ...(sending.unsubscribe_mailto ? [] : ['unsubscribe address']),
  ];
  const drilled = activeBackups.filter((b) => b.drill.result === 'passed');
  const checklist: ChecklistItem[] = [
    {
      id: 'list',
      label: 'Connect your ESP or import a list',
      done: lists.length > 0 || esps.length > 0,
      words:
        lists.length > 0
          ? `${n(lists.length)} ${lists.length === 1 ? 'list is' : 'lists are'} kept here.`
          : esps.length > 0
            ? 'Your ESP is connected; its lists arrive with the first sync.'
            : 'No list yet: Understudy has nobody to send to.',
      screen: 'lists',
    },
    {
      id: 'backup',
      label: 'Add a backup account',
      done: active.length > 0,
      words: active.length
        ? `${n(active.length)} backup ${active.length === 1 ? 'account' : 'accounts'}: ${active.map((p) => q(p.name)).join(', ')}.`
        : 'No backup account: when your ESP is down, nothing can be sent.',
      screen: 'providers',
    },
    {
      id: 'postal',
      label: 'Postal address and unsubscribe',
      done: missingPostal.length === 0,
      words: missingPostal.length
        ? `Missing: the ${missingPostal.join(' and the ')}. No campaign can be sent without them.`
        : 'Every message will carry your postal address and an unsubscribe link.',
      screen: 'settings',
    },
    {
      id: 'mailbox',
      label: 'The backup mailbox',
      done: Boolean(mailbox?.seedAddress),
      words: mailbox
        ? mailbox.seedAddress
          ? `Replies, unsubscribes and drill messages are read from ${mailbox.user}.`
          : 'Set up, but without a test address for drills.'
        : 'Not set up: unsubscribe replies and bounces of backup sends would go unread, and drills cannot run.',
      screen: 'settings',
    },
    {
      id: 'drill',
      label: 'Run a drill',
      done: drilled.length > 0,
      words: drilled.length
        ? `${drilled.map((b) => q(b.provider)).join(', ')} passed ${drilled.length === 1 ? 'its' : 'their'} last drill.`
        : 'No backup has proved yet that its mail arrives.',
      screen: 'providers',
    },
  ];

  const secrets = secretsCheck(
    engine,
    opts.secrets ?? (engine.services.secrets.current ? 'open' : 'locked'),
    active,
  );
  const checks2: SetupCheck[] = [
    {
      id: 'postal',
      label: 'Postal address and unsubscribe',
      state: missingPostal.length ? 'problem' : 'ok',
      words: checklist[2]!.words,
      screen: 'settings',
      at: null,
    },
    secrets,
    {
      id: 'mailbox',
      label: 'Backup mailbox',
      state: checklist[3]!.done ? 'ok' : 'warning',
      words: checklist[3]!.words,
      screen: 'settings',
      at: null,
    },
    mirrorCheck(engine),
    backupCopyCheck(engine),
  ];

  const largest = up
    ? {
        campaignId: up.campaignId,
        name: up.name,
        remaining: up.remaining,
        scheduledAt: up.scheduledAt,
        summary:
          active.length === 0
            ? `No backup could send ${q(up.name)}.`
            : campaignCapacity(engine, up.campaignId, { remaining: up.remaining }).summary,
      }
    : null;

  const next = nextStep({ checklist, checks: checks2, backups: activeBackups, up, domains });
  const blocking =
    !checklist[0]!.done ||
    !checklist[1]!.done ||
    missingPostal.length > 0 ||
    secrets.state === 'problem' ||
    activeBackups.some((b) => b.state === 'problem');
  const anyWarning =
    checklist.some((c) => !c.done) ||
    checks2.some((c) => c.state !== 'ok') ||
    backups.some((b) => b.enabled && b.state !== 'ok');
  const verdict: ReadinessVerdict = blocking ? 'not_ready' : anyWarning ? 'warnings' : 'ready';
  const readyCount = activeBackups.filter((b) => b.state === 'ok').length;
  const headline =
    verdict === 'not_ready'
      ? `${READINESS_VERDICT_LABEL[verdict]}: ${next?.why ?? 'an outage today would not go well.'}`
      : verdict === 'warnings'
        ? `${READINESS_VERDICT_LABEL[verdict]}: ${readyCount} of ${activeBackups.length} ${activeBackups.length === 1 ? 'backup is' : 'backups are'} fully ready; ${next?.why ?? ''}`.trim()
        : `${READINESS_VERDICT_LABEL[verdict]}: ${activeBackups.length === 1 ? 'your backup delivers, is warm and was drilled' : `all ${activeBackups.length} backups deliver, are warm and were drilled`}${up ? `, and can carry ${q(up.name)}` : ''}.`;
  return {
    verdict,
    headline,
    next,
    checklist,
    checks: checks2,
    backups,
    largest,
    fromDomains: domains,
    computedAt: engine.now(),
  };
}

/** The single next thing to do: the first that applies, in this order. */
function nextStep(s: {
  checklist: ChecklistItem[];
  checks: SetupCheck[];
  backups: BackupReadiness[];
  up: Upcoming | null;
  domains: string[];
}): NextStep | null {
  const item = (id: ChecklistItem['id']) => s.checklist.find((c) => c.id === id)!;
  const check = (id: SetupCheck['id']) => s.checks.find((c) => c.id === id)!;
  const first = (pred: (b: BackupReadiness) => boolean) => s.backups.find(pred);

  if (!item('list').done)
    return {
      text: 'Connect your ESP, or import a list of your subscribers.',
      why: 'there is no list to send to.',
      screen: 'lists',
    };
  if (!item('backup').done)
    return {
      text: 'Add a backup sending account (Gmail, Microsoft 365, Amazon SES, SendGrid or your own mail server).',
      why: 'there is no backup account: when your ESP is down, nothing can be sent.',
      screen: 'providers',
    };
  if (!item('postal').done)
    return {
      text: 'Enter your postal address and the address that receives unsubscribe requests.',
      why: 'no campaign can be sent without them.',
      screen: 'settings',
    };
  if (check('secrets').state === 'problem')
    return {
      text: 'Unlock your saved passwords with your passphrase.',
      why: 'the backups cannot log in while the passwords are locked.',
      screen: 'providers',
    };
  let b = first((x) => x.auth.state === 'problem');
  if (b)
    return {
      text: `Add the DNS records that let ${q(b.provider)} send for ${b.auth.domains.filter((d) => d.verdict !== 'ready').map((d) => d.domain)[0] ?? 'your domain'} (shown on the Readiness screen), or switch it off until they are in place.`,
      why: `mail sent through ${q(b.provider)} ${b.auth.verdict === 'rejected' ? 'will be rejected' : 'would look sent but fail DMARC'}.`,
      screen: 'readiness',
    };
  b = first((x) => x.health === 'down');
  if (b)
    return {
      text: `Check ${q(b.provider)}: it is down. Test its login and settings on the Providers screen.`,
      why: `${q(b.provider)} is down.`,
      screen: 'providers',
    };
  b = first((x) => x.drill.state === 'problem');
  if (b)
    return {
      text: `Fix ${q(b.provider)} (its password or settings), then run a drill again.`,
      why: `the last drill of ${q(b.provider)} failed.`,
      screen: 'providers',
    };
  if (!item('mailbox').done)
    return {
      text: 'Set up the backup mailbox, with a test address for drills.',
      why: 'without it, unsubscribe replies to backup sends go unread and drills cannot prove a backup delivers.',
      screen: 'settings',
    };
  b = first((x) => x.drill.state !== 'ok');
  if (b)
    return {
      text: 'Run a drill, so each backup proves its mail arrives.',
      why: `${q(b.provider)} has not been drilled lately.`,
      screen: 'providers',
    };
  b = first((x) => x.carry.state === 'problem');
  if (b)
    return {
      text: `Check ${q(b.provider)}: it cannot send anything now.`,
      why: b.carry.words,
      screen: 'providers',
    };
  b = first((x) => x.auth.state !== 'ok');
  if (b)
    return s.domains.length === 0
      ? {
          text: 'Add a campaign with its From address, so the DNS records of your backups can be checked.',
          why: 'no From domain is known yet.',
          screen: 'campaigns',
        }
      : b.auth.verdict === 'at_risk'
        ? {
            text: `Add the missing DNS records for ${q(b.provider)} (shown on the Readiness screen).`,
            why: `a record Gmail and Microsoft expect of ${q(b.provider)} is missing.`,
            screen: 'readiness',
          }
        : {
            text: 'Check the DNS records of your backups.',
            why: `the DNS records of ${q(b.provider)} have not been checked lately.`,
            screen: 'readiness',
          };
  b = first((x) => x.carry.state === 'warning');
  if (b && s.up)
    return {
      text: `Raise the daily limit of ${q(b.provider)} or add another backup account, so ${q(s.up.name)} can go out within a day.`,
      why: `${q(b.provider)} alone needs more than a day for ${q(s.up.name)}.`,
      screen: 'providers',
    };
  b = first((x) => x.warmup.state !== 'warm');
  if (b)
    return {
      text: `Warm up ${q(b.provider)}: send a few small campaigns through it, or mark it warm if it already sends regularly.`,
      why: `${q(b.provider)} is ${b.warmup.state === 'cold' ? 'cold' : 'still warming up'}, so it sends slowly at first.`,
      screen: 'readiness',
    };
  if (check('mirror').state !== 'ok')
    return { text: 'Sync your ESP now.', why: check('mirror').words, screen: 'providers' };
  if (check('backupCopy').state !== 'ok')
    return { text: 'Take a backup copy of your data.', why: check('backupCopy').words, screen: 'backups' };
  if (check('secrets').state !== 'ok')
    return {
      text: 'Give your passphrase, so readiness can check that your passwords open.',
      why: check('secrets').words,
      screen: 'providers',
    };
  return null;
}
