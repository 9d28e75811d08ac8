/**
 * Readiness (issue 16 §6): for each backup account, will its mail be delivered (SPF, DKIM, DMARC), did
 * its last drill prove it, is it warm, what are its limits and can it carry the largest upcoming
 * campaign; the setup around it; one verdict and the single next thing to do. The DNS records to add
 * and the exact times are behind each row's details toggle.
 */
import { useState } from 'react';
import { useStore } from '../store';
import type { ApiError } from '../api/types';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { formatDateTime } from '../components/format';
import { GoTo, NextThing, VERDICT_CLASS } from '../components/ReadinessCard';
import {
  READINESS_SCREEN_LABEL,
  READINESS_VERDICT_LABEL,
  type BackupReadiness,
  type CheckState,
  type Readiness as ReadinessT,
} from '../../../electron/engine/api/readiness';
import { AUTH_VERDICT_LABEL } from '../../../electron/engine/api/auth';

const STATE_MARK: Record<CheckState, { mark: string; say: string }> = {
  ok: { mark: '✓', say: 'Fine' },
  warning: { mark: '!', say: 'Worth a look' },
  problem: { mark: '✗', say: 'In the way' },
};

function Mark({ state }: { state: CheckState }) {
  return (
    <span className={`rd-mark rd-${state}`} title={STATE_MARK[state].say}>
      <span aria-hidden="true">{STATE_MARK[state].mark}</span>
      <span className="sr-only">{STATE_MARK[state].say}: </span>
    </span>
  );
}

function Cell({ state, words }: { state: CheckState; words: string }) {
  return (
    <td data-state={state}>
      <Mark state={state} />
      {words}
    </td>
  );
}

export function Readiness() {
  const res = useResource('readiness');
  return (
    <section className="screen" aria-labelledby="readiness-title">
      <header className="screen-head">
        <h1 id="readiness-title">Readiness</h1>
      </header>
      <p className="muted">
        Before your ESP’s next outage: will each backup account deliver, has it been tested, is it warm, and
        can it carry your next big campaign?
      </p>
      <ResourceView res={res} what="Readiness">
        {(v) => <ReadinessView r={v as ReadinessT} onChanged={res.reload} />}
      </ResourceView>
    </section>
  );
}

function ReadinessView({ r, onChanged }: { r: ReadinessT; onChanged: () => void }) {
  return (
    <>
      <article className="card" aria-labelledby="rd-verdict-title">
        <h2 id="rd-verdict-title" className={`rd-verdict ${VERDICT_CLASS[r.verdict]}`}>
          {READINESS_VERDICT_LABEL[r.verdict]}
        </h2>
        <p data-testid="readiness-headline">{r.headline}</p>
        {r.next ? (
          <NextThing next={r.next} here="readiness" />
        ) : (
          <p className="muted">Nothing to do: an outage would be handled as planned.</p>
        )}
        {r.largest && (
          <p className="small" data-testid="readiness-largest">
            Your largest upcoming campaign, “{r.largest.name}”, has{' '}
            {r.largest.remaining.toLocaleString('en-US')} messages to send. {r.largest.summary}
          </p>
        )}
      </article>

      <article className="card" aria-labelledby="rd-backups-title">
        <h2 id="rd-backups-title">Backup accounts</h2>
        <CheckDns onChanged={onChanged} />
        {r.backups.length === 0 ? (
          <p className="muted">
            No backup account yet. <GoTo screen="providers">Add one on the Providers screen</GoTo>.
          </p>
        ) : (
          <table className="data rd-table" data-testid="readiness-table">
            <caption className="sr-only">Readiness of each backup account</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Delivery</th>
                <th scope="col">Last drill</th>
                <th scope="col">Warm-up</th>
                <th scope="col">Limits</th>
                <th scope="col">Largest campaign</th>
              </tr>
            </thead>
            <tbody>
              {r.backups.map((b) => (
                <BackupRow key={b.providerId} b={b} onChanged={onChanged} />
              ))}
            </tbody>
          </table>
        )}
      </article>

      <article className="card" aria-labelledby="rd-setup-title">
        <h2 id="rd-setup-title">Around the backups</h2>
        <ul className="rd-checks" data-testid="readiness-checks">
          {r.checks.map((c) => (
            <li key={c.id} data-state={c.state}>
              <Mark state={c.state} />
              <strong>{c.label}</strong>: {c.words}
              {c.at && <span className="muted small"> ({formatDateTime(c.at)})</span>}
              {c.state !== 'ok' && (
                <>
                  {' '}
                  <GoTo screen={c.screen}>Open {READINESS_SCREEN_LABEL[c.screen]}</GoTo>
                </>
              )}
            </li>
          ))}
        </ul>
      </article>
    </>
  );
}

function BackupRow({ b, onChanged }: { b: BackupReadiness; onChanged: () => void }) {
  const records = b.auth.domains.flatMap((d) => d.records.map((rec) => ({ ...rec, domain: d.domain })));
  return (
    <tr data-testid="readiness-row" data-provider={b.provider} data-state={b.state}>
      <th scope="row">
        <Mark state={b.state} />
        {b.provider}
        <div className="muted small rd-words">{b.words}</div>
        <details className="event-details">
          <summary>Details</summary>
          <BackupDetails b={b} records={records} />
        </details>
      </th>
      <Cell state={b.auth.state} words={b.auth.words} />
      <Cell state={b.drill.state} words={b.drill.words} />
      <td data-state={b.warmup.state === 'warm' ? 'ok' : 'warning'}>
        <Mark state={b.warmup.state === 'warm' ? 'ok' : 'warning'} />
        {b.warmup.words}
        {b.warmup.state !== 'warm' && b.enabled && <MarkWarm name={b.provider} onChanged={onChanged} />}
      </td>
      <td>{b.capsWords}</td>
      <Cell state={b.carry.state} words={b.carry.words} />
    </tr>
  );
}

function BackupDetails({
  b,
  records,
}: {
  b: BackupReadiness;
  records: { name: string; type: string; value: string; why: string; domain: string }[];
}) {
  return (
    <div className="small">
      {b.auth.domains.map((d) => (
        <p key={d.domain}>
          {d.domain}: {AUTH_VERDICT_LABEL[d.verdict]}. {d.headline}
        </p>
      ))}
      {b.auth.checkedAt && <p>DNS last checked {formatDateTime(b.auth.checkedAt)}.</p>}
      {records.length > 0 && (
        <>
          <p>Records to add at your domain’s DNS (give them to whoever manages it):</p>
          <ul className="plain" data-testid="readiness-records">
            {records.map((rec) => (
              <li key={`${rec.name} ${rec.type}`}>
                <code>{rec.name}</code> {rec.type} <code>{rec.value}</code>
                <div className="muted">{rec.why}</div>
              </li>
            ))}
          </ul>
        </>
      )}
      {b.drill.at && (
        <p>
          Last drill {formatDateTime(b.drill.at)}
          {b.drill.auth
            ? `: SPF ${b.drill.auth.spf}, DKIM ${b.drill.auth.dkim}, DMARC ${b.drill.auth.dmarc}, ARC ${b.drill.auth.arc}.`
            : '.'}
        </p>
      )}
      {b.carry.finishAt && (
        <p>
          Alone, it would finish “{b.carry.campaign}” at {formatDateTime(b.carry.finishAt)}.
        </p>
      )}
    </div>
  );
}

/** Asks the DNS again for every backup and From domain, then shows the new verdicts. */
function CheckDns({ onChanged }: { onChanged: () => void }) {
  const act = useStore((s) => s.act);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <div className="card-tools">
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          const r = await act('checkAuthentication', {});
          setBusy(false);
          if (!r.ok && r.error) setError(r.error);
          onChanged();
        }}
      >
        {busy ? 'Checking DNS records…' : 'Check DNS records now'}
      </button>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}

/** A backup that already sends regularly elsewhere does not need warming up: the person says so. */
function MarkWarm({ name, onChanged }: { name: string; onChanged: () => void }) {
  const act = useStore((s) => s.act);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <div>
      <button
        type="button"
        className="link"
        onClick={async () => {
          setError(null);
          const r = await act('setProviderWarmup', { name, warm: true });
          if (!r.ok && r.error) setError(r.error);
          onChanged();
        }}
      >
        It already sends regularly: mark {name} warm
      </button>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}
