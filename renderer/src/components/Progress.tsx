/** A progress bar with counts and an estimate of the time left. */
export function Progress({
  label,
  done,
  total,
  startedAt,
  detail,
}: {
  label: string;
  done: number;
  total: number;
  startedAt: number;
  detail?: string;
}) {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const elapsed = (Date.now() - startedAt) / 1000;
  const eta = frac > 0.02 && frac < 1 ? (elapsed / frac) * (1 - frac) : null;
  return (
    <div className="progress">
      <div className="progress-head">
        <span>{label}</span>
        <span>
          {Math.floor(frac * 100)}%{eta !== null ? ` · about ${formatDuration(eta)} left` : ''}
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

export function formatDuration(s: number): string {
  if (s < 1) return 'less than a second';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
