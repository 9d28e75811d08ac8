/**
 * The desktop app answers unsubscribe links too, if the person chooses (issue 14 §1): the engine host
 * starts continuity/unsubscribeEndpoint.ts, which follows the `unsubscribe_port` setting — a Gmail-shaped
 * one-click POST on that port unsubscribes, a port in use is said in words, and clearing the setting
 * stops it. Real HTTP on loopback, a real engine and SQLite file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { tempDir } from '../../helpers/tmp';
import { gmailOneClick, unsubFixture, type UnsubFixture } from '../../helpers/unsubscribe';
import { UnsubscribeEndpoint } from '../../../electron/engine/continuity/unsubscribeEndpoint';
import { setSendingSetting, unsetSendingSetting } from '../../../electron/engine/sending/settings';

let f: UnsubFixture;
let endpoint: UnsubscribeEndpoint;
const held: Server[] = [];

/** A port nothing listens on (or, with `hold`, one something else holds). */
async function port(hold = false): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  if (hold) held.push(s);
  else await new Promise((r) => s.close(r));
  return p;
}

beforeEach(async () => {
  f = await unsubFixture(tempDir('understudy-desktop-unsub-'));
  endpoint = new UnsubscribeEndpoint(f.engine);
});
afterEach(async () => {
  await endpoint.stop();
  for (const s of held.splice(0)) await new Promise((r) => s.close(r));
  await f.engine.close();
});

describe('the desktop app’s unsubscribe endpoint', () => {
  it('is off until a port is set, then answers one-click on it, and stops when cleared', async () => {
    await endpoint.refresh();
    expect(endpoint.state()).toEqual({ port: null, problem: null });

    const p = await port();
    setSendingSetting(f.engine, 'unsubscribe_port', String(p));
    await endpoint.refresh();
    expect(endpoint.state()).toEqual({ port: p, problem: null });
    const r = await gmailOneClick(p, `/u/${f.token(f.bob)}`);
    expect(r.status).toBe(200);
    expect(f.status(f.bob)).toBe('unsubscribed');

    unsetSendingSetting(f.engine, 'unsubscribe_port');
    await endpoint.refresh();
    expect(endpoint.state().port).toBeNull();
    await expect(gmailOneClick(p, `/u/${f.token(f.ann)}`)).rejects.toThrow(
      /ECONNREFUSED|ECONNRESET|socket hang up/,
    );
    expect(f.status(f.ann)).toBe('subscribed');
  });

  it('follows a change of the setting by itself (the settings event), moving to the new port', async () => {
    const a = await port();
    const b = await port();
    setSendingSetting(f.engine, 'unsubscribe_port', String(a));
    await endpoint.refresh();
    setSendingSetting(f.engine, 'unsubscribe_port', String(b)); // no refresh: the event does it
    await expect.poll(() => endpoint.state().port).toBe(b);
    expect((await gmailOneClick(b, `/u/${f.token(f.bob)}`)).status).toBe(200);
    await expect(gmailOneClick(a, `/u/${f.token(f.ann)}`)).rejects.toThrow(
      /ECONNREFUSED|ECONNRESET|socket hang up/,
    );
  });

  it('says in words when the port is taken, and records it once', async () => {
    const taken = await port(true);
    setSendingSetting(f.engine, 'unsubscribe_port', String(taken));
    await endpoint.refresh();
    await endpoint.refresh();
    expect(endpoint.state()).toEqual({
      port: null,
      problem: `Port ${taken} is already used by another program, so unsubscribe links are not answered here.`,
    });
    const failed = f.engine.db
      .prepare(`SELECT message FROM events WHERE type = 'unsubscribe.endpoint_failed'`)
      .all() as { message: string }[];
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toMatch(/Choose another port in Settings/);
  });

  it('refuses a port that is not one, and changes nothing', () => {
    for (const bad of ['80', 'abc', '70000', '8080x'])
      expect(() => setSendingSetting(f.engine, 'unsubscribe_port', bad)).toThrow(/is not a port/);
    expect(f.engine.repos.settings.get('sending.unsubscribe_port')).toBeUndefined();
  });
});
