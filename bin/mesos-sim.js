#!/usr/bin/env node
// Runs the simulator's TypeScript entry through tsx (a runtime dependency), so no build step is needed.
require('tsx/cjs');
require('../src/sim/cli.ts')
  .main(process.argv.slice(2))
  .catch((err) => {
    process.stderr.write(`mesos-sim: ${(err && err.stack) || String(err)}\n`);
    process.exit(1);
  });
