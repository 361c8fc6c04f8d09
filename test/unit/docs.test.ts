import { readFileSync } from 'node:fs';
import path from 'node:path';
import { preflightChecks } from '../../activities/preflight';
import { catalog } from '../../src/catalog';
import { CONDITION_KINDS, CONTROL_ACTIONS, RunbookFailures } from '../../src/contracts';

// docs/runbooks.md matches the code: every runbook, failure type, condition kind, preflight check, control action and
// event kind is documented, and the complete example is the file the kit's tests run.
const root = path.resolve(__dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/runbooks.md'), 'utf8');
const EVENT_KINDS = ['stepStarted', 'stepFinished', 'stepSkipped', 'stepFailed', 'waitStarted', 'waitDiagnosed', 'waitExtended', 'waitEnded', 'approvalAsked', 'approvalGiven', 'operator', 'compensationStarted', 'compensationDone', 'note', 'runEnded'];

describe('docs/runbooks.md', () => {
  it.each([
    ['runbook', [...catalog().keys()]],
    ['failure type', Object.keys(RunbookFailures)],
    ['condition kind', CONDITION_KINDS],
    ['preflight check', Object.keys(preflightChecks)],
    ['control action', [...CONTROL_ACTIONS]],
    ['progress event kind', EVENT_KINDS],
  ])('documents every %s', (_what, names) => {
    for (const name of names) expect(doc).toContain(`\`${name}\``);
  });

  it('shows the complete example exactly as docs/examples/reactivateAgent.ts (imports as from runbooks/)', () => {
    const block = /## Writing a runbook[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    const file = readFileSync(path.join(root, 'docs/examples/reactivateAgent.ts'), 'utf8');
    expect(block).toBe(file.replace(/from '\.\.\/\.\.\//g, "from '../"));
  });
});
