#!/usr/bin/env node
// Runs the CLI's TypeScript entry through tsx (a runtime dependency), so no build step is needed.
require('tsx/cjs');
void require('../src/cli/main.ts').main(process.argv);
