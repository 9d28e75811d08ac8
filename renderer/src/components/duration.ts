/** Durations in words: how long something takes, and the time left of a progress bar. */

/** " · about 3 min left"; nothing when there is no estimate or under a second is left (never "about less than a second"). */
export function timeLeft(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 1) return '';
  return ` · about ${formatDuration(seconds)} left`;
}

export function formatDuration(s: number): string {
  if (s < 1) return 'less than a second';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
