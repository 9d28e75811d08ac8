/**
 * The campaign as one member of its list gets it, rendered by the engine (previewCampaign: the same
 * compile as a send, footer and unsubscribe link included) in a sandboxed frame (sandbox="", srcdoc:
 * no scripts, no navigation out, the app's CSP), with the merge tags it cannot fill said in words.
 */
import { useEffect, useState } from 'react';
import { useStore } from '../../store';
import { api } from '../../api/client';
import { useResource, ResourceView } from '../../components/Resource';
import { ErrorBox } from '../../components/ErrorBox';
import type { ApiError, Subscriber } from '../../api/types';
import type { CampaignDetail } from '../../api/shapes';

/** Up to this many members to choose from under "Preview as". */
const PEOPLE = 20;

export function CampaignPreview({
  campaign: c,
  as,
  onAs,
}: {
  campaign: CampaignDetail;
  /** Whose values fill the merge tags (null: the engine's choice, the first subscribed member). */
  as: string | null;
  onAs: (email: string | null) => void;
}) {
  const people = usePeople(c.list);
  const preview = useResource('previewCampaign', { id: c.id, ...(as ? { as } : {}) });
  const shown = as ?? preview.value?.as ?? '';
  return (
    <section aria-label="Preview" data-testid="campaign-preview">
      <div className="field">
        <label htmlFor="cd-who">Preview as</label>
        <select id="cd-who" value={shown} onChange={(e) => onAs(e.target.value || null)}>
          {people.rows.length === 0 && <option value="">(nobody subscribed yet)</option>}
          {people.rows.map((s) => (
            <option key={s.id} value={s.email}>
              {s.email}
              {s.firstName ? ` (${s.firstName})` : ''}
            </option>
          ))}
        </select>
      </div>
      {people.error && <ErrorBox error={people.error} />}
      <ResourceView res={preview} what="Preview">
        {(p) => (
          <>
            {p.unfilled.length > 0 && (
              <div className="notice warning" role="note" data-testid="preview-unfilled">
                <strong>Some merge tags cannot be filled</strong>
                <ul>
                  {p.unfilled.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              </div>
            )}
            <dl className="preview-head" data-testid="preview-head">
              <div>
                <dt>From</dt>
                <dd>{p.from}</dd>
              </div>
              <div>
                <dt>To</dt>
                <dd>{p.to}</dd>
              </div>
              <div>
                <dt>Subject</dt>
                <dd>{p.subject}</dd>
              </div>
            </dl>
            <iframe
              // A new frame for new content: Chromium can keep showing the first document when srcdoc
              // changes while that one is still loading.
              key={p.html ?? p.text}
              className="preview"
              title={`Preview of ${c.name}`}
              sandbox=""
              srcDoc={p.html ?? `<pre>${escapeHtml(p.text)}</pre>`}
            />
            <p className="muted small">
              This is exactly what is sent, footer and unsubscribe link included; only the unsubscribe link of
              a preview unsubscribes nobody.
            </p>
            {p.html !== null && (
              <details>
                <summary>Plain-text version</summary>
                <pre className="preview-text" data-testid="preview-text">
                  {p.text}
                </pre>
              </details>
            )}
          </>
        )}
      </ResourceView>
    </section>
  );
}

/** The first subscribed members of the list, reloaded when the engine reports a change. */
function usePeople(list: string | null): { rows: Subscriber[]; error: ApiError | null } {
  const version = useStore((s) => s.dataVersion);
  const [rows, setRows] = useState<Subscriber[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!list) return;
    let live = true;
    void api()
      .querySubscribers({ list, status: 'subscribed', limit: PEOPLE })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setRows(r.value.rows);
          setError(null);
        } else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [list, version]);
  return { rows, error };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
