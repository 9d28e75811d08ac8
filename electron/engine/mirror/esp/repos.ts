/**
 * The ESP area's repositories for an engine, created once per engine (kept out of db/index.ts's
 * shared registry so the ESP area can evolve without touching a file everyone edits).
 */
import type { Engine } from '../../engine';
import { EspSyncRepo } from '../../db/repos/espSync';
import { EspPushbackRepo } from '../../db/repos/espPushback';
import { EspCampaignsRepo } from '../../db/repos/espCampaigns';

export interface EspRepos {
  sync: EspSyncRepo;
  pushback: EspPushbackRepo;
  campaigns: EspCampaignsRepo;
}

const cache = new WeakMap<Engine, EspRepos>();

export function espRepos(engine: Engine): EspRepos {
  let r = cache.get(engine);
  if (!r) {
    r = {
      sync: new EspSyncRepo(engine.db),
      pushback: new EspPushbackRepo(engine.db),
      campaigns: new EspCampaignsRepo(engine.db),
    };
    cache.set(engine, r);
  }
  return r;
}
