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
import { has } from '../api/client';
import type { ApiError } from '../api/types';
import type { Drill, Preset, Provider, ProviderTestResult } from '../api/shapes';

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

export function Providers() {
  const providers = useResource('listProviders');
  const act = useStore((s) => s.act);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [tests, setTests] = useState<Record<string, ProviderTestResult | 'running'>>({});

  const run = async (name: string, input: unknown) => {
    setError(null);
    const r = await act(name, input);
    if (!r.ok && r.error) setError(r.error);
    providers.reload();
    return r;
  };
  const test = async (name: string) => {
    setTests((t) => ({ ...t, [name]: 'running' }));
    const r = await act('testProvider', { name });
    if (r.ok) setTests((t) => ({ ...t, [name]: r.value as ProviderTestResult }));
    else {
      setTests((t) => {
        const n = { ...t };
        delete n[name];
        return n;
      });
      if (r.error) setError(r.error);
    }
  };

  return (
    <section className="screen" aria-labelledby="providers-title">
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
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      <article className="card">
        <h2>Backup sending chain</h2>
        <p className="muted">
          Messages go through the first healthy account; when one fails, the next takes over the same
          messages. Caps are never exceeded.
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
                    const t = tests[p.name];
                    return (
                      <tr key={p.id}>
                        <td>
                          {i + 1}
                          <span className="reorder">
                            <button
                              type="button"
                              aria-label={`Move ${p.name} up`}
                              disabled={i === 0}
                              onClick={() =>
                                void run('updateProvider', {
                                  current: p.name,
                                  priority: Math.max(0, list[i - 1]!.priority - 1),
                                })
                              }
                            >
                              ↑
                            </button>
                            <button
                              type="button"
                              aria-label={`Move ${p.name} down`}
                              disabled={i === list.length - 1}
                              onClick={() =>
                                void run('updateProvider', {
                                  current: p.name,
                                  priority: list[i + 1]!.priority + 1,
                                })
                              }
                            >
                              ↓
                            </button>
                          </span>
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
                              {p.retryAt ? `, retry ${new Date(p.retryAt).toLocaleTimeString()}` : ''}
                              {p.breakerReason ? ` — ${p.breakerReason}` : ''}
                            </div>
                          )}
                        </td>
                        <td>{capsText(p)}</td>
                        <td>{p.sentLastDay.toLocaleString('en-US')}</td>
                        <td className="row-actions">
                          <button type="button" onClick={() => void test(p.name)} disabled={t === 'running'}>
                            {t === 'running' ? 'Testing…' : 'Test connection'}
                          </button>
                          <button
                            type="button"
                            onClick={() => {
                              if (
                                confirm(
                                  `Remove ${p.name}? Its stored password is deleted too. Delivery records stay.`,
                                )
                              )
                                void run('removeProvider', { name: p.name });
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
        <AddProvider
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            providers.reload();
          }}
        />
      )}
    </section>
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
                  {new Date(d.startedAt).toLocaleString()} {d.detail ? `· ${d.detail}` : ''}
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

function AddProvider({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const presets = useResource('listProviderPresets');
  const act = useStore((s) => s.act);
  const [f, setF] = useState({
    name: '',
    preset: '',
    host: '',
    port: '587',
    tls: 'starttls',
    user: '',
    password: '',
    perSecond: '',
    perMinute: '',
    perHour: '',
    perDay: '',
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
    const r = await act('addProvider', {
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
    });
    setBusy(false);
    if (!r.ok && r.error) return setError(r.error);
    onAdded();
  };
  const preset = list.find((x) => x.name === f.preset);
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="add-title"
        onSubmit={submit}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="add-title">Add an SMTP account</h2>
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
            <label htmlFor="p-pass">Password</label>
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
          The password goes straight into the secret store; it is never written to the database or logs.
        </p>
        {error && <ErrorBox error={error} />}
        <footer className="modal-foot">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add account'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </footer>
      </form>
    </div>
  );
}
