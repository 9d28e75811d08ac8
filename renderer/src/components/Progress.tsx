/** A progress bar with counts and, while work is going on, an estimate of the time left. */
import { timeLeft } from './duration';

export { formatDuration } from './duration';

export function Progress({
  label,
  done,
  total,
  startedAt,
  secondsLeft,
  status,
  detail,
}: {
  label: string;
  done: number;
  total: number;
  /** When the work started, for an estimate from the pace so far (when `secondsLeft` is not given). */
  startedAt?: number;
  /** The caller's own estimate; null: no estimate (e.g. paused). */
  secondsLeft?: number | null;
  /** Said instead of an estimate (e.g. "Paused"). */
  status?: string;
  detail?: string;
}) {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const eta = secondsLeft !== undefined ? secondsLeft : estimate(frac, startedAt);
  return (
    <div className="progress">
      <div className="progress-head">
        <span>{label}</span>
        <span data-testid="progress-status">
          {Math.floor(frac * 100)}%{status ? ` · ${status}` : timeLeft(eta)}
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(frac * 100)}
      >
        <div className="progress-fill" style={{ width: `${frac * 100}%` }} />
      </div>
      {detail && <div className="progress-detail">{detail}</div>}
    </div>
  );
}

function estimate(frac: number, startedAt: number | undefined): number | null {
  if (startedAt === undefined || frac <= 0.02 || frac >= 1) return null;
  const elapsed = (Date.now() - startedAt) / 1000;
  return (elapsed / frac) * (1 - frac);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
