/**
 * "Send via backup" confirmation: before anything goes out it states the recipients, the providers
 * that will carry them with their caps, the expected finish time from those caps, and — for a campaign
 * mirrored from an ESP — what happens there (the engine's sentence, the same words `send` prints). Unsubscribed,
 * bounced and complained addresses are never in the count: the engine skips them at send time.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { ErrorBox } from './ErrorBox';
import { formatDuration } from './Progress';
import { capsText } from '../screens/Providers';
import { MirrorAge } from './MirrorAge';
import type { ListSummary } from '../api/types';
import type { ApiError } from '../api/types';
import type { CampaignDetail, Provider } from '../api/shapes';
import type { RiskyOffer } from '../../../electron/engine/api/reputation';
import { formatDateTime } from './format';
import { Modal } from './Modal';
import { plural } from '../../../electron/engine/api/words';

/** Messages per second a provider can sustain under its caps (the tightest one wins). */
export function sustainedRate(
  p: Pick<Provider, 'perSecond' | 'perMinute' | 'perHour' | 'perDay' | 'maxConnections'>,
): number {
  const limits = [
    p.perSecond,
    p.perMinute !== null ? p.perMinute / 60 : null,
    p.perHour !== null ? p.perHour / 3600 : null,
    p.perDay !== null ? p.perDay / 86400 : null,
  ].filter((x): x is number => x !== null && x > 0);
  // No cap at all: assume a few messages a second per connection, a cautious figure for SMTP.
  return limits.length ? Math.min(...limits) : 3 * p.maxConnections;
}

// eslint-disable-next-line max-lines-per-function -- one dialog's state and markup
export function SendViaBackup({
  campaignId,
  onClose,
  onConfirm,
}: {
  campaignId: number;
  onClose: () => void;
  onConfirm: (via: string | undefined, skipRisky: boolean) => void;
}) {
  const [campaign, setCampaign] = useState<CampaignDetail | null>(null);
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [via, setVia] = useState<string>('');
  const [subscribed, setSubscribed] = useState(0);
  const [list, setList] = useState<ListSummary | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void (async () => {
      const [c, p, l] = await Promise.all([
        api().call('getCampaign', { id: campaignId }),
        api().call('listProviders', {}),
        api().listLists({}),
      ]);
      if (!c.ok) return setError(c.error);
      if (l.ok) {
        const mine = l.value.find((x) => x.name === c.value.list) ?? null;
        setList(mine);
        setSubscribed(mine?.byStatus.subscribed ?? 0);
      }
      if (!p.ok) return setError(p.error);
      setCampaign(c.value);
      const enabled = p.value.filter((x) => x.enabled);
      setProviders(enabled);
      // With a provider down, name the healthy one explicitly so nothing is tried on the broken one.
      const healthy = enabled.filter((x) => x.health !== 'down' && x.breaker !== 'open');
      if (healthy.length < enabled.length && healthy[0]) setVia(healthy[0].name);
    })();
  }, [campaignId]);

  // The engine's forecast (issue 16 §4): caps, what was sent today, warm-up and health, in words.
  // Asked only once the providers are loaded (that is when the chain, `via`, is decided), and an
  // answer for a chain no longer chosen is dropped: otherwise a slow first answer for every account
  // could overwrite the one for the account that will really be used.
  const loaded = providers !== null;
  const [capacity, setCapacity] = useState<{ summary: string; notes: string[] } | null>(null);
  useEffect(() => {
    if (!loaded) return;
    let current = true;
    setCapacity(null);
    void api()
      .call('campaignCapacity', { id: campaignId, ...(via ? { via } : {}) })
      .then((r) => {
        if (current) setCapacity(r.ok ? r.value : null);
      });
    return () => {
      current = false;
    };
  }, [campaignId, via, loaded]);

  // People most likely to hurt a cold or small backup (issue 16 §5): counted by the engine, left out
  // only when the box is ticked (ticked by default when a backup in the chain is cold or small).
  const [risky, setRisky] = useState<RiskyOffer | null>(null);
  const [skipRisky, setSkipRisky] = useState(false);
  useEffect(() => {
    if (!loaded) return;
    let current = true;
    void api()
      .call('riskyAddresses', { id: campaignId, ...(via ? { via } : {}) })
      .then((r) => {
        if (!current) return;
        const offer = r.ok ? (r.value as RiskyOffer) : null;
        setRisky(offer);
        setSkipRisky(offer?.offered ?? false);
      });
    return () => {
      current = false;
    };
  }, [campaignId, via, loaded]);

  const usable = (providers ?? []).filter((p) => p.health !== 'down' && p.breaker !== 'open');
  const chain = via ? usable.filter((p) => p.name === via) : usable;
  // Before the first send no delivery rows exist yet: the list's subscribed count is the audience.
  const notStarted = !!campaign && campaign.counts.total === 0;
  const remaining = campaign
    ? notStarted
      ? subscribed
      : campaign.counts.queued + campaign.counts.failedTemp
    : 0;
  const rate = chain.reduce((n, p) => n + sustainedRate(p), 0);
  const seconds = rate > 0 ? remaining / rate : null;
  const finish = seconds !== null ? new Date(Date.now() + seconds * 1000) : null;

  const confirm = () => {
    setBusy(true);
    onConfirm(via || undefined, skipRisky && (risky?.count ?? 0) > 0);
  };

  return (
    <Modal labelledBy="svb-title" onClose={onClose}>
      <h2 id="svb-title">Send via backup</h2>
      {!campaign || !providers ? (
        error ? (
          <ErrorBox error={error} />
        ) : (
          <p aria-busy="true">Checking the campaign and your providers…</p>
        )
      ) : (
        <>
          <dl className="confirm-facts" data-testid="svb-facts">
            <div>
              <dt>Campaign</dt>
              <dd>
                {campaign.name} — “{campaign.subject}”
              </dd>
            </div>
            <div>
              <dt>Recipients</dt>
              <dd>
                {remaining.toLocaleString('en-US')} still to send
                {campaign.counts.sent > 0
                  ? ` (${campaign.counts.sent.toLocaleString('en-US')} already sent are not sent again)`
                  : ''}
                ; unsubscribed, bounced and complained addresses are skipped.
                {list && list.providerId !== null && (
                  <div data-testid="svb-mirror">
                    <MirrorAge prefix="Your list " asOf={list.mirrorAsOf} stale={list.mirrorStale} />
                  </div>
                )}
              </dd>
            </div>
            <div>
              <dt>Providers</dt>
              <dd data-testid="svb-providers">
                {chain.length === 0 ? (
                  <span className="test-fail">No healthy SMTP account is available.</span>
                ) : (
                  <ol className="plain-ol">
                    {chain.map((p) => (
                      <li key={p.id}>
                        {p.name} ({p.host}) — {capsText(p)}
                      </li>
                    ))}
                  </ol>
                )}
              </dd>
            </div>
            {campaign.custody && (
              <div>
                <dt>At {campaign.custody.esp}</dt>
                <dd data-testid="svb-esp">{campaign.custody.sentence}</dd>
              </div>
            )}
            <div>
              <dt>Expected finish</dt>
              <dd data-testid="svb-finish">
                {capacity
                  ? [capacity.summary, ...capacity.notes].join(' ')
                  : finish && seconds !== null
                    ? `${formatDateTime(finish)} (about ${formatDuration(seconds)}, at up to ${rate.toFixed(1)} messages a second under the caps)`
                    : '—'}
              </dd>
            </div>
          </dl>
          {risky && risky.count > 0 && (
            <div className="field" data-testid="svb-risky">
              <label>
                <input type="checkbox" checked={skipRisky} onChange={(e) => setSkipRisky(e.target.checked)} />{' '}
                Leave out {plural(risky.count, 'person', 'people')} most likely to hurt this backup’s
                reputation
              </label>
              <p className="muted">
                {risky.summary} They are listed as skipped in the report; nobody is unsubscribed.
              </p>
            </div>
          )}
          <div className="field">
            <label htmlFor="svb-via">Send through</label>
            <select id="svb-via" value={via} onChange={(e) => setVia(e.target.value)}>
              {usable.length === providers.length && (
                <option value="">The chain, in order (fails over automatically)</option>
              )}
              {usable.map((p) => (
                <option key={p.id} value={p.name}>
                  Only {p.name}
                </option>
              ))}
            </select>
          </div>
          {error && <ErrorBox error={error} />}
          <footer className="modal-foot">
            <button
              type="button"
              className="primary"
              disabled={busy || chain.length === 0 || remaining === 0}
              onClick={confirm}
            >
              Send {plural(Math.max(0, remaining - (skipRisky && risky ? risky.count : 0)), 'message')} now
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </footer>
        </>
      )}
    </Modal>
  );
}
