/** The continuity settings as one document for the UI and CLI, with their defaults filled in. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Engine } from '../engine';
import type { ContinuitySettings } from '../api/continuity';
import { assertZone } from '../time';
import { TIME_ZONE_KEY } from './scheduler';
import {
  CATCH_UP_KEY,
  CatchUpSchema,
  HEALTH_KEY,
  HealthSettingsSchema,
  OUTAGE_POLICY_KEY,
  OutagePolicySchema,
  catchUpSettings,
  healthSettings,
  outageDefault,
} from './policy';
import { BACKUP_SETTINGS_KEY, BackupSettingsSchema, backupSettings } from './backups';
import { mailboxSettings } from './mailbox';
import { SYNC_SETTINGS_KEY, SyncSettingsSchema, syncSettings } from '../mirror/esp/freshness';
import { checkEmail } from '../mirror/email';
import { ALERT_SETTINGS_KEY, AlertSettingsSchema, alertSettings } from './teamAlerts';
import { systemZone } from '../time';
import { describeIssue, userError } from '../errors';

export function readSettings(engine: Engine): ContinuitySettings {
  const tz = engine.repos.settings.get<string>(TIME_ZONE_KEY);
  const mb = mailboxSettings(engine);
  return {
    timeZone: typeof tz === 'string' && tz ? tz : systemZone(),
    outagePolicy: outageDefault(engine),
    catchUp: catchUpSettings(engine),
    health: healthSettings(engine),
    backups: backupSettings(engine),
    sync: syncSettings(engine),
    alerts: alertSettings(engine),
    mailbox: mb
      ? {
          host: mb.host,
          port: mb.port,
          secure: mb.secure,
          user: mb.user,
          mailbox: mb.mailbox,
          ...(mb.seedAddress ? { seedAddress: mb.seedAddress } : {}),
          pollMinutes: mb.pollMinutes,
        }
      : null,
  };
}

export interface SettingsPatch {
  timeZone?: string | undefined;
  outagePolicy?: unknown;
  catchUp?: Record<string, unknown> | undefined;
  health?: Record<string, unknown> | undefined;
  backups?: Record<string, unknown> | undefined;
  sync?: Record<string, unknown> | undefined;
  /** `to`: the team's addresses (an empty list turns alert emails off). */
  alerts?: { to?: string[] | undefined; from?: string | undefined } | undefined;
}

/** Checks each address; the first that is not one is said, and nothing is changed. */
function checkAddresses(list: string[], what: string): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const a = raw.trim();
    if (!a) continue;
    const c = checkEmail(a);
    if (!c.ok)
      throw userError(`"${a}" cannot receive ${what}: ${c.reason}.`, {
        code: 'bad_address',
        safe: 'No setting was changed.',
        next: 'Give the addresses separated by commas, e.g. ann@yourshop.com,bob@yourshop.com.',
      });
    if (!out.includes(c.email)) out.push(c.email);
  }
  return out;
}

/** The second backup folder must be another place than the first and than the data folder. */
function assertMirrorDir(engine: Engine, mirror: string, dir: string | undefined): void {
  const m = resolve(mirror);
  const first = resolve(dir ?? join(dirname(resolve(engine.dbPath)), 'backups'));
  const data = dirname(resolve(engine.dbPath));
  const inside = (a: string, b: string) => a === b || a.startsWith(b + sep) || b.startsWith(a + sep);
  if (inside(m, first) || m === data) {
    throw userError(
      `The second backup folder must be another place than ${m === data ? 'the data folder' : 'the backups folder'} (${m}).`,
      {
        code: 'backup_mirror_same',
        safe: 'No setting was changed.',
        next: 'Choose a folder on another disk or a synced cloud folder, e.g. --backup-mirror "/Volumes/USB/Understudy".',
        appNext:
          'Choose a folder on another disk (a USB disk) or a synced cloud folder (Dropbox, OneDrive, iCloud Drive).',
      },
    );
  }
  if (existsSync(m) && !statSync(m).isDirectory()) {
    throw userError(`The second backup folder ${m} is a file, not a folder.`, {
      code: 'backup_mirror_not_dir',
      safe: 'No setting was changed.',
      next: 'Give the path of a folder.',
    });
  }
}

export function updateSettings(engine: Engine, patch: SettingsPatch): ContinuitySettings {
  const now = engine.now();
  const check = <T>(
    what: string,
    r: {
      success: boolean;
      data?: T;
      error?: { issues: { code: string; path: PropertyKey[]; message: string }[] };
    },
  ): T => {
    if (!r.success)
      // In the field's words, as everywhere (engine/errors.ts#describeIssue): "wait minutes must be at least 1".
      throw userError(
        `The ${what} setting is not valid: ${r.error!.issues.map((i) => describeIssue(i)).join('; ')}.`,
        {
          safe: 'No setting was changed.',
        },
      );
    return r.data as T;
  };
  const writes: [string, unknown][] = [];
  if (patch.timeZone !== undefined)
    writes.push([TIME_ZONE_KEY, assertZone(patch.timeZone, 'No setting was changed.')]);
  if (patch.outagePolicy !== undefined)
    writes.push([
      OUTAGE_POLICY_KEY,
      check('outage policy', OutagePolicySchema.safeParse(patch.outagePolicy)),
    ]);
  if (patch.catchUp)
    writes.push([
      CATCH_UP_KEY,
      check('catch-up', CatchUpSchema.safeParse({ ...catchUpSettings(engine), ...patch.catchUp })),
    ]);
  if (patch.health)
    writes.push([
      HEALTH_KEY,
      check('health', HealthSettingsSchema.safeParse({ ...healthSettings(engine), ...patch.health })),
    ]);
  if (patch.backups) {
    // An empty second folder turns the copy off (the app's field cleared; the CLI says `off`).
    const asked = { ...patch.backups };
    if (typeof asked.mirrorDir === 'string' && asked.mirrorDir.trim() === '') asked.mirrorDir = undefined;
    else if (typeof asked.mirrorDir === 'string') asked.mirrorDir = asked.mirrorDir.trim();
    const b = check('backup', BackupSettingsSchema.safeParse({ ...backupSettings(engine), ...asked }));
    if (b.mirrorDir !== undefined) assertMirrorDir(engine, b.mirrorDir, b.dir);
    writes.push([BACKUP_SETTINGS_KEY, b]);
  }
  if (patch.sync)
    writes.push([
      SYNC_SETTINGS_KEY,
      check('sync', SyncSettingsSchema.safeParse({ ...syncSettings(engine), ...patch.sync })),
    ]);
  if (patch.alerts) {
    const cur = alertSettings(engine);
    const next = {
      to: patch.alerts.to !== undefined ? checkAddresses(patch.alerts.to, 'alerts') : cur.to,
      ...(patch.alerts.from !== undefined
        ? patch.alerts.from.trim()
          ? { from: checkAddresses([patch.alerts.from], 'alerts')[0]! }
          : {}
        : cur.from
          ? { from: cur.from }
          : {}),
    };
    writes.push([ALERT_SETTINGS_KEY, check('alert', AlertSettingsSchema.safeParse(next))]);
  }
  engine.db.transaction(() => {
    for (const [k, v] of writes) engine.repos.settings.set(k, v, now);
  })();
  if (writes.length)
    engine.record({
      type: 'settings.changed',
      message: `Continuity settings changed: ${writes.map(([k]) => k).join(', ')}.`,
      data: Object.fromEntries(writes),
    });
  return readSettings(engine);
}
