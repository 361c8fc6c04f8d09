import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../../../src/temporal/dev-server';
import { searchAttributeCliTypes } from '../../../src/temporal/search-attributes';

// Its own server (not the shared one): this test stops and restarts it on the same database.
describe('the Temporal dev-server launcher', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mr-devserver-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts a real server with the search attributes registered, and its state survives a restart', async () => {
    const first = await startDevServer({ dataDir, headless: true, log: () => undefined });
    let workflowId: string;
    try {
      const connection = await Connection.connect({ address: first.address });
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(attrs.customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(searchAttributeCliTypes)));
      const client = new Client({ connection });
      // No worker polls this queue: the run stays open, as a run would across a server restart.
      workflowId = `restart-probe-${Date.now()}`;
      await client.workflow.start('noSuchWorkflow', { taskQueue: 'restart-probe', workflowId });
      await connection.close();
    } finally {
      await first.stop();
    }

    const second = await startDevServer({ dataDir, headless: true, log: () => undefined });
    try {
      const connection = await Connection.connect({ address: second.address });
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      await client.workflow.getHandle(workflowId).terminate('test over');
      await connection.close();
    } finally {
      await second.stop();
    }
  });

  it('refuses a port already in use, before spawning', async () => {
    // A port that is taken: refused before spawning, since the readiness probe would reach the other server.
    const blocker = await startDevServer({ dataDir: path.join(dataDir, 'a'), headless: true, log: () => undefined });
    try {
      const port = Number(blocker.address.split(':')[1]);
      await expect(startDevServer({ dataDir: path.join(dataDir, 'b'), headless: true, port, readyTimeoutMs: 20_000, log: () => undefined })).rejects.toThrow(
        /Temporal frontend port 127\.0\.0\.1:\d+ is already in use/,
      );
    } finally {
      await blocker.stop();
    }
  });
});
