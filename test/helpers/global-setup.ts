import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';

/**
 * One real Temporal dev server for the whole test run (never a mock of Temporal). Test files find it through
 * `TEMPORAL_TEST_ADDRESS`; each uses its own task queue, cluster name and workflow ids.
 *
 * `TEMPORAL_TEST_ADDRESS` already set: an existing server is used and nothing is started.
 * `SKIP_TEMPORAL=1`: nothing is started (for quick runs of client or simulator tests); a test that needs Temporal then
 * fails with a message saying so, it is never skipped.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEMPORAL_TEST_ADDRESS || process.env.SKIP_TEMPORAL === '1') return;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-test-temporal-'));
  const server = await startDevServer({ dataDir, headless: true, log: () => undefined });
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer = server;
}
