import { useState } from 'react';
import { useStore } from '../../store';
import { ErrorBox } from '../../components/ErrorBox';
import type { ApiError } from '../../api/types';
import type { CampaignDetail } from '../../api/shapes';

/**
 * Edit what a campaign that has not started says and who it is from (issue 15 §1); its time and
 * outage policy have their own controls beside it.
 */
export function EditCampaign({ campaign: c, onSaved }: { campaign: CampaignDetail; onSaved: () => void }) {
  const act = useStore((s) => s.act);
  const [open, setOpen] = useState(false);
  const from0 = c.fromName ? `${c.fromName} <${c.fromEmail}>` : c.fromEmail;
  const [f, setF] = useState({
    name: c.name,
    subject: c.subject,
    from: from0,
    html: c.html ?? '',
    text: c.text ?? '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  if (!open)
    return (
      <p>
        <button type="button" onClick={() => setOpen(true)}>
          Edit subject, sender and content…
        </button>
        {saved && (
          <span role="status" className="small">
            {' '}
            Saved.
          </span>
        )}
      </p>
    );
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setF({ ...f, [k]: e.target.value });
  return (
    <form
      className="card"
      aria-label="Edit campaign"
      data-testid="edit-campaign"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        const r = await act('updateCampaign', {
          id: c.id,
          name: f.name.trim(),
          subject: f.subject,
          from: f.from.trim(),
          ...(c.html !== null || f.html ? { html: f.html || null } : {}),
          ...(c.text !== null || f.text ? { text: f.text || null } : {}),
        });
        setBusy(false);
        if (!r.ok) return setError(r.error);
        setSaved(true);
        setOpen(false);
        onSaved();
      }}
    >
      <div className="field">
        <label htmlFor="ec-name">Campaign name</label>
        <input id="ec-name" value={f.name} onChange={set('name')} />
      </div>
      <div className="field">
        <label htmlFor="ec-subject">Subject</label>
        <input id="ec-subject" value={f.subject} onChange={set('subject')} required />
      </div>
      <div className="field">
        <label htmlFor="ec-from">From</label>
        <input id="ec-from" value={f.from} onChange={set('from')} required />
      </div>
      <div className="field">
        <label htmlFor="ec-html">Content (HTML)</label>
        <textarea id="ec-html" rows={6} value={f.html} onChange={set('html')} />
      </div>
      <div className="field">
        <label htmlFor="ec-text">Plain-text version</label>
        <textarea id="ec-text" rows={3} value={f.text} onChange={set('text')} />
      </div>
      {error && <ErrorBox error={error} />}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save changes'}
      </button>{' '}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
