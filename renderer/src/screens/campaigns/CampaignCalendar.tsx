/**
 * The campaigns on a month calendar (weeks start on Monday), by their send or start time: filed on the
 * day and shown at the time of the user's zone (the one format), in seven equal columns — a long name
 * is cut with an ellipsis, whole in its title.
 */
import { useMemo, useState } from 'react';
import type { Campaign } from '../../api/shapes';
import { dayKey, formatDateTime, formatTime } from '../../components/format';

/** A calendar cell's day (a date on no clock) as a day key. */
const cellKey = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

export function CampaignCalendar({ list, onSelect }: { list: Campaign[]; onSelect: (id: number) => void }) {
  const [month, setMonth] = useState(() => {
    const [y, m] = dayKey(Date.now()).split('-').map(Number);
    return new Date(y!, m! - 1, 1);
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
    const k = dayKey(at);
    byDay.set(k, [...(byDay.get(k) ?? []), c]);
  }
  const label = month.toLocaleDateString('en-GB', { month: 'long', year: 'numeric' });
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
            key={cellKey(d)}
            role="gridcell"
            className={d.getMonth() === month.getMonth() ? 'calendar-day' : 'calendar-day other'}
          >
            <span className="calendar-date">{d.getDate()}</span>
            {(byDay.get(cellKey(d)) ?? []).map((c) => (
              <button
                key={c.id}
                type="button"
                className={`calendar-item cstatus-${c.status}`}
                title={`${c.name}, ${formatDateTime(c.scheduledAt ?? c.startedAt)}`}
                onClick={() => onSelect(c.id)}
              >
                {formatTime(c.scheduledAt ?? c.startedAt)} {c.name}
              </button>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
