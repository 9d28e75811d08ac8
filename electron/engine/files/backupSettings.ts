/**
 * Where backups live and how many are kept: the settings alone, in a module that imports nothing of
 * the engine's, so the guard on output paths (protected.ts) can name the backups folder and
 * the files beside each backup without importing the backup code that itself writes through that guard.
 */
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Engine } from '../engine';

export const BackupSettingsSchema = z.object({
  /** Folder for scheduled backups; default: "backups" beside the database. */
  dir: z.string().min(1).optional(),
  intervalMinutes: z.number().int().min(5).default(60),
  keepHourly: z.number().int().min(1).default(24),
  keepDaily: z.number().int().min(1).default(7),
  keepPreRestore: z.number().int().min(1).default(5),
  /** Also export every list to CSV beside each daily and manual backup (not when encrypted). */
  exportLists: z.boolean().default(true),
  /** A second folder (a synced cloud folder, a USB disk) that receives each verified backup too. */
  mirrorDir: z.string().min(1).optional(),
  /** Encrypt each database copy (only the passphrase opens it; see backupKeys.ts). */
  encrypt: z.boolean().default(false),
});
export type BackupSettings = z.infer<typeof BackupSettingsSchema>;
export const BACKUP_SETTINGS_KEY = 'continuity.backups';

export function backupSettings(engine: Engine): BackupSettings {
  const parsed = BackupSettingsSchema.safeParse(engine.repos.settings.get(BACKUP_SETTINGS_KEY) ?? {});
  return parsed.success ? parsed.data : BackupSettingsSchema.parse({});
}

export function backupsDir(engine: Engine): string {
  return backupSettings(engine).dir ?? join(dirname(resolve(engine.dbPath)), 'backups');
}

/** The folder of CSV exports that belongs to a backup file. */
export function listsDirOf(backupPath: string): string {
  return backupPath.replace(/\.sqlite(\.enc)?$/i, '') + '.lists';
}

/** Where a restore requested from the app waits for the next start (the open engine cannot swap its own file). */
export function pendingRestoreFile(dbPath: string): string {
  return `${resolve(dbPath)}.restore-pending.json`;
}

/** The sidecar beside a backup file (`x.sqlite` or `x.sqlite.enc` → `x.keys`). */
export function keysFileOf(backupPath: string): string {
  return backupPath.replace(/\.sqlite(\.enc)?$/i, '') + '.keys';
}
