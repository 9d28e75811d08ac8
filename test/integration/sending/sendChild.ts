/**
 * The sender process the crash test kills: opens the engine and the secret file like `understudy send`
 * does and runs (or resumes) the campaign. Kept to the engine's imports so it starts fast.
 * Usage: run-ts.mjs sendChild.ts DB CAMPAIGN_ID   (passphrase in UNDERSTUDY_PASSPHRASE)
 */
import { Engine } from '../../../electron/engine/engine';
import { openCliSecretStore } from '../../../electron/engine/secrets';
import { runCampaign } from '../../../electron/engine/sending';

const [dbPath, id] = process.argv.slice(2);
const engine = Engine.open({ dbPath: dbPath! });
const secrets = await openCliSecretStore(dbPath!, process.env);
const s = await runCampaign(engine, Number(id), { secrets });
process.stdout.write(JSON.stringify(s));
await engine.close();
