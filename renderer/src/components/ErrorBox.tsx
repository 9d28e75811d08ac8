/** An error as a person reads it: what happened, what is safe, what to do next. */
import type { ApiError } from '../api/types';

export function ErrorBox({ error, onDismiss }: { error: ApiError; onDismiss?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <p className="error-what">{error.message}</p>
      {error.safe && <p className="error-safe">{error.safe}</p>}
      {error.next && <p className="error-next">{error.next}</p>}
      {error.kind === 'internal' && (
        <p className="error-next">
          This looks like a bug in Understudy; please report it with the message above.
        </p>
      )}
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
