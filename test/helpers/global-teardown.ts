import { rmSync } from 'node:fs';
import path from 'node:path';
import type { DevServer } from '../../src/temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer;
  if (!server) return;
  await server.stop();
  rmSync(path.dirname(server.dbPath), { recursive: true, force: true });
}
