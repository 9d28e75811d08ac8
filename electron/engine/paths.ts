/**
 * Where the desktop app keeps its data, computed without Electron so the CLI and browser mode open the
 * same database as the app. Mirrors Electron's `app.getPath('userData')` for an app named "Understudy":
 * https://www.electronjs.org/docs/latest/api/app#appgetpathname
 */
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Understudy';
export const DB_FILE = 'understudy.sqlite';

export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UNDERSTUDY_HOME) return env.UNDERSTUDY_HOME;
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', APP_NAME);
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
  }
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.UNDERSTUDY_DB ?? join(userDataDir(env), DB_FILE);
}
