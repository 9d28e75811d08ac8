/** A campaign's progress bar and the tiles under it, both from `sendNumbers` (one source). */
import { useStore } from '../../store';
import { Progress, formatCount } from '../../components/Progress';
import type { CampaignDetail } from '../../api/shapes';
import { sendNumbers } from './progress';

export function SendProgress({ campaign: c }: { campaign: CampaignDetail }) {
  const live = useStore((s) => s.sendProgress[c.id]);
  const n = sendNumbers(c, live);
  const showBar = c.status === 'sending' || c.status === 'paused' || (live !== undefined && n.total > 0);
  const tiles = [
    ['Total', n.total],
    ['Sent', n.sent],
    ['Waiting', n.waiting],
    ['Failed', n.failed],
    ['Skipped', n.skipped],
  ] as const;
  return (
    <>
      {showBar && (
        <Progress
          label={`${c.status === 'paused' ? 'Sent so far' : 'Sending'}${n.provider ? ` through ${n.provider}` : ''}`}
          done={n.done}
          total={n.total}
          secondsLeft={n.secondsLeft}
          {...(n.status ? { status: n.status } : {})}
          {...(n.perSecond !== null && c.status === 'sending'
            ? { detail: `${n.perSecond.toFixed(1)} messages a second` }
            : {})}
        />
      )}
      <dl className="counts" data-testid="send-counts">
        {tiles.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{formatCount(v)}</dd>
          </div>
        ))}
      </dl>
      {Object.keys(n.byProvider).length > 0 && (
        <p data-testid="by-provider">
          Sent through:{' '}
          {Object.entries(n.byProvider)
            .map(([p, k]) => `${p} ${k.toLocaleString('en-US')}`)
            .join(', ')}
        </p>
      )}
    </>
  );
}
