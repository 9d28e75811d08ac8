/** Runs the CLI in-process with captured stdout/stderr (the real binary is covered by spawn tests). */
import { PassThrough } from 'node:stream';
import { main } from '../../electron/cli/main';

export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string; json: () => unknown }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(args, {
    stdout: out,
    stderr: err,
    env: { ...process.env, ...env },
    stdin: new PassThrough(),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as unknown };
}
