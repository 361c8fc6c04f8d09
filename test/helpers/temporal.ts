import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { installConciseRuntime } from '../../src/temporal/logger';

/**
 * The test run's shared Temporal dev server (started by the global setup). Fails loudly, never skips, when it is
 * missing (e.g. SKIP_TEMPORAL=1 was set).
 */
export function temporalAddress(): { address: string; namespace: string } {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    throw new Error('No Temporal dev server for this test: run it through `npm test` / jest with the global setup, without SKIP_TEMPORAL=1.');
  }
  return { address, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' };
}

/** A client of the shared dev server, or of `server` (a test's own dev server). */
export async function testClient(server: { address: string; namespace: string } = temporalAddress()): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace });
}

/** A worker connection to the shared dev server, or to `address`. */
export async function testWorkerConnection(address: string = temporalAddress().address): Promise<NativeConnection> {
  quietRuntime();
  return NativeConnection.connect({ address });
}

/** A name unique to this test file and process: task queues, cluster names, workflow ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Worker logs at WARN in tests, one line each: a run that fails as the test expects is one line, not a stack trace;
 * native logs only from ERROR. Once per jest worker process.
 */
function quietRuntime(): void {
  try {
    installConciseRuntime({ level: 'WARN', coreLevel: 'ERROR' });
  } catch {
    // already installed by an earlier test file in this jest worker process
  }
}
