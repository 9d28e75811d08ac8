/**
 * The desktop app's build (electron-vite), checked where Electron itself cannot run: every worker
 * thread the engine starts by `new URL('./x.ts', import.meta.url)` must be compiled beside the bundle
 * that names it, and the compiled import worker must read a file on its own. (Before this test, the
 * built app named a TypeScript file that was not in the build: every import of 4 MiB or more failed.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { tempDir } from '../../helpers/tmp';
import { Engine } from '../../../electron/engine/engine';

const ROOT = join(__dirname, '..', '..', '..');
let out: string;

beforeAll(() => {
  // Inside the checkout, as out/ is, so the build's external packages resolve from node_modules.
  out = join(ROOT, 'test-results', `desktop-build-${process.pid}`);
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, UNDERSTUDY_BUILD_OUT: out },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`electron-vite build failed: ${r.stderr || r.stdout}`);
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('desktop build', () => {
  it('compiles every worker entry the engine names beside the bundle that names it', () => {
    const main = join(out, 'main');
    // Every compiled file, shared chunks included: a worker named from a chunk in a subfolder is
    // looked for in that subfolder (where the build puts no worker).
    const named = new Map<string, string>();
    const files = readdirSync(main, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.js'));
    for (const f of files)
      for (const m of readFileSync(join(main, f), 'utf8').matchAll(
        /new URL\(["']\.\/([\w-]+)\.ts["'], import\.meta\.url\)/g,
      ))
        named.set(join(dirname(f), `${m[1]!}.js`), f);
    const names = [...named.keys()].map((p) => basename(p, '.js'));
    expect(names).toContain('importWorker');
    expect(names).toContain('checkWorker');
    expect(names).toContain('writerWorker');
    for (const [worker, by] of named)
      expect(existsSync(join(main, worker)), `${worker}, named by ${by}`).toBe(true);
  });

  it('the compiled import worker reads, validates and hands on a file by itself', async () => {
    const dir = tempDir('understudy-build-worker-');
    {
      const file = join(dir, 'list.csv');
      writeFileSync(
        file,
        'Email Address,First Name\nann@example.com,Ann\nnot-an-address,Bob\nbea@example.com,Bea\n',
      );
      const w = new Worker(join(out, 'main', 'importWorker.js'), {
        workerData: {
          spec: {
            file,
            label: 'list.csv',
            encoding: 'utf-8',
            bomBytes: 0,
            delimiter: ',',
            format: 'auto',
            map: {},
            status: undefined,
            chunkSize: 1 << 16,
            batchSize: 500,
          },
          rejectPath: join(dir, 'rejects.csv'),
        },
      });
      const seen: { type: string; rows?: number; rejected?: number }[] = [];
      await new Promise<void>((resolve, reject) => {
        w.on('message', (m: { type: string; rows?: number; rejected?: number }) => {
          seen.push(m);
          if (m.type === 'batch') w.postMessage({ type: 'ack' });
          if (m.type === 'done') resolve();
          if (m.type === 'error') reject(new Error(JSON.stringify(m)));
        });
        w.on('error', reject);
      });
      await w.terminate();
      expect(seen.map((m) => m.type)).toEqual(['header', 'batch', 'done']);
      expect(seen.at(-1)).toMatchObject({ rows: 3, rejected: 1 });
    }
  });

  it('the compiled sync writer writes a group of members into the database and closes', async () => {
    const dir = tempDir('understudy-build-writer-');
    const path = join(dir, 'mirror.db');
    const engine = Engine.open({ dbPath: path });
    try {
      const now = engine.now();
      const sync = engine.repos.espSync;
      const provider = sync.createProvider({
        name: 'MC',
        type: 'mailchimp',
        config: {},
        secretRef: 'none',
        maxConnections: 10,
        now,
      });
      const listId = sync.createList({
        name: 'Built',
        providerId: provider.id,
        espListId: 'L1',
        mergeFields: '[]',
        now,
      });
      const w = new Worker(join(out, 'main', 'writerWorker.js'), {
        workerData: { path, binding: undefined },
      });
      const email = 'ann@example.com';
      const reply = await new Promise<unknown>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.postMessage({
          listId,
          rows: [
            email,
            email,
            'Ann',
            '',
            'ann',
            'cleaned',
            null,
            null,
            '{}',
            '[]',
            '{}',
            null,
            null,
            null,
            null,
            'x1',
            null,
          ],
          source: 'esp:mailchimp',
          seenAt: now,
          now,
          suppress: [[email, 'cleaned']],
          checkpoint: { providerId: provider.id, scope: 'members:L1', value: { pass: null } },
          archiveBefore: null,
        });
      });
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage('close');
      await exited;
      expect(reply).toEqual({ ok: true, result: { added: [[email, 'cleaned']], archived: 0 } });
      expect(engine.repos.subscribers.byEmail(listId, email)).toMatchObject({
        firstName: 'Ann',
        status: 'cleaned',
      });
    } finally {
      await engine.close();
    }
  });
});
