/**
 * Type test (checked by `tsc -p tsconfig.web.json`, never run or bundled): a call's name, input and
 * output come from the contract, so a wrong name or a wrong input does not compile, and a result
 * needs no cast. Each `@ts-expect-error` fails the typecheck if the line below it compiles.
 */
import type { UnderstudyBridge } from './bridge';
import type { EventsSlice } from '../store/events';
import type { useResource } from '../components/Resource';

export async function typeTest(bridge: UnderstudyBridge, act: EventsSlice['act'], use: typeof useResource) {
  // The output is the contract's: a campaign's name is a string, its status one of the statuses.
  const c = await bridge.call('getCampaign', { id: 1 });
  if (c.ok) {
    const name: string = c.value.name;
    // @ts-expect-error a status is not a number
    const status: number = c.value.status;
    void [name, status];
  }
  // @ts-expect-error there is no call by this name
  await bridge.call('getCampaing', { id: 1 });
  // @ts-expect-error the id is a number, not a string
  await bridge.call('getCampaign', { id: '1' });
  // @ts-expect-error getCampaign needs its input
  await bridge.call('getCampaign');
  // A call whose input may be left out needs none.
  await bridge.call('listCampaigns');

  const sent = await act('sendTest', { id: 1, to: 'me@example.com' });
  if (sent.ok) void (sent.value.provider satisfies string);
  // @ts-expect-error sendTest's input has no `email`, and needs `to`
  await act('sendTest', { id: 1, email: 'me@example.com' });
  // @ts-expect-error there is no call by this name
  await act('pauseEverything', {});

  const res = use('previewCampaign', { id: 1 });
  if (res.value) void (res.value.unfilled satisfies string[]);
  // @ts-expect-error previewCampaign's `as` is an address, not a number
  use('previewCampaign', { id: 1, as: 7 });
  // @ts-expect-error there is no call by this name
  use('listCampaign');

  // Event payloads are typed by their channel.
  bridge.on('send.progress', (p) => void (p.perSecond satisfies number));
  // @ts-expect-error a send.progress payload has no `percent`
  bridge.on('send.progress', (p) => void p.percent);
}
