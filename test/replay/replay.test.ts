import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

// Determinism: every saved history replays against today's workflow code. A change that would break running
// workflows fails here; guard it with patched() and re-record (test/replay/record-histories.ts).
const dir = path.join(__dirname, 'histories');
const workflowIds = JSON.parse(readFileSync(path.join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json').sort();

describe('replay of saved histories', () => {
  it('has histories of every runbook to replay', () => {
    expect(files.map((f) => f.split('-')[0])).toEqual(expect.arrayContaining(['drainAgent', 'agentMaintenance']));
  });

  it.each(files)('%s replays without a nondeterminism error', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    expect(workflowIds[file]).toBeDefined();
    await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../runbooks') }, history, workflowIds[file])).resolves.toBeUndefined();
  });
});
