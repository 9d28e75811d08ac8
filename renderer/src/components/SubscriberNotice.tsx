/**
 * Telling subscribers about an outage, from the incident (issue 15 §1): a status notice while it lasts
 * or an apology after it, written by the engine's template for a list and created as a draft campaign
 * the person reviews and sends from Campaigns. Nothing is sent from here.
 */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { ErrorBox } from './ErrorBox';
import type { ApiError } from '../api/types';

type Kind = 'status' | 'apology';

export function SubscriberNotice({ over }: { over: boolean }) {
  const { lists, loadLists, act, bumpData, setScreen } = useStore(
    useShallow((s) => ({
      lists: s.lists,
      loadLists: s.loadLists,
      act: s.act,
      bumpData: s.bumpData,
      setScreen: s.setScreen,
    })),
  );
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<Kind>(over ? 'apology' : 'status');
  const [list, setList] = useState('');
  const [from, setFrom] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (open) void loadLists();
  }, [open, loadLists]);
  useEffect(() => {
    if (!list && lists[0]) setList(lists[0].name);
  }, [list, lists]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    const r = await act('createNotice', {
      kind,
      list,
      from: from.trim(),
      ...(message.trim() ? { message: message.trim() } : {}),
    });
    setBusy(false);
    if (!r.ok) {
      if (r.error) setError(r.error);
      return;
    }
    const name = `${kind === 'apology' ? 'Apology' : 'Status notice'}: ${list}`;
    setDone(`“${name}” is ready as a draft campaign. Review it and send it from Campaigns.`);
    setOpen(false);
    bumpData();
  };

  return (
    <section className="subscriber-notice" aria-labelledby="notice-title">
      <h3 id="notice-title">Tell your subscribers</h3>
      {done && (
        <p role="status">
          {done}{' '}
          <button type="button" className="link" onClick={() => setScreen('campaigns')}>
            Open Campaigns
          </button>
        </p>
      )}
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          Write a subscriber notice…
        </button>
      ) : (
        <form onSubmit={submit} className="settings-form" aria-label="Subscriber notice">
          <fieldset className="radio-col">
            <legend>What to send</legend>
            <label>
              <input
                type="radio"
                name="notice-kind"
                checked={kind === 'status'}
                onChange={() => setKind('status')}
              />{' '}
              A status notice: we know, and we are on it
            </label>
            <label>
              <input
                type="radio"
                name="notice-kind"
                checked={kind === 'apology'}
                onChange={() => setKind('apology')}
              />{' '}
              An apology, now that it is over
            </label>
          </fieldset>
          <div className="field">
            <label htmlFor="notice-list">To</label>
            <select id="notice-list" value={list} onChange={(e) => setList(e.target.value)} required>
              {lists.map((l) => (
                <option key={l.id} value={l.name}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="notice-from">From</label>
            <input
              id="notice-from"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              placeholder="Shop <news@yourshop.com>"
              required
            />
          </div>
          <div className="field">
            <label htmlFor="notice-message">Your own words (optional)</label>
            <textarea
              id="notice-message"
              rows={3}
              maxLength={5000}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          </div>
          {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
          <div className="action-bar">
            <button type="submit" className="primary" disabled={busy || !list || from.trim().length < 3}>
              {busy ? 'Writing…' : 'Create the notice'}
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
