/**
 * How current Understudy's copy of an ESP list is ("as of 12 minutes ago"), shown wherever a decision
 * rests on it: the dashboard, each list, the send-via-backup confirmation, the ESP connections. A copy
 * older than twice the sync interval is marked out of date.
 */
import { mirrorAsOfWords } from '../../../electron/engine/api/esp';

export function MirrorAge({
  asOf,
  stale,
  prefix = '',
}: {
  asOf: string | null | undefined;
  stale?: boolean | undefined;
  prefix?: string;
}) {
  const words = mirrorAsOfWords(asOf, Date.now());
  return (
    <span className={stale ? 'mirror-age test-fail' : 'mirror-age muted small'} data-testid="mirror-age">
      {prefix}
      {words}
      {stale ? ' — out of date: Understudy could not sync it lately' : ''}
    </span>
  );
}
