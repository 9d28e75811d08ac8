/** The campaigns as a table, newest first, with their sent counts (live while sending). */
import { useStore } from '../../store';
import type { Campaign } from '../../api/shapes';
import { formatDateTime } from '../../components/format';
import { formatCount } from '../../components/Progress';
import { sendNumbers } from './progress';

export function CampaignTable({
  list,
  selected,
  onSelect,
}: {
  list: Campaign[];
  selected: number | null;
  onSelect: (id: number) => void;
}) {
  const progress = useStore((s) => s.sendProgress);
  return (
    <table className="data selectable" data-testid="campaigns-table">
      <caption className="sr-only">Campaigns, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Campaign</th>
          <th scope="col">List</th>
          <th scope="col">Status</th>
          <th scope="col">Scheduled</th>
          <th scope="col">Sent</th>
        </tr>
      </thead>
      <tbody>
        {list.map((c) => {
          const n = sendNumbers(c, progress[c.id]);
          return (
            <tr key={c.id} aria-selected={selected === c.id}>
              <th scope="row">
                <button type="button" className="link" onClick={() => onSelect(c.id)}>
                  {c.name}
                </button>
                <div className="muted small">{c.subject}</div>
              </th>
              <td>{c.list ?? '—'}</td>
              <td>
                <span className={`cstatus cstatus-${c.status}`}>{c.status}</span>
              </td>
              <td>{c.scheduledAt ? formatDateTime(c.scheduledAt) : '—'}</td>
              <td>
                {formatCount(n.sent)} / {formatCount(n.total)}
                {n.failed > 0 ? <span className="test-fail"> · {formatCount(n.failed)} failed</span> : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
