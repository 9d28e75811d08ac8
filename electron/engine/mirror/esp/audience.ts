/**
 * What the campaign panel, `campaigns show` and a refused send say about a mirrored campaign aimed at a
 * segment, tag or group (its audience is resolved at each sync, see sync.ts#audiences).
 */
import type { Engine } from '../../engine';
import type { CampaignRow } from '../../db/repos/campaigns';
import type { AudienceView } from '../../api/audience';

const people = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'person' : 'people'}`;

/** Null for a campaign to a whole list. */
export function audienceView(engine: Engine, c: CampaignRow): AudienceView | null {
  if (c.segment === null || c.segment === undefined) return null;
  const a = engine.repos.audience.get(c.id);
  if (!a)
    return {
      state: 'unresolvable',
      target: 'a segment',
      members: 0,
      unmatched: 0,
      excluded: 0,
      resolvedAt: c.updatedAt,
      backupReady: false,
      sentence:
        'Understudy cannot send this through a backup yet because it has not learned who the segment holds.',
      next: 'Sync the ESP connection; the next sync reads who the segment holds.',
    };
  if (a.state === 'unresolvable')
    return {
      state: a.state,
      target: a.target,
      members: 0,
      unmatched: 0,
      excluded: 0,
      resolvedAt: a.resolvedAt,
      backupReady: false,
      sentence: `Understudy cannot send this through a backup because ${a.reason ?? 'its ESP cannot list who it targets'}.`,
      next: a.next,
    };
  const parts = [
    `Through a backup it goes to the ${people(a.members)} of ${a.target}, as the ESP listed them at the last sync (minus anyone who unsubscribed or is suppressed since).`,
  ];
  if (a.excluded > 0) parts.push(`The campaign's exclusions leave out ${people(a.excluded)}.`);
  if (a.unmatched > 0)
    parts.push(
      `${people(a.unmatched)} the ESP listed ${a.unmatched === 1 ? 'is' : 'are'} not in Understudy's copy of the list and would not get it.`,
    );
  return {
    state: a.state,
    target: a.target,
    members: a.members,
    unmatched: a.unmatched,
    excluded: a.excluded,
    resolvedAt: a.resolvedAt,
    backupReady: true,
    sentence: parts.join(' '),
    next: null,
  };
}
