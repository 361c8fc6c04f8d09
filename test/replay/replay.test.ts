import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installConciseRuntime } from '../../src/temporal/logger';

// Determinism: every saved history replays against today's workflow code. A change that would break running
// workflows fails here; guard it with patched() and re-record (test/replay/record-histories.ts).
// histories/before-kit: runs recorded before the runbook kit (they replay through patched('runbook-kit') = false).
// histories: runs of the kit from before patched('run-settings'); histories/run-settings: runs with it (the
// runSettings activity, notifications, a run held by its cluster's freeze). Re-recorded only when the code changes
// on purpose: npx tsx test/replay/record-histories.ts run-settings
const dirs = ['histories/before-kit', 'histories', 'histories/run-settings'].map((d) => path.join(__dirname, d));
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

  it('the run-settings histories exercise the new path: the runSettings activity, notifications, a freeze', () => {
    const activities = (file: string) =>
      (JSON.parse(readFileSync(path.join(__dirname, 'histories/run-settings', file), 'utf8')) as { events: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[] }).events
        .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
        .filter(Boolean);
    expect(activities('drainAgent-reactivate.json')).toEqual(expect.arrayContaining(['runSettings', 'notify']));
    expect(activities('drainAgent-reactivate.json')).not.toContain('approvalPolicy');
    expect(readFileSync(path.join(__dirname, 'histories/run-settings/drainAgent-frozen.json'), 'utf8')).toContain('freezeChanged');
  });

  it.each(cases)('$name replays without a nondeterminism error', async ({ file, workflowId }) => {
    const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
    expect(workflowId).toBeDefined();
    await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../runbooks') }, history, workflowId)).resolves.toBeUndefined();
  });
});
