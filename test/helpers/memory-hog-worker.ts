// A worker process serving test/helpers/memory-hog-workflows.ts through createRunbookWorker and
// serveUntilSignalled, as `mesos-runbooks worker` does. Usage: node -r tsx/cjs memory-hog-worker.ts <config.json>
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config';
import { createRunbookWorker, serveUntilSignalled } from '../../src/worker';

void (async () => {
  const config = parseConfig(JSON.parse(readFileSync(process.argv[2]!, 'utf8')));
  const worker = await createRunbookWorker({ config, workflowsPath: require.resolve('./memory-hog-workflows'), bundleApart: true });
  process.stderr.write('ready\n');
  await serveUntilSignalled(worker);
})();
