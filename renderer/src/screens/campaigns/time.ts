import { toWallTime } from '../../components/format';

/** Now as a datetime-local value on the user's clock: a send time before it is refused (by the engine too). */
export function localNow(): string {
  return toWallTime(Date.now());
}
