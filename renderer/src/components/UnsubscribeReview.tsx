/**
 * Unsubscribe requests kept for review (issue 14): a link or email whose code did not check out, or
 * a sender on none of the lists. Each says in plain words why it waits; the code and subject are behind
 * a details toggle. "Done" records what the person did about it.
 */
import { useState } from 'react';
import { useStore } from '../store';
import { useResource, ResourceView } from './Resource';
import { ErrorBox } from './ErrorBox';
import type { ApiError } from '../api/types';
import type { UnsubscribeReviewItem } from '../../../electron/engine/api/unsubscribe';
import { formatDateTime } from './format';

const CHANNEL: Record<UnsubscribeReviewItem['channel'], string> = {
  link: 'Opened an unsubscribe link',
  one_click: 'Pressed unsubscribe',
  mailto: 'Emailed to unsubscribe',
};

export function UnsubscribeReview() {
  const res = useResource('unsubscribeReview', {});
  const act = useStore((s) => s.act);
  const [error, setError] = useState<ApiError | null>(null);
  const done = async (item: UnsubscribeReviewItem) => {
    const note = prompt(
      'What did you do about this request? (for example: "unsubscribed ann@example.org by hand")',
    );
    if (!note || !note.trim()) return;
    setError(null);
    const r = await act('resolveUnsubscribeReview', { id: item.id, resolution: note.trim() });
    if (!r.ok) return setError(r.error);
    res.reload();
  };
  return (
    <article className="card" aria-labelledby="unsub-review-title" data-testid="unsubscribe-review">
      <h2 id="unsub-review-title">Unsubscribe requests to look at</h2>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
      <ResourceView res={res} what="Unsubscribe requests">
        {(v) => {
          const { items } = v;
          if (!items.length) return <p className="muted">No unsubscribe request is waiting for you.</p>;
          return (
            <>
              <p className="muted">
                These people may have asked to unsubscribe, but Understudy could not tell for sure who they
                are. If you can, unsubscribe them by hand, then mark the request as done.
              </p>
              <ul className="plain">
                {items.map((i) => (
                  <li key={i.id}>
                    <strong>
                      {CHANNEL[i.channel]}
                      {i.fromEmail ? ` — ${i.fromEmail}` : ''}
                    </strong>{' '}
                    <span className="muted">
                      {formatDateTime(i.lastAt)}
                      {i.seen > 1 ? ` (${i.seen} times)` : ''}
                    </span>
                    <div>{i.why}</div>
                    <details>
                      <summary>Details</summary>
                      <div className="muted">
                        {i.detail}
                        {i.subject ? ` Subject: “${i.subject}”.` : ''}
                        {i.token ? ` Code: ${i.token}.` : ''}
                        {i.campaignId !== null ? ` Campaign #${i.campaignId}.` : ''}
                      </div>
                    </details>
                    <button type="button" onClick={() => void done(i)}>
                      Done…
                    </button>
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </ResourceView>
    </article>
  );
}
