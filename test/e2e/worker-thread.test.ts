import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporalAddress, testClient, uniqueName } from '../helpers/temporal';

// The SDK runs workflow code in a thread of its own. When that thread dies (here: out of memory), the SDK's pollers
// stop and the process would idle forever with its runs stuck; our worker exits non-zero instead, naming why, so
// that its supervisor (systemd, Kubernetes, compose) starts it again.
describe('a worker whose workflow thread dies', () => {
  let client: Client;
  let dir: string;
  beforeAll(async () => {
    client = await testClient();
    dir = mkdtempSync(path.join(os.tmpdir(), 'worker-thread-'));
  });
  afterAll(async () => {
    await client.connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits with code 1 and says the workflow thread died, out of memory', async () => {
    const taskQueue = uniqueName('hog');
    const { address, namespace } = temporalAddress();
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ clusters: { none: { masters: ['http://127.0.0.1:9'] } }, temporal: { address, namespace, taskQueue } }));
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', require.resolve('../helpers/memory-hog-worker'), configFile], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=96' },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const check = () => (stderr.includes('ready') ? resolve() : undefined);
      child.stderr!.on('data', check);
      void exited.then((code) => reject(new Error(`the worker exited (${code}) before it was ready: ${stderr}`)));
    });
    const handle = await client.workflow.start('memoryHog', { taskQueue, workflowId: uniqueName('hog'), workflowTaskTimeout: '2 minutes' });
    try {
      expect(await exited).toBe(1);
      expect(stderr).toMatch(/worker failed: the worker's workflow thread died \(ERR_WORKER_OUT_OF_MEMORY: .*\); the worker stops so that its supervisor starts it again \(give it more memory: docs\/production.md "Sizing a worker"\)/);
    } finally {
      await handle.terminate('test over');
    }
  });
});
