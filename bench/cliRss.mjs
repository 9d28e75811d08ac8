// Runs the `understudy` command exactly as a user does (bin/understudy.mjs: the cached bundle), then
// reports the process's peak RSS on stderr as maxrss_kb=N.
process.on('exit', () => process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`));
await import('../bin/understudy.mjs');
