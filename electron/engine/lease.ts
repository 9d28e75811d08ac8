/**
 * The send lease: is the process named in a 'running' campaign_runs row still sending?
 *
 * "Its pid answers kill(pid, 0)" is not enough. A sender killed with `kill -9` stays in the process
 * table as a zombie until its parent reaps it, and under a container's PID 1 (or any parent that
 * never calls wait) that is forever: kill(pid, 0) succeeds on a zombie. And a pid is reused: after a
 * restart another process may have the dead sender's pid. So, on this host:
 *
 * - no such process                            → dead;
 * - state Z (zombie) or X (dead) in /proc/PID/stat → dead;
 * - its start time (field 22 of /proc/PID/stat, clock ticks since boot) and the boot id differ from
 *   what the sender recorded when it took the lease → another process has the pid → dead;
 * - otherwise its heartbeat decides: silent longer than staleMs → dead (hung), else alive.
 *
 * Without /proc (macOS, Windows) only kill(pid, 0) and the heartbeat are available. A run recorded
 * on another host is judged by its heartbeat alone.
 * proc(5): https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export type ProcessState = 'gone' | 'zombie' | 'alive' | 'unknown';

export interface ProcessProbe {
  state: ProcessState;
  /** `boot-id:start-ticks` on Linux, null where it cannot be known. */
  identity: string | null;
}

let bootId: string | null | undefined;
function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** What /proc says about `pid`: its state letter and start time; null without /proc. */
function procStat(pid: number): { state: string; start: string } | 'gone' | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return readBootId() === null ? null : 'gone';
    return null;
  }
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  const state = rest[0] ?? '';
  const start = rest[19] ?? '';
  return { state, start };
}

export function probeProcess(pid: number): ProcessProbe {
  if (!Number.isInteger(pid) || pid <= 0) return { state: 'gone', identity: null };
  const stat = procStat(pid);
  if (stat === 'gone') return { state: 'gone', identity: null };
  if (stat) {
    if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x')
      return { state: 'zombie', identity: null };
    const boot = readBootId();
    return { state: 'alive', identity: boot && stat.start ? `${boot}:${stat.start}` : null };
  }
  try {
    process.kill(pid, 0);
    return { state: 'alive', identity: null };
  } catch (e) {
    return { state: (e as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'unknown', identity: null };
  }
}

/** This process's identity, recorded with the lease it takes. */
export function ownIdentity(): string | null {
  return probeProcess(process.pid).identity;
}

/** A run whose heartbeat is silent this long is dead (hung): the default of `SendTuning.staleMs`. */
export const STALE_MS = 30_000;

export interface LeaseHolder {
  pid: number;
  host: string;
  heartbeatAt: string;
  /** The identity the holder recorded; null for runs recorded before it was kept. */
  identity: string | null;
}

export type LeaseVerdict =
  | { dead: true; why: 'gone' | 'zombie' | 'pid_reused' | 'stale' }
  | { dead: false; why: 'alive' | 'other_host' };

/** Whether the holder of a lease is dead, and why (for the event that records the takeover). */
export function judgeLease(holder: LeaseHolder, nowMs: number, staleMs: number): LeaseVerdict {
  const stale = nowMs - Date.parse(holder.heartbeatAt) > staleMs;
  if (holder.host !== hostname())
    return stale ? { dead: true, why: 'stale' } : { dead: false, why: 'other_host' };
  const p = probeProcess(holder.pid);
  if (p.state === 'gone') return { dead: true, why: 'gone' };
  if (p.state === 'zombie') return { dead: true, why: 'zombie' };
  if (holder.identity && p.identity && holder.identity !== p.identity)
    return { dead: true, why: 'pid_reused' };
  return stale ? { dead: true, why: 'stale' } : { dead: false, why: 'alive' };
}
