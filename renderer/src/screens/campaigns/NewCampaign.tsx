/** A new campaign: list, name, subject, sender, HTML, and a send time (empty: a draft). */
import { useEffect, useState } from 'react';
import { useStore } from '../../store';
import { ErrorBox } from '../../components/ErrorBox';
import { Modal } from '../../components/Modal';
import type { ApiError } from '../../api/types';
import { localNow } from './time';
import { fromWallTime, timeZone } from '../../components/format';

export function NewCampaign({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (id: number) => void;
}) {
  const lists = useStore((s) => s.lists);
  const loadLists = useStore((s) => s.loadLists);
  const act = useStore((s) => s.act);
  useEffect(() => {
    void loadLists();
  }, [loadLists]);
  const [f, setF] = useState({
    list: '',
    name: '',
    subject: '',
    from: '',
    html: '<p>Hello *|FNAME|*,</p>\n<p></p>',
    at: '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const set =
    (k: keyof typeof f) =>
    (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      setF({ ...f, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const r = await act('createCampaign', {
      list: f.list || lists[0]?.name || '',
      ...(f.name ? { name: f.name } : {}),
      subject: f.subject,
      from: f.from,
      html: f.html,
      dialect: 'mailchimp',
      ...(f.at
        ? // The time as typed, on the user's clock (their zone in the settings).
          { at: fromWallTime(f.at) ?? f.at, timeZone: timeZone() }
        : {}),
    });
    if (!r.ok) return setError(r.error);
    onCreated(r.value.id);
  };
  return (
    <Modal labelledBy="nc-title" onClose={onClose} wide as="form" onSubmit={(e) => void submit(e)}>
      <h2 id="nc-title">New campaign</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor="nc-list">List</label>
          <select id="nc-list" value={f.list} onChange={set('list')}>
            {lists.map((l) => (
              <option key={l.id} value={l.name}>
                {l.name} ({l.byStatus.subscribed ?? 0} subscribed)
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="nc-name">Name</label>
          <input id="nc-name" value={f.name} onChange={set('name')} />
        </div>
        <div className="field">
          <label htmlFor="nc-at">Send at (empty: draft)</label>
          <input id="nc-at" type="datetime-local" min={localNow()} value={f.at} onChange={set('at')} />
        </div>
      </div>
      <div className="form-row two">
        <div className="field">
          <label htmlFor="nc-subject">Subject</label>
          <input id="nc-subject" value={f.subject} onChange={set('subject')} required />
        </div>
        <div className="field">
          <label htmlFor="nc-from">From</label>
          <input
            id="nc-from"
            value={f.from}
            onChange={set('from')}
            placeholder="Shop <news@example.com>"
            required
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="nc-html">HTML (Mailchimp merge tags such as *|FNAME|* work)</label>
        <textarea id="nc-html" rows={8} value={f.html} onChange={set('html')} />
      </div>
      {error && <ErrorBox error={error} />}
      <footer className="modal-foot">
        <button type="submit" className="primary">
          Create
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </footer>
    </Modal>
  );
}
