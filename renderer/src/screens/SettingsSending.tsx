/**
 * Settings that sending and continuity depend on: the postal address and unsubscribe address every
 * marketing message must carry, the outage policy (pause, wait, or send via backup automatically),
 * the time zone and how quickly a provider counts as down.
 */
import { useEffect, useState } from 'react';
import { useStore } from '../store';
import { useResource, ResourceView } from '../components/Resource';
import { ErrorBox } from '../components/ErrorBox';
import { allTimeZones } from '../components/format';
import type { ApiError } from '../api/types';
import type { ContinuitySettings as ContinuitySettingsValue } from '../../../electron/engine/api/continuity';

const SENDING_FIELDS: { key: string; label: string; hint: string; multiline?: boolean }[] = [
  { key: 'company_name', label: 'Company name', hint: 'Shown next to the postal address.' },
  {
    key: 'postal_address',
    label: 'Postal address',
    hint: 'Printed in every message; required by law for marketing mail.',
    multiline: true,
  },
  {
    key: 'unsubscribe_mailto',
    label: 'Unsubscribe address',
    hint: 'Receives unsubscribe requests (List-Unsubscribe).',
  },
  { key: 'unsubscribe_url', label: 'One-click unsubscribe URL (optional)', hint: 'https only (RFC 8058).' },
  {
    key: 'unsubscribe_port',
    label: 'Answer unsubscribe links from this app, on port (optional)',
    hint: 'For a tunnel or reverse proxy on this computer that publishes the one-click address above. Empty: off.',
  },
  {
    key: 'message_id_domain',
    label: 'Message-ID domain (optional)',
    hint: 'Default: the From address domain.',
  },
];

export function SendingSettings() {
  const res = useResource('getSendingSettings');
  const act = useStore((s) => s.act);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | false>(false);
  const current = res.value;
  // Filled from the engine once; later reloads (any engine event) must not wipe what is being typed.
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (current && !loaded) {
      setValues(current);
      setLoaded(true);
    }
  }, [current, loaded]);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const warnings: string[] = [];
    for (const f of SENDING_FIELDS) {
      const v = (values[f.key] ?? '').trim();
      if (v === (current?.[f.key] ?? '')) continue;
      // A cleared field removes the setting (an empty value is refused by the engine).
      if (v === '') {
        const r = await act('unsetSendingSetting', { key: f.key });
        if (!r.ok) return setError(r.error);
        if (r.value.warning) warnings.push(r.value.warning);
      } else {
        const r = await act('setSendingSetting', { key: f.key, value: v });
        if (!r.ok) return setError(r.error);
      }
    }
    setSaved(warnings.length ? `Saved. ${warnings.join(' ')}` : 'Saved.');
    res.reload();
  };
  return (
    <article className="card">
      <h2>Sending</h2>
      <ResourceView res={res} what="Sending settings">
        {() => (
          <form onSubmit={save} className="settings-form">
            {SENDING_FIELDS.map((f) => (
              <div className="field" key={f.key}>
                <label htmlFor={`ss-${f.key}`}>{f.label}</label>
                {f.multiline ? (
                  <textarea
                    id={`ss-${f.key}`}
                    rows={2}
                    value={values[f.key] ?? ''}
                    onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
                  />
                ) : (
                  <input
                    id={`ss-${f.key}`}
                    value={values[f.key] ?? ''}
                    onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
                  />
                )}
                <span className="muted small">{f.hint}</span>
              </div>
            ))}
            {error && <ErrorBox error={error} />}
            <div className="action-bar">
              <button type="submit" className="primary">
                Save sending settings
              </button>
              {saved && <span role="status">{saved}</span>}
            </div>
          </form>
        )}
      </ResourceView>
    </article>
  );
}

type ContinuitySettingsT = ContinuitySettingsValue;

// eslint-disable-next-line max-lines-per-function -- one settings panel's fields and markup
export function ContinuitySettings() {
  const res = useResource('continuitySettings');
  const act = useStore((s) => s.act);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [draft, setDraft] = useState<ContinuitySettingsT | null>(null);
  /** The team's addresses as typed (comma-separated); checked by the engine on save. */
  const [alertTo, setAlertTo] = useState<string | null>(null);
  const current = res.value;
  useEffect(() => {
    if (current && !draft) {
      setDraft(current);
      setAlertTo((current.alerts?.to ?? []).join(', '));
    }
  }, [current, draft]);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    setError(null);
    setSaved(false);
    const r = await act('updateContinuitySettings', {
      timeZone: draft.timeZone,
      outagePolicy: draft.outagePolicy,
      health: { intervalSeconds: draft.health.intervalSeconds, failuresToDown: draft.health.failuresToDown },
      ...(draft.sync ? { sync: { everyMinutes: draft.sync.everyMinutes } } : {}),
      ...(alertTo !== null
        ? {
            alerts: {
              to: alertTo
                .split(/[,;\s]+/)
                .map((a) => a.trim())
                .filter(Boolean),
            },
          }
        : {}),
    });
    if (!r.ok) return setError(r.error);
    setSaved(true);
    res.reload();
  };
  return (
    <article className="card">
      <h2>When a provider is down</h2>
      <ResourceView res={res} what="Continuity settings">
        {() =>
          draft && (
            <form onSubmit={save} className="settings-form">
              <fieldset className="radio-col">
                <legend>What happens to a campaign due during an outage</legend>
                {(
                  [
                    ['pause', 'Pause it and ask me'],
                    ['wait', 'Wait for the ESP, then send'],
                    ['backup', 'Send it through my backup SMTP accounts'],
                  ] as const
                ).map(([mode, label]) => (
                  <label key={mode}>
                    <input
                      type="radio"
                      name="outage"
                      checked={draft.outagePolicy.mode === mode}
                      onChange={() => setDraft({ ...draft, outagePolicy: { ...draft.outagePolicy, mode } })}
                    />{' '}
                    {label}
                  </label>
                ))}
              </fieldset>
              <div className="form-row">
                <div className="field">
                  <label htmlFor="cs-wait">Wait at most (minutes)</label>
                  <input
                    id="cs-wait"
                    inputMode="numeric"
                    value={draft.outagePolicy.waitMinutes}
                    onChange={(e) =>
                      setDraft({
                        ...draft,
                        outagePolicy: { ...draft.outagePolicy, waitMinutes: Number(e.target.value) || 1 },
                      })
                    }
                  />
                </div>
                <div className="field">
                  <label htmlFor="cs-tz">Time zone</label>
                  <select
                    id="cs-tz"
                    value={draft.timeZone}
                    onChange={(e) => setDraft({ ...draft, timeZone: e.target.value })}
                  >
                    {[...new Set([...allTimeZones(), draft.timeZone])].map((z) => (
                      <option key={z} value={z}>
                        {z.replace(/_/g, ' ')}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="cs-fail">Failed checks before “down”</label>
                  <input
                    id="cs-fail"
                    inputMode="numeric"
                    value={draft.health.failuresToDown}
                    onChange={(e) =>
                      setDraft({
                        ...draft,
                        health: { ...draft.health, failuresToDown: Number(e.target.value) || 1 },
                      })
                    }
                  />
                </div>
                {draft.sync && (
                  <div className="field">
                    <label htmlFor="cs-sync">Copy my ESP every (minutes)</label>
                    <input
                      id="cs-sync"
                      inputMode="numeric"
                      value={draft.sync.everyMinutes}
                      onChange={(e) =>
                        setDraft({
                          ...draft,
                          sync: { ...draft.sync!, everyMinutes: Number(e.target.value) || 1 },
                        })
                      }
                    />
                  </div>
                )}
              </div>
              {alertTo !== null && (
                <div className="field">
                  <label htmlFor="cs-alert-to">Email alerts to</label>
                  <input
                    id="cs-alert-to"
                    type="text"
                    placeholder="you@yourshop.com, colleague@yourshop.com"
                    value={alertTo}
                    onChange={(e) => setAlertTo(e.target.value)}
                  />
                  <p className="muted small">
                    When your ESP or a backup account goes down or comes back, a copy of your lists gets out
                    of date, or a campaign needs you, these people get an email saying what happened, what
                    Understudy did and what to do. Sent through your first working backup account; at most one
                    email per problem every half hour. Leave empty for no emails.
                  </p>
                </div>
              )}
              {error && <ErrorBox error={error} />}
              <div className="action-bar">
                <button type="submit" className="primary">
                  Save
                </button>
                {saved && <span role="status">Saved.</span>}
              </div>
            </form>
          )
        }
      </ResourceView>
    </article>
  );
}
