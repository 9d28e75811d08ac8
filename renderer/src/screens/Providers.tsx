/**
 * Providers: the SMTP chain in order (health, circuit breaker, caps, usage), adding an account from a
 * preset with the service's real limits, testing a connection without sending, reordering, removing;
 * drills; ESP connections when the engine offers them.
 */
import { useEffect, useState } from 'react';
import { useStore } from '../store';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { HealthBadge } from '../components/Health';
import { EspConnections } from './EspConnections';
import { api } from '../api/client';
import type { ApiError } from '../api/types';
import type { Provider, ProviderTestResult } from '../api/shapes';
import type { ProviderReputation } from '../../../electron/engine/api/reputation';
import { formatDateTime, formatTime } from '../components/format';
import { Modal, useConfirm } from '../components/Modal';

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
  const remove = async (name: string) => {
    setError(null);
    const r = await act('removeProvider', { name });
    if (!r.ok) setError(r.error);
    providers.reload();
  };
  const test = async (p: { id: number; name: string }): Promise<ProviderTestResult | null> => {
    setTests((t) => ({ ...t, [p.id]: 'running' }));
    const r = await act('testProvider', { name: p.name });
    if (r.ok) {
      const result = r.value;
      setTests((t) => ({ ...t, [p.id]: result }));
      providers.reload();
      return result;
    }
    forget(p.id);
    setError(r.error);
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
        setError(r.error);
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
  const maxPriority = (providers.value ?? []).at(-1)?.priority ?? 0;

  return (
    <section className="screen" aria-labelledby="providers-title">
      {confirmDialog}
      <header className="screen-head">
        <h1 id="providers-title">Providers</h1>
        <div className="actions">
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add SMTP account…
          </button>
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
        <ResourceView res={providers} what="SMTP accounts">
          {(v) => {
            const list = v;
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
                          <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                            Edit
                          </button>
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
                                void remove(p.name);
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
  const v = status.value;
  if (!v || v.open || !v.canUnlock) return null;
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
        if (!r.ok) return setError(r.error);
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
      <ResourceView res={drills} what="Drills">
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
                if (!r.ok) setError(r.error);
                drills.reload();
              }}
            >
              {running ? 'Running drill…' : 'Run a drill now'}
            </button>
            {error && <ErrorBox error={error} />}
            {v.length === 0 && <p className="muted">No drills yet.</p>}
            <ul className="plain">
              {v.slice(0, 6).map((d) => (
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
  if (every.state !== 'ok' || !every.value) return null;
  const hours = every.value.everyHours;
  const choices = DRILL_CHOICES.some(([h]) => h === hours)
    ? DRILL_CHOICES
    : [...DRILL_CHOICES, [hours, `Every ${hours} hours`] satisfies [number, string]];
  return (
    <p>
      <label>
        Run drills on their own:{' '}
        <select
          value={String(hours)}
          onChange={async (e) => {
            setError(null);
            const r = await act('setDrillInterval', { everyHours: Number(e.target.value) });
            if (!r.ok) setError(r.error);
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
    apiKey: '',
    perSecond: n0(existing?.perSecond),
    perMinute: n0(existing?.perMinute),
    perHour: n0(existing?.perHour),
    perDay: n0(existing?.perDay),
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // The reputation guard (issue 16 §5) and keep-warm (§3), for an account that exists: percentages as
  // typed ("5" is 5 %); empty means the limit its provider enforces (shown as the placeholder).
  const [rep, setRep] = useState<ProviderReputation | null>(null);
  const [g, setG] = useState({ bounce: '', complaint: '', minSample: '', keepWarm: false });
  const editing = existing?.name;
  useEffect(() => {
    if (!editing) return;
    void api()
      .call('providerReputation', { name: editing })
      .then((r) => {
        if (!r.ok) return;
        const v = r.value as ProviderReputation;
        const pct = (x: number) => String(Number((x * 100).toPrecision(4)));
        setRep(v);
        setG({
          bounce: v.edited.bounce ? pct(v.maxBounceRate) : '',
          complaint: v.edited.complaint ? pct(v.maxComplaintRate) : '',
          minSample: v.edited.minSample ? String(v.minSample) : '',
          keepWarm: v.keepWarm,
        });
      });
  }, [editing]);
  // Sending a password with no encryption to another computer needs the person's explicit consent.
  const [plaintextOk, setPlaintextOk] = useState(false);
  const [removeApiKey, setRemoveApiKey] = useState(false);
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setF({ ...f, [k]: e.target.value });
  const list = presets.value ?? [];
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
  // The relay whose API keeps the bounces and complaints that never reach the backup mailbox.
  const relay = list.find((x) => x.name === f.preset)?.relayApi ?? null;
  const relayKeyWords = list.find((x) => x.name === f.preset)?.relayApiKeyWords ?? null;
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
      ...(f.apiKey.trim() && relay ? { apiKey: f.apiKey.trim() } : {}),
      ...(!f.apiKey.trim() && removeApiKey ? { removeApiKey: true } : {}),
      perSecond: num(f.perSecond),
      perMinute: num(f.perMinute),
      perHour: num(f.perHour),
      perDay: num(f.perDay),
    };
    // A new account goes after every account there is now (read fresh: the list on screen may lag).
    let place = priority;
    if (!existing) {
      const now = await api().call('listProviders', {});
      if (now.ok) place = Math.max(0, ...now.value.map((p) => p.priority)) + 10;
    }
    const r = existing
      ? await act('updateProvider', { current: existing.name, ...fields })
      : await act('addProvider', { ...fields, ...(place !== undefined ? { priority: place } : {}) });
    if (r.ok && existing && rep) {
      const rate = (t: string) => (t.trim() === '' ? null : Number(t.replace('%', '').trim()) / 100);
      const guard = await act('setProviderReputation', {
        name: (r.value as Provider).name,
        maxBounceRate: rate(g.bounce),
        maxComplaintRate: rate(g.complaint),
        minSample: g.minSample.trim() === '' ? null : Number(g.minSample),
        keepWarm: g.keepWarm,
      });
      if (!guard.ok && guard.error) {
        setBusy(false);
        return setError(guard.error);
      }
    }
    setBusy(false);
    if (!r.ok) return setError(r.error);
    const changedLogin =
      Boolean(f.password) ||
      (existing !== undefined && (existing.host !== fields.host || existing.user !== f.user));
    onSaved(r.value, changedLogin);
  };
  const preset = list.find((x) => x.name === f.preset);
  return (
    <Modal
      labelledBy="add-title"
      onClose={onClose}
      as="form"
      onSubmit={(e) => void submit(e)}
      testId="provider-form"
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
      {relay && (
        <div className="field" data-testid="relay-api-key">
          <label htmlFor="p-apikey">
            {existing?.hasApiKey ? `New ${relay} API key (empty: keep)` : `${relay} API key (optional)`}
          </label>
          <input id="p-apikey" type="password" value={f.apiKey} onChange={set('apiKey')} autoComplete="off" />
          <p className="muted small">
            {relay} keeps the bounces and spam complaints of what it sends to itself: they never reach your
            backup mailbox. With {relayKeyWords}, Understudy collects them while this account is in use and
            after each campaign, and stops mailing those people.
            {existing?.feedbackError ? ` Last try: ${existing.feedbackError}` : ''}
          </p>
          {existing?.hasApiKey && !f.apiKey && (
            <label className="small">
              <input
                type="checkbox"
                checked={removeApiKey}
                onChange={(e) => setRemoveApiKey(e.target.checked)}
              />{' '}
              Forget the {relay} API key (stop collecting its bounces and complaints)
            </label>
          )}
        </div>
      )}
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
      {existing && rep && (
        <div data-testid="provider-reputation">
          <fieldset className="caps">
            <legend>Protect this account’s reputation</legend>
            <label>
              pause at bounces (%)
              <input
                inputMode="decimal"
                value={g.bounce}
                placeholder={String(Number((rep.maxBounceRate * 100).toPrecision(4)))}
                onChange={(e) => setG({ ...g, bounce: e.target.value })}
                aria-label="Pause when this percentage of its messages bounce"
              />
            </label>
            <label>
              pause at spam complaints (%)
              <input
                inputMode="decimal"
                value={g.complaint}
                placeholder={String(Number((rep.maxComplaintRate * 100).toPrecision(4)))}
                onChange={(e) => setG({ ...g, complaint: e.target.value })}
                aria-label="Pause when this percentage of its messages are reported as spam"
              />
            </label>
            <label>
              judged after (messages)
              <input
                inputMode="numeric"
                value={g.minSample}
                placeholder={String(rep.minSample)}
                onChange={(e) => setG({ ...g, minSample: e.target.value })}
                aria-label="Fewest messages a rate is judged on"
              />
            </label>
          </fieldset>
          <label className="small">
            <input
              type="checkbox"
              checked={g.keepWarm}
              onChange={(e) => setG({ ...g, keepWarm: e.target.checked })}
            />{' '}
            Keep it warm: send a small practice message to your seed address when it has not sent for a week
          </label>
          <p className="muted small">{rep.summary} Empty boxes use the limits its provider enforces.</p>
          <details className="small">
            <summary>Where these limits come from</summary>
            {rep.source}
          </details>
        </div>
      )}
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
    </Modal>
  );
}
