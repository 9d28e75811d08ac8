/**
 * Providers: the SMTP chain in order (health, circuit breaker, caps, usage), adding an account from a
 * preset with the service's real limits, testing a connection without sending, reordering, removing;
 * drills; ESP connections when the engine offers them.
 */
import { useState } from 'react';
import { useStore } from '../store';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { HealthBadge } from '../components/Health';
import { EspConnections } from './EspConnections';
import { api, has } from '../api/client';
import type { ApiError } from '../api/types';
import type { Drill, Preset, Provider, ProviderTestResult } from '../api/shapes';
import { formatDateTime, formatTime } from '../components/format';
import { useConfirm, useDialog } from '../components/Modal';

export function capsText(p: {
  perSecond: number | null;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
}): string {
  const parts = [
    p.perSecond !== null ? `${p.perSecond}/s` : null,
    p.perMinute !== null ? `${p.perMinute}/min` : null,
    p.perHour !== null ? `${p.perHour}/h` : null,
    p.perDay !== null ? `${p.perDay}/day` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no caps';
}

/**
 * The chain as the engine uses it (issue 15 §4): accounts in priority order; an account whose priority
 * equals the one above shares the load with it (messages are split by weight), any other waits until
 * every account above it cannot send. Priorities are rewritten as 10, 20, 30… from this shape.
 */
export function sharesAbove(list: Provider[]): boolean[] {
  return list.map((p, i) => i > 0 && p.priority === list[i - 1]!.priority);
}

export function prioritiesFor(list: Provider[], shares: boolean[]): number[] {
  let tier = 0;
  return list.map((_, i) => {
    if (i > 0 && !shares[i]) tier++;
    return (tier + 1) * 10;
  });
}

// eslint-disable-next-line max-lines-per-function -- one screen's state and markup
export function Providers() {
  const providers = useResource('listProviders');
  const act = useStore((s) => s.act);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Provider | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Keyed by the account's id, never its name: a removed account's result never shows under a new one.
  const [tests, setTests] = useState<Record<number, ProviderTestResult | 'running'>>({});
  const [busy, setBusy] = useState(false);
  const [ask, confirmDialog] = useConfirm();

  const forget = (id: number) =>
    setTests((t) => {
      const n = { ...t };
      delete n[id];
      return n;
    });
  const run = async (name: string, input: unknown) => {
    setError(null);
    const r = await act(name, input);
    if (!r.ok && r.error) setError(r.error);
    providers.reload();
    return r;
  };
  const test = async (p: { id: number; name: string }): Promise<ProviderTestResult | null> => {
    setTests((t) => ({ ...t, [p.id]: 'running' }));
    const r = await act('testProvider', { name: p.name });
    if (r.ok) {
      const result = r.value as ProviderTestResult;
      setTests((t) => ({ ...t, [p.id]: result }));
      providers.reload();
      return result;
    }
    forget(p.id);
    if (r.error) setError(r.error);
    return null;
  };
  /** After adding an account or changing its password: the login test, and a clear word on it. */
  const loginTest = async (p: Provider, what: 'added' | 'changed') => {
    setNotice(null);
    const result = await test(p);
    if (!result) return;
    setNotice(
      result.ok
        ? `“${p.name}” was ${what} and its login test passed.`
        : `“${p.name}” was ${what}, but its login test failed: ${result.message} Use Edit to correct the server, user name or password.`,
    );
  };
  /** Writes the order (and who shares the load) as priorities; only the accounts that change. */
  const persist = async (order: Provider[], shares: boolean[]) => {
    setBusy(true);
    setError(null);
    const prios = prioritiesFor(order, shares);
    for (let i = 0; i < order.length; i++) {
      if (order[i]!.priority === prios[i]) continue;
      const r = await act('updateProvider', { current: order[i]!.name, priority: prios[i] });
      if (!r.ok) {
        if (r.error) setError(r.error);
        break;
      }
    }
    setBusy(false);
    providers.reload();
  };
  const move = (list: Provider[], i: number, by: -1 | 1) => {
    const j = i + by;
    const order = [...list];
    [order[i], order[j]] = [order[j]!, order[i]!];
    const shares = sharesAbove(list);
    // A moved account takes its own place in the order: it no longer shares the load.
    shares[Math.min(i, j)] = false;
    shares[Math.max(i, j)] = false;
    // …and the account below it does not silently join it.
    if (Math.max(i, j) + 1 < shares.length) shares[Math.max(i, j) + 1] = false;
    void persist(order, shares);
  };
  const maxPriority = (((providers.value as Provider[] | null) ?? []).at(-1)?.priority ?? 0) as number;

  return (
    <section className="screen" aria-labelledby="providers-title">
      {confirmDialog}
      <header className="screen-head">
        <h1 id="providers-title">Providers</h1>
        <div className="actions">
          {has('addProvider') && (
            <button type="button" className="primary" onClick={() => setAdding(true)}>
              Add SMTP account…
            </button>
          )}
        </div>
      </header>
      <SecretsLock />
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      {notice && (
        <p className="notice" role="status" data-testid="provider-notice">
          {notice}
        </p>
      )}
      <article className="card">
        <h2>Backup sending chain</h2>
        <p className="muted">
          Messages go through the first healthy account in this order; when it cannot send, the next takes
          over the same messages. Accounts marked “shares the load” split messages with the account above
          them. Caps are never exceeded.
        </p>
        <ResourceView res={providers} what="SMTP accounts" calls={['listProviders']}>
          {(v) => {
            const list = v as Provider[];
            if (list.length === 0)
              return (
                <p className="muted">
                  No SMTP accounts yet. Add your backup account so campaigns can go out when your ESP is down.
                </p>
              );
            const shares = sharesAbove(list);
            let place = 0;
            return (
              <table className="data" data-testid="providers-table">
                <caption className="sr-only">SMTP accounts in chain order</caption>
                <thead>
                  <tr>
                    <th scope="col">Order</th>
                    <th scope="col">Account</th>
                    <th scope="col">Server</th>
                    <th scope="col">Health</th>
                    <th scope="col">Caps</th>
                    <th scope="col">Sent (24 h)</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((p, i) => {
                    const t = tests[p.id];
                    if (!shares[i]) place++;
                    return (
                      <tr key={p.id} data-testid="provider-row">
                        <td>
                          <span data-testid="provider-place">{place}</span>
                          <span className="reorder">
                            <button
                              type="button"
                              aria-label={`Move ${p.name} up`}
                              disabled={i === 0 || busy}
                              onClick={() => move(list, i, -1)}
                            >
                              ↑
                            </button>
                            <button
                              type="button"
                              aria-label={`Move ${p.name} down`}
                              disabled={i === list.length - 1 || busy}
                              onClick={() => move(list, i, 1)}
                            >
                              ↓
                            </button>
                          </span>
                          {i > 0 && (
                            <label className="small share">
                              <input
                                type="checkbox"
                                checked={shares[i]}
                                disabled={busy}
                                onChange={(e) => {
                                  const next = [...shares];
                                  next[i] = e.target.checked;
                                  void persist(list, next);
                                }}
                              />{' '}
                              Shares the load with {list[i - 1]!.name}
                            </label>
                          )}
                        </td>
                        <th scope="row">
                          {p.name}
                          {!p.enabled && <span className="muted"> (disabled)</span>}
                          {p.preset && <div className="muted small">{p.preset}</div>}
                        </th>
                        <td className="mono">
                          {p.host}:{p.port} {p.tls}
                        </td>
                        <td>
                          <HealthBadge state={p.health} />
                          {p.breaker !== 'closed' && (
                            <div className="small muted">
                              breaker {p.breaker.replace('_', '-')}
                              {p.retryAt ? `, retry ${formatTime(p.retryAt)}` : ''}
                              {p.breakerReason ? ` — ${p.breakerReason}` : ''}
                            </div>
                          )}
                        </td>
                        <td>{capsText(p)}</td>
                        <td>{p.sentLastDay.toLocaleString('en-US')}</td>
                        <td className="row-actions">
                          <button type="button" onClick={() => void test(p)} disabled={t === 'running'}>
                            {t === 'running' ? 'Testing…' : 'Test connection'}
                          </button>
                          {has('updateProvider') && (
                            <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                              Edit
                            </button>
                          )}
                          <button
                            type="button"
                            onClick={async () => {
                              const sure = await ask({
                                title: `Remove ${p.name}?`,
                                body: 'Its stored password is deleted too. Delivery records stay.',
                                confirmLabel: 'Remove',
                                danger: true,
                              });
                              if (sure) {
                                forget(p.id);
                                void run('removeProvider', { name: p.name });
                              }
                            }}
                          >
                            Remove
                          </button>
                          {t && t !== 'running' && (
                            <div className={t.ok ? 'test-ok' : 'test-fail'} role="status">
                              {t.ok ? '✓' : '✗'} {t.message}
                            </div>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            );
          }}
        </ResourceView>
      </article>
      <div className="cards">
        <Drills />
        <EspConnections />
      </div>
      {adding && (
        <ProviderForm
          priority={maxPriority + 10}
          onClose={() => setAdding(false)}
          onSaved={(p, passwordChanged) => {
            setAdding(false);
            providers.reload();
            if (passwordChanged || p.auth === 'none') void loginTest(p, 'added');
          }}
        />
      )}
      {editing && (
        <ProviderForm
          existing={editing}
          onClose={() => setEditing(null)}
          onSaved={(p, passwordChanged) => {
            setEditing(null);
            forget(p.id);
            providers.reload();
            if (passwordChanged) void loginTest(p, 'changed');
          }}
        />
      )}
    </section>
  );
}

/**
 * Browser mode started without the passphrase: unlock the secret store here, before any form that
 * saves or reads a password (issue 15 §1). The passphrase goes to the server's memory only.
 */
export function SecretsLock() {
  const status = useResource('secretsStatus');
  const act = useStore((s) => s.act);
  const [pass, setPass] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const v = status.value as { open: boolean; exists: boolean; canUnlock: boolean } | null;
  if (!has('unlockSecrets') || !v || v.open || !v.canUnlock) return null;
  return (
    <form
      className="card warn"
      aria-labelledby="unlock-title"
      data-testid="secrets-lock"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        const r = await act('unlockSecrets', { passphrase: pass });
        setBusy(false);
        if (!r.ok && r.error) return setError(r.error);
        setPass('');
        status.reload();
      }}
    >
      <h2 id="unlock-title">Passwords are locked</h2>
      <p>
        {v.exists
          ? 'Type the passphrase of your secret store to add, edit or use accounts with a password.'
          : 'Choose a passphrase (at least 12 characters) to keep account passwords safe. You will need it each time Understudy starts in browser mode.'}
      </p>
      <div className="form-row">
        <div className="field">
          <label htmlFor="secrets-pass">Passphrase</label>
          <input
            id="secrets-pass"
            type="password"
            value={pass}
            onChange={(e) => setPass(e.target.value)}
            autoComplete={v.exists ? 'current-password' : 'new-password'}
            required
          />
        </div>
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" className="primary" disabled={busy || !pass}>
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}

function Drills() {
  const drills = useResource('listDrills');
  const act = useStore((s) => s.act);
  const [error, setError] = useState<ApiError | null>(null);
  const [running, setRunning] = useState(false);
  return (
    <article className="card">
      <h2>Drills</h2>
      <p className="muted">
        A drill sends one test message through each account to your seed mailbox and checks it arrived.
      </p>
      <DrillInterval />
      <ResourceView res={drills} what="Drills" calls={['listDrills', 'runDrill']}>
        {(v) => (
          <>
            <button
              type="button"
              disabled={running}
              onClick={async () => {
                setRunning(true);
                setError(null);
                const r = await act('runDrill', {});
                setRunning(false);
                if (!r.ok && r.error) setError(r.error);
                drills.reload();
              }}
            >
              {running ? 'Running drill…' : 'Run a drill now'}
            </button>
            {error && <ErrorBox error={error} />}
            {(v as Drill[]).length === 0 && <p className="muted">No drills yet.</p>}
            <ul className="plain">
              {(v as Drill[]).slice(0, 6).map((d) => (
                <li key={d.id}>
                  <span className={`drill drill-${d.result}`}>{d.result}</span> {d.providerName ?? 'all'} —{' '}
                  {formatDateTime(d.startedAt)} {d.detail ? `· ${d.detail}` : ''}
                </li>
              ))}
            </ul>
          </>
        )}
      </ResourceView>
    </article>
  );
}

/** How often drills run on their own: a setting (issue 16, §2), in words rather than hours. */
const DRILL_CHOICES: [number, string][] = [
  [24, 'Every day'],
  [72, 'Every 3 days'],
  [168, 'Every week'],
  [336, 'Every 2 weeks'],
  [720, 'Every month'],
  [0, 'Never (only when I run one)'],
];

function DrillInterval() {
  const every = useResource('getDrillInterval');
  const act = useStore((s) => s.act);
  const [error, setError] = useState<ApiError | null>(null);
  if (!has('getDrillInterval') || every.state !== 'ok') return null;
  const hours = (every.value as { everyHours: number }).everyHours;
  const choices = DRILL_CHOICES.some(([h]) => h === hours)
    ? DRILL_CHOICES
    : [...DRILL_CHOICES, [hours, `Every ${hours} hours`] as [number, string]];
  return (
    <p>
      <label>
        Run drills on their own:{' '}
        <select
          value={String(hours)}
          onChange={async (e) => {
            setError(null);
            const r = await act('setDrillInterval', { everyHours: Number(e.target.value) });
            if (!r.ok && r.error) setError(r.error);
            every.reload();
          }}
        >
          {choices.map(([h, label]) => (
            <option key={h} value={String(h)}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {error && <ErrorBox error={error} />}
    </p>
  );
}

// eslint-disable-next-line max-lines-per-function -- one form's fields and markup
function ProviderForm({
  existing,
  priority,
  onClose,
  onSaved,
}: {
  /** Editing this account; absent: adding a new one. */
  existing?: Provider;
  /** A new account's place: after every account (its own place, not sharing the load). */
  priority?: number;
  onClose: () => void;
  onSaved: (p: Provider, passwordChanged: boolean) => void;
}) {
  const presets = useResource('listProviderPresets');
  const act = useStore((s) => s.act);
  const n0 = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x));
  const [f, setF] = useState({
    name: existing?.name ?? '',
    preset: existing?.preset ?? '',
    host: existing?.host ?? '',
    port: existing ? String(existing.port) : '587',
    tls: existing?.tls ?? 'starttls',
    user: existing?.user ?? '',
    password: '',
    perSecond: n0(existing?.perSecond),
    perMinute: n0(existing?.perMinute),
    perHour: n0(existing?.perHour),
    perDay: n0(existing?.perDay),
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Sending a password with no encryption to another computer needs the person's explicit consent.
  const [plaintextOk, setPlaintextOk] = useState(false);
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setF({ ...f, [k]: e.target.value });
  const list = (presets.value as Preset[] | null) ?? [];
  const choosePreset = (name: string) => {
    const p = list.find((x) => x.name === name);
    if (!p) return setF({ ...f, preset: '' });
    const n = (x: number | null) => (x === null ? '' : String(x));
    setF({
      ...f,
      preset: p.name,
      name: f.name || p.label,
      host: p.host,
      port: String(p.port),
      tls: p.tls,
      perSecond: n(p.perSecond),
      perMinute: n(p.perMinute),
      perHour: n(p.perHour),
      perDay: n(p.perDay),
    });
  };
  const num = (s: string) => (s.trim() === '' ? null : Number(s));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const fields = {
      name: f.name.trim(),
      ...(f.preset ? { preset: f.preset } : {}),
      host: f.host.trim(),
      port: Number(f.port),
      tls: f.tls,
      ...(f.user ? { user: f.user } : {}),
      ...(f.password ? { password: f.password } : {}),
      ...(f.tls === 'none' && f.password && plaintextOk ? { allowPlaintextAuth: true } : {}),
      perSecond: num(f.perSecond),
      perMinute: num(f.perMinute),
      perHour: num(f.perHour),
      perDay: num(f.perDay),
    };
    // A new account goes after every account there is now (read fresh: the list on screen may lag).
    let place = priority;
    if (!existing) {
      const now = await api().call('listProviders', {});
      if (now.ok) place = Math.max(0, ...(now.value as Provider[]).map((p) => p.priority)) + 10;
    }
    const r = existing
      ? await act('updateProvider', { current: existing.name, ...fields })
      : await act('addProvider', { ...fields, ...(place !== undefined ? { priority: place } : {}) });
    setBusy(false);
    if (!r.ok && r.error) return setError(r.error);
    const changedLogin =
      Boolean(f.password) ||
      (existing !== undefined && (existing.host !== fields.host || existing.user !== f.user));
    onSaved(r.value as Provider, changedLogin);
  };
  const preset = list.find((x) => x.name === f.preset);
  const dialog = useDialog(onClose);
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="add-title"
        data-testid="provider-form"
        onSubmit={submit}
        {...dialog}
      >
        <h2 id="add-title">{existing ? `Edit ${existing.name}` : 'Add an SMTP account'}</h2>
        <div className="field">
          <label htmlFor="p-preset">Service</label>
          <select id="p-preset" value={f.preset} onChange={(e) => choosePreset(e.target.value)} autoFocus>
            <option value="">Other SMTP server</option>
            {list.map((p) => (
              <option key={p.name} value={p.name}>
                {p.label}
              </option>
            ))}
          </select>
          {preset?.note && <p className="muted small">{preset.note}</p>}
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="p-name">Name</label>
            <input id="p-name" value={f.name} onChange={set('name')} required />
          </div>
          <div className="field">
            <label htmlFor="p-host">Server</label>
            <input id="p-host" value={f.host} onChange={set('host')} required />
          </div>
          <div className="field">
            <label htmlFor="p-port">Port</label>
            <input id="p-port" inputMode="numeric" value={f.port} onChange={set('port')} required />
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="p-tls">Security</label>
            <select id="p-tls" value={f.tls} onChange={set('tls')}>
              <option value="starttls">STARTTLS</option>
              <option value="implicit">TLS (SMTPS)</option>
              <option value="none">None (local relay only)</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="p-user">User name</label>
            <input id="p-user" value={f.user} onChange={set('user')} autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="p-pass">{existing?.hasSecret ? 'New password (empty: keep)' : 'Password'}</label>
            <input
              id="p-pass"
              type="password"
              value={f.password}
              onChange={set('password')}
              autoComplete="new-password"
            />
          </div>
        </div>
        {f.tls === 'none' && f.password && (
          <label className="small">
            <input type="checkbox" checked={plaintextOk} onChange={(e) => setPlaintextOk(e.target.checked)} />{' '}
            Send the password without encryption. Anyone on the network between this computer and the server
            could read it: only for a server on a network you trust.
          </label>
        )}
        <fieldset className="caps">
          <legend>Sending caps (empty = none)</legend>
          {(['perSecond', 'perMinute', 'perHour', 'perDay'] as const).map((k) => (
            <label key={k}>
              {k.replace('per', 'per ').toLowerCase()}
              <input
                inputMode="numeric"
                value={f[k]}
                onChange={set(k)}
                aria-label={`Cap ${k.replace('per', 'per ').toLowerCase()}`}
              />
            </label>
          ))}
        </fieldset>
        <p className="muted small">
          The password goes straight into the secret store; it is never written to the database or logs. After
          saving, Understudy logs in once to check it (nothing is sent).
        </p>
        {error && <ErrorBox error={error} />}
        <footer className="modal-foot">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : existing ? 'Save changes' : 'Add account'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </footer>
      </form>
    </div>
  );
}
