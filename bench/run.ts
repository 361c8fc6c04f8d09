// `npm run bench`: runs every benchmark in its own process (so peak-memory figures are not mixed), in order.
// `npm run bench -- mesos` runs only the benchmarks whose file name contains "mesos".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const filter = process.argv[2];
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && (!filter || f.includes(filter)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches '${filter}' (have: ${readdirSync(__dirname).filter((f) => f.endsWith('.ts') && f !== 'run.ts').join(', ')})\n`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== bench/${file}\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', path.join(__dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
