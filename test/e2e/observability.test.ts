import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config';
import { Observability } from '../../src/observability';
import { freePort } from '../../src/temporal/free-port';
import { RunbookClient } from '../../src/temporal/control';
import { createRunbookWorker } from '../../src/worker';
import { eventually, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { temporalAddress } from '../helpers/temporal';

// Metrics scraped for real over HTTP from a worker process of its own; traces checked with an in-memory exporter.
const root = path.resolve(__dirname, '../..');

/** The value of one sample line (`name{labels} value`) of a Prometheus text page, or undefined. */
function sample(page: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('observability', () => {
  let env: RunbookEnv;
  let agents: { id: string; hostname: string }[];
  const framework = () => [...env.sim.model.frameworks.values()][0];

  beforeAll(async () => {
    env = await runbookEnv({ agents: 4, tasksPerAgent: 1 }, { startWorker: false });
    agents = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq).map((a) => ({ id: a.id, hostname: a.hostname }));
  });
  afterAll(() => env?.stop());
  afterEach(() => env.sim.setFrameworkAcknowledges(framework().id, true));

  it('a worker process serves /metrics: runs, waits, leases, Mesos calls, watcher reads and the SDK runtime metrics; logs carry run ids', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mr-metrics-'));
    const port = await freePort();
    const configFile = path.join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        temporal: { address: temporalAddress().address, taskQueue: env.taskQueue },
        clusters: { [env.cluster]: { masters: env.sim.masters } },
        observability: { metrics: { bindAddress: `127.0.0.1:${port}` }, logging: { level: 'debug' } },
      }),
    );
    let stdout = '';
    let stderr = '';
    const child: ChildProcess = spawn(process.execPath, [path.join(root, 'bin/mesos-runbooks.js'), '--config', configFile, 'worker'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    try {
      await eventually('the worker process to serve', () => /worker serving task queue/.test(stderr) || child.exitCode !== null, 60_000);
      expect(child.exitCode).toBeNull();
      const agent = agents.shift()!;
      env.sim.setFrameworkAcknowledges(framework().id, false);
      const handle = await env.start('drainAgent', { agentId: agent.id, reason: 'metrics test', maxGracePeriodSeconds: 1, reactivate: true });
      await progressUntil(handle, (p) => p.phase === 'wait for DRAINED', 60_000);

      // While the run waits: its lease and its wait, read from the cluster's entity workflows at the scrape.
      let during = '';
      await eventually('the wait in the watcher', async () => {
        during = await scrape();
        return sample(during, 'mesos_runbooks_waits', { cluster: env.cluster, kind: 'agentDrained' }) === 1;
      });
      expect(sample(during, 'mesos_runbooks_leases_held', { cluster: env.cluster })).toBe(1);
      expect(sample(during, 'mesos_runbooks_wait_oldest_age_seconds', { kind: 'agentDrained' })).toBeGreaterThanOrEqual(0);
      expect(sample(during, 'mesos_runbooks_runs_started_total', { runbook: 'drainAgent' })).toBe(1);

      env.sim.setFrameworkAcknowledges(framework().id, true);
      await expect(handle.result()).resolves.toMatchObject({ finalState: 'REACTIVATED' });
      let after = '';
      await eventually('the finished run in the metrics', async () => {
        after = await scrape();
        return sample(after, 'mesos_runbooks_runs_finished_total', { runbook: 'drainAgent', outcome: 'completed', failure: '' }) === 1;
      });
      const drainStatus = [...after.matchAll(/^mesos_runbooks_mesos_calls_total\{[^}]*call="DRAIN_AGENT"[^}]*status="(\d+)"[^}]*\} 1$/gm)].map((m) => m[1]);
      expect(drainStatus).toHaveLength(1);
      expect(Number(drainStatus[0])).toBeGreaterThanOrEqual(200);
      expect(sample(after, 'mesos_runbooks_mesos_call_duration_seconds_count', { cluster: env.cluster, call: 'REACTIVATE_AGENT' })).toBe(1);
      expect(sample(after, 'mesos_runbooks_watcher_reads_total', { cluster: env.cluster })).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'mesos_runbooks_wait_duration_seconds_count', { kind: 'agentDrained', outcome: 'signalled' })).toBe(1);
      expect(sample(after, 'mesos_runbooks_run_duration_seconds_count', { runbook: 'drainAgent', outcome: 'completed' })).toBe(1);
      expect(sample(after, 'mesos_runbooks_leases_held', { cluster: env.cluster })).toBe(0);
      expect(sample(after, 'mesos_runbooks_wait_oldest_age_seconds', { kind: 'agentDrained' })).toBeUndefined();
      // The Temporal SDK's own metrics, merged into the same page.
      expect(after).toMatch(/^temporal_workflow_completed\{.*\} [1-9]/m);
      expect(after).toMatch(/^process_cpu_user_seconds_total /m);

      // Every metric the Grafana dashboard (deploy/grafana) queries is served.
      const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana/dashboards/mesos-runbooks.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
      const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(?:mesos_runbooks|temporal)_\w+/g)].map((m) => m[0]))));
      expect(queried.size).toBeGreaterThan(10);
      const served = new Set(`${during}\n${after}`.split('\n').map((l) => /^([a-zA-Z_:][\w:]*)[{ ]/.exec(l)?.[1]).filter(Boolean));
      expect([...queried].filter((name) => !served.has(name))).toEqual([]);

      // Structured logs: JSON lines, the run's own carrying its workflow and run ids.
      const runId = (await handle.describe()).runId;
      const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const ofRun = lines.filter((l) => l.workflowId === handle.workflowId && (l.runId === runId || l.workflowRunId === runId));
      expect(ofRun.map((l) => l.msg)).toEqual(expect.arrayContaining(['Workflow started', 'Activity completed']));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(undefined)));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("one trace holds a run's workflow, its activities and its Mesos calls", async () => {
    const exporter = new InMemorySpanExporter();
    const discard = new Writable({ write: (_chunk, _enc, done) => done() });
    const config = parseConfig({ temporal: { taskQueue: env.taskQueue }, clusters: { [env.cluster]: { masters: env.sim.masters } } });
    const observability = await Observability.start(config, { spanProcessor: new SimpleSpanProcessor(exporter), installRuntime: false, logDestination: discard });
    const client = new Client({ connection: env.client.connection, namespace: env.client.options.namespace, interceptors: observability.clientInterceptors() });
    const worker = await createRunbookWorker({ config, connection: env.connection, taskQueue: env.taskQueue, client, observability });
    const running = worker.run();
    try {
      const agent = agents.shift()!;
      const started = await new RunbookClient({ client, taskQueue: env.taskQueue, clusters: env.clusters }).start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'trace test', maxGracePeriodSeconds: 1, reactivate: true }, { idSuffix: `trace-${Date.now()}` });
      const handle = client.workflow.getHandle(started.workflowId);
      await handle.result();
      const root = () => exporter.getFinishedSpans().find((s) => s.name === 'StartWorkflow:drainAgent');
      await eventually('the run span exported', () => {
        const start = root();
        return Boolean(start && exporter.getFinishedSpans().some((s) => s.name === 'RunWorkflow:drainAgent' && s.spanContext().traceId === start.spanContext().traceId));
      });
      const traceId = root()!.spanContext().traceId;
      const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const names = new Set(spans.map((s) => s.name));
      expect([...names]).toEqual(expect.arrayContaining(['StartWorkflow:drainAgent', 'RunWorkflow:drainAgent', 'StartActivity:drainAgent', 'RunActivity:drainAgent', 'mesos DRAIN_AGENT', 'mesos REACTIVATE_AGENT']));
      // Each Mesos span is a child of the activity that made the call.
      const drain = spans.find((s) => s.name === 'mesos DRAIN_AGENT')!;
      const parent = spans.find((s) => s.spanContext().spanId === drain.parentSpanId);
      expect(parent?.name).toBe('RunActivity:drainAgent');
      expect(drain.attributes).toMatchObject({ 'mesos.cluster': env.cluster, 'mesos.call': 'DRAIN_AGENT' });
    } finally {
      await worker.shutdown();
      await running.catch(() => undefined);
      await observability.close();
    }
  }, 120_000);
});
