/**
 * Paths the renderer may use, and only those: each comes from one of the main process's own
 * open/save dialogs, is kept here, and the renderer gets an opaque one-time token for it. The IPC
 * handler of a call that names a file (a `paths` field in the contract) swaps the token back for
 * the path; anything else in that field — a raw path, a token granted for another call or field,
 * a spent or expired one — is refused. So a compromised renderer cannot make the engine read or
 * write a file the person did not choose in a dialog (the database, the secret file, ~/.ssh).
 *
 * Plain Node on purpose (no `electron` import), so it is unit-tested without Electron's binary.
 */
import { randomBytes } from 'node:crypto';

const PREFIX = 'grant:';

interface Grant {
  call: string;
  field: string;
  path: string;
  expires: number;
}

export type Resolved =
  { ok: true; input: unknown } | { ok: false; field: string; reason: 'not_granted' | 'not_an_object' };

export class PathGrants {
  private readonly grants = new Map<string, Grant>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: { ttlMs?: number; now?: () => number } = {}) {
    // Long enough to look at the import preview and choose the column mapping.
    this.ttlMs = opts.ttlMs ?? 60 * 60 * 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Called by main with a path its own dialog returned; the token goes to the renderer. */
  grant(call: string, field: string, path: string): string {
    this.sweep();
    const token = PREFIX + randomBytes(24).toString('base64url');
    this.grants.set(token, { call, field, path, expires: this.now() + this.ttlMs });
    return token;
  }

  /** The granted path without spending the token (the import preview reads the head of the file). */
  peek(token: unknown, call: string, field: string): string | undefined {
    if (typeof token !== 'string') return undefined;
    const g = this.grants.get(token);
    if (!g || g.call !== call || g.field !== field) return undefined;
    if (g.expires <= this.now()) {
      this.grants.delete(token);
      return undefined;
    }
    return g.path;
  }

  /**
   * The input of `call` with each path field's token swapped for its path (tokens are spent). A
   * field that is absent stays absent (an optional path, such as incidentReport's `out`); a field
   * that is present must hold a live grant for exactly this call and field, or nothing is spent.
   */
  resolve(call: string, fields: readonly string[], input: unknown): Resolved {
    if (fields.length === 0) return { ok: true, input };
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, field: fields[0]!, reason: 'not_an_object' };
    }
    const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    const spent: string[] = [];
    for (const field of fields) {
      if (!Object.hasOwn(out, field) || out[field] === undefined) continue;
      const path = this.peek(out[field], call, field);
      if (path === undefined) return { ok: false, field, reason: 'not_granted' };
      spent.push(out[field] as string);
      out[field] = path;
    }
    for (const t of spent) this.grants.delete(t);
    return { ok: true, input: out };
  }

  private sweep(): void {
    const now = this.now();
    for (const [t, g] of this.grants) if (g.expires <= now) this.grants.delete(t);
  }
}
