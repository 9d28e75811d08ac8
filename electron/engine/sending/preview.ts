/**
 * A campaign's preview: the message one member of its list would get, rendered by the same compile
 * as a send (merge tags, the postal-address footer, the unsubscribe link, the text part), so what the
 * screen shows is what is sent. Two differences, both for safety: the unsubscribe link carries
 * subscriber 0 and a key of its own, so clicking it in a preview unsubscribes nobody; and nothing is
 * recorded. With it come, in plain words, the merge tags that cannot be filled: those no message can
 * fill (unknown tags, fields the list does not have) and those this member has no value for.
 */
import type { Engine } from '../engine';
import type { CampaignPreview } from '../api/sending';
import { plural } from '../api/words';
import { requireCampaign, toRenderCampaign } from './campaigns';
import { compileCampaign } from './render';
import { requireSendingSettings } from './settings';
import { memberFor } from './testSend';

/** Signs the preview's unsubscribe link: it names subscriber 0, so it unsubscribes nobody anyway. */
const PREVIEW_KEY = 'preview';
/** The address a preview is shown to when the list has nobody subscribed yet. */
const NOBODY = 'subscriber@example.com';

export function previewCampaign(engine: Engine, id: number, as?: string): CampaignPreview {
  const campaign = requireCampaign(engine, id);
  const list = campaign.listId === null ? undefined : engine.repos.lists.byId(campaign.listId);
  const member = list ? memberFor(engine, list.id, list.name, as) : undefined;
  const settings = requireSendingSettings(engine, campaign.fromEmail);
  const render = compileCampaign(toRenderCampaign(campaign), {
    ...settings,
    listName: list?.name ?? '',
    unsubscribeSecret: PREVIEW_KEY,
    mergeFieldTags: list ? list.mergeFields.map((f) => f.tag) : [],
  });
  const person = {
    id: 0,
    email: member?.email ?? NOBODY,
    firstName: member?.firstName ?? '',
    lastName: member?.lastName ?? '',
    mergeFields: member?.mergeFields ?? {},
    tags: member?.tags ?? [],
  };
  const message = render(person);
  const unfilled = [...render.unfillable];
  const empty = render.emptyFor(person);
  if (!member && empty.length > 0) {
    unfilled.push(
      `Nobody on ${list ? `“${list.name}”` : 'its list'} is subscribed yet, so the personal merge tags (${empty.join(', ')}) are shown empty.`,
    );
  } else if (member && empty.length > 0) {
    unfilled.push(
      `${member.email} has no value for ${plural(empty.length, 'merge tag')} (${empty.join(', ')}): ${empty.length === 1 ? 'it is' : 'they are'} left empty in their copy.`,
    );
  }
  return {
    as: member?.email ?? null,
    from: message.from,
    to: message.to,
    replyTo: message.replyTo ?? null,
    subject: message.subject,
    html: message.html ?? null,
    text: message.text,
    unfilled,
  };
}
