/** The campaigns on a month calendar (weeks start on Monday), by their send or start time. */
import { useMemo, useState } from 'react';
import type { Campaign } from '../../api/shapes';

export function CampaignCalendar({ list, onSelect }: { list: Campaign[]; onSelect: (id: number) => void }) {
  const [month, setMonth] = useState(() => {
    const d = new Date();
    return new Date(d.getFullYear(), d.getMonth(), 1);
  });
  const days = useMemo(() => {
    const start = new Date(month);
    start.setDate(1 - ((start.getDay() + 6) % 7)); // weeks start on Monday
    return Array.from(
      { length: 42 },
      (_, i) => new Date(start.getFullYear(), start.getMonth(), start.getDate() + i),
    );
  }, [month]);
  const byDay = new Map<string, Campaign[]>();
  for (const c of list) {
    const at = c.scheduledAt ?? c.startedAt;
    if (!at) continue;
    const k = new Date(at).toDateString();
    byDay.set(k, [...(byDay.get(k) ?? []), c]);
  }
  const label = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
  return (
    <div className="calendar">
      <div className="calendar-head">
        <button
          type="button"
          aria-label="Previous month"
          onClick={() => setMonth(new Date(month.getFullYear(), month.getMonth() - 1, 1))}
        >
          ←
        </button>
        <h2 aria-live="polite">{label}</h2>
        <button
          type="button"
          aria-label="Next month"
          onClick={() => setMonth(new Date(month.getFullYear(), month.getMonth() + 1, 1))}
        >
          →
        </button>
      </div>
      <div className="calendar-grid" role="grid" aria-label={`Campaigns in ${label}`}>
        {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
          <div key={d} className="calendar-dow" role="columnheader">
            {d}
          </div>
        ))}
        {days.map((d) => (
          <div
            key={d.toISOString()}
            role="gridcell"
            className={d.getMonth() === month.getMonth() ? 'calendar-day' : 'calendar-day other'}
          >
            <span className="calendar-date">{d.getDate()}</span>
            {(byDay.get(d.toDateString()) ?? []).map((c) => (
              <button
                key={c.id}
                type="button"
                className={`calendar-item cstatus-${c.status}`}
                onClick={() => onSelect(c.id)}
              >
                {new Date(c.scheduledAt ?? c.startedAt!).toLocaleTimeString([], {
                  hour: '2-digit',
                  minute: '2-digit',
                })}{' '}
                {c.name}
              </button>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
