/**
 * An error as a person reads it: what happened, what is safe, what to do next, in plain words (see
 * format.ts#plainError); the technical text (codes, addresses, the engine's own message) stays behind
 * a "Details" toggle.
 */
import type { ApiError } from '../api/types';
import { plainError } from './format';

export function ErrorBox({ error, onDismiss }: { error: ApiError; onDismiss?: () => void }) {
  const p = plainError(error);
  return (
    <div className="error-box" role="alert">
      <p className="error-what">{p.what}</p>
      {p.safe && <p className="error-safe">{p.safe}</p>}
      {p.next && <p className="error-next">{p.next}</p>}
      {error.kind === 'internal' && (
        <p className="error-next">
          Your data is as it was before. If it happens again, please report it with the details below.
        </p>
      )}
      {p.details && (
        <details className="error-details">
          <summary>Details</summary>
          <pre>{p.details}</pre>
        </details>
      )}
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
