/**
 * One timeline event in plain words (the contract's EVENT_WORDS), with names instead of numbers, the
 * time in the one format, and the engine's own message behind a "Details" toggle.
 */
import { useStore } from '../store';
import { useResource } from './Resource';
import { eventWords } from '../../../electron/engine/api/words';
import { formatText, formatWhen } from './format';
import type { TimelineEvent } from '../store/events';

export interface Names {
  campaign(id: number | null): string | null;
  provider(id: number | null): string | null;
  list(id: number | null): string | null;
}

function byId(rows: readonly { id: number; name: string }[] | null): Map<number, string> {
  return new Map((rows ?? []).map((r) => [r.id, r.name]));
}

/** Names of campaigns, providers (SMTP and ESP) and lists, by id, from what the engine lists. */
export function useNames(): Names {
  const campaigns = useResource('listCampaigns');
  const providers = useResource('listProviders');
  const esps = useResource('espConnections');
  const lists = useStore((s) => s.lists);
  const c = byId(campaigns.value);
  const p = new Map([...byId(esps.value), ...byId(providers.value)]);
  const l = byId(lists);
  return {
    campaign: (id) => (id === null ? null : (c.get(id) ?? null)),
    provider: (id) => (id === null ? null : (p.get(id) ?? null)),
    list: (id) => (id === null ? null : (l.get(id) ?? null)),
  };
}

/** The first name in quotes in an engine message ("Spring sale"), when no id names it. */
function quoted(message: string): string | null {
  const m = /[“"]([^”"]{1,80})[”"]/.exec(message);
  return m ? m[1]! : null;
}

export function eventSentence(e: TimelineEvent, names: Names): string {
  const q = quoted(e.message);
  return eventWords({
    type: e.type,
    data: e.data,
    message: e.message,
    campaign: names.campaign(e.campaignId) ?? (e.campaignId !== null ? q : null),
    provider: names.provider(e.providerId) ?? (e.providerId !== null && e.campaignId === null ? q : null),
    list: names.list(e.listId) ?? (e.listId !== null ? q : null),
  });
}

export function EventLine({ event: e, names }: { event: TimelineEvent; names: Names }) {
  return (
    <li className={`sev-${e.severity}`} data-event-type={e.type}>
      <time dateTime={e.at}>{formatWhen(e.at)}</time> {eventSentence(e, names)}
      <details className="event-details">
        <summary>Details</summary>
        <span className="muted small">{formatText(e.message)}</span>
      </details>
    </li>
  );
}
