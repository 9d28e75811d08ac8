/** A provider's health as a badge with text (never colour alone). */
const LABEL: Record<string, string> = {
  operational: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  paused: 'Paused',
  unknown: 'Not checked yet',
};

export function HealthBadge({ state }: { state: string }) {
  return <span className={`health health-${state}`}>{LABEL[state] ?? state}</span>;
}
