import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installConciseRuntime } from '../../src/temporal/logger';

// Determinism: every saved history replays against today's workflow code. A change that would break running
// workflows fails here; guard it with patched() and re-record (test/replay/record-histories.ts).
// histories/before-kit: runs recorded before the runbook kit (they replay through patched('runbook-kit') = false).
// histories: runs of today's runbooks (re-recorded when the code changes on purpose).
const dirs = ['histories/before-kit', 'histories'].map((d) => path.join(__dirname, d));
const cases = dirs.flatMap((dir) => {
  const ids = JSON.parse(readFileSync(path.join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json')
    .sort()
    .map((file) => ({ name: `${path.basename(dir)}/${file}`, file: path.join(dir, file), workflowId: ids[file] }));
});

describe('replay of saved histories', () => {
  beforeAll(() => {
    try {
      installConciseRuntime({ level: 'WARN', coreLevel: 'ERROR' }); // not the bundler's and worker's INFO lines
    } catch {
      // installed by an earlier test file of this jest worker process
    }
  });

  it('has histories of every runbook, from before the kit and from now', () => {
    expect(dirs.every((d) => existsSync(path.join(d, 'workflow-ids.json')))).toBe(true);
    for (const dir of dirs) {
      const runbooks = cases.filter((c) => c.file.startsWith(`${dir}/`)).map((c) => path.basename(c.file).split('-')[0]);
      expect(runbooks).toEqual(expect.arrayContaining(['drainAgent', 'agentMaintenance']));
    }
  });

  it.each(cases)('$name replays without a nondeterminism error', async ({ file, workflowId }) => {
    const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
    expect(workflowId).toBeDefined();
    await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../runbooks') }, history, workflowId)).resolves.toBeUndefined();
  });
});
