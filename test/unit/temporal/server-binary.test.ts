import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachedServerBinaries, resolveServerBinaries } from '../../../src/temporal/server-binary';

function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

describe('resolving the Temporal server and its SQL tool', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mr-server-bin-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL together, over the cache', async () => {
    const env = { TEMPORAL_SERVER_BIN: executable(path.join(root, 'a/server')), TEMPORAL_SQL_TOOL: executable(path.join(root, 'a/sql')), MESOS_RUNBOOKS_CACHE: path.join(root, 'cache1') };
    executable(cachedServerBinaries(env).server);
    executable(cachedServerBinaries(env).sqlTool);
    await expect(resolveServerBinaries({ env, build: false })).resolves.toEqual({ server: env.TEMPORAL_SERVER_BIN, sqlTool: env.TEMPORAL_SQL_TOOL, source: 'env' });
  });

  it('refuses one variable without the other, and one that is not executable', async () => {
    await expect(resolveServerBinaries({ env: { TEMPORAL_SERVER_BIN: '/bin/sh' }, build: false })).rejects.toThrow(/TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL go together/);
    await expect(resolveServerBinaries({ env: { TEMPORAL_SERVER_BIN: '/bin/sh', TEMPORAL_SQL_TOOL: path.join(root, 'missing') }, build: false })).rejects.toThrow(/TEMPORAL_SQL_TOOL=.*missing is not an executable file/);
  });

  it('uses the versioned cache beside the CLI, and says what is missing when nothing is there', async () => {
    const env = { MESOS_RUNBOOKS_CACHE: path.join(root, 'cache2') };
    expect(cachedServerBinaries(env)).toEqual({ server: path.join(root, 'cache2/bin/temporal-server-v1.29.1'), sqlTool: path.join(root, 'cache2/bin/temporal-sql-tool-v1.29.1') });
    await expect(resolveServerBinaries({ env, build: false })).rejects.toThrow(/temporal-server-v1\.29\.1 or .*temporal-sql-tool-v1\.29\.1 is missing/);
    executable(cachedServerBinaries(env).server);
    executable(cachedServerBinaries(env).sqlTool);
    await expect(resolveServerBinaries({ env, build: false })).resolves.toMatchObject({ source: 'cache' });
  });

  it('without Go on PATH, says how to supply the binaries instead', async () => {
    await expect(resolveServerBinaries({ env: { MESOS_RUNBOOKS_CACHE: path.join(root, 'cache3'), PATH: path.join(root, 'no-bin') }, log: () => undefined })).rejects.toThrow(/'go' is not on PATH.*TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL/);
  });
});
