/** Builds the renderer once before the e2e run, so every test serves the code under test. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export default function globalSetup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const r = spawnSync(
    join(root, 'node_modules', '.bin', 'vite'),
    ['build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('The renderer build failed; see the output above.');
}
