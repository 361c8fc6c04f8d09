/**
 * The workflow bundle, built in a process of its own. A worker that bundles in-process keeps webpack's memory for
 * good: measured here, 454 MB resident against 256 MB with the same bundle built apart (docs/benchmarks.md, Fleet).
 * `mesos-runbooks worker` therefore builds the bundle in a short-lived child process and loads the file.
 *
 * The workflow interceptor modules (metrics, tracing) go into the bundle: a worker given a bundle does not add them.
 *
 * Run as a script: `node -r tsx/cjs src/temporal/bundle.ts <workflowsPath> <outFile> [<interceptor module>...]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Builds the bundle of `workflowsPath` in a child process; resolves with the file's path (in a new temporary folder). */
export async function bundleInChildProcess(workflowsPath: string, workflowInterceptorModules: string[] = []): Promise<string> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-bundle-')), 'workflow-bundle.js');
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', __filename, workflowsPath, out, ...workflowInterceptorModules], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the workflow bundle of ${workflowsPath} did not build (exit ${code}): ${stderr.trim()}`);
  return out;
}

async function main(workflowsPath: string, out: string, workflowInterceptorModules: string[]): Promise<void> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) } });
  writeFileSync(out, code);
}

if (require.main === module) {
  const [workflowsPath, out, ...modules] = process.argv.slice(2);
  if (!workflowsPath || !out) {
    process.stderr.write('usage: bundle.ts <workflowsPath> <outFile>\n');
    process.exit(2);
  }
  main(workflowsPath, out, modules).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
