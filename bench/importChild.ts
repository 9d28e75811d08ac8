/** Runs `understudy import` in this process and reports the process's peak RSS on stderr. */
import { main } from '../electron/cli/main';

const code = await main(process.argv.slice(2));
process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
