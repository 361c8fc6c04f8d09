import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config';
import { DEFAULT_EXIT_MODEL, drainGraceSeconds } from '../../src/rehearsal/exit-model';
import { terminalSummary } from '../../src/rehearsal/render';
import { rehearse } from '../../src/rehearsal/rehearse';
import type { RehearsalReport } from '../../src/rehearsal/report';
import { readSnapshot, takeSnapshot, type Snapshot } from '../../src/rehearsal/snapshot';
import { simStateFromSnapshot } from '../../src/rehearsal/world';
import { startCluster, type AuditEntry, type SimCluster } from '../../src/sim';
import { bundleInChildProcess } from '../../src/temporal/bundle';
import { runbookEnv } from '../helpers/runbook-env';
import { uniqueName } from '../helpers/temporal';

/**
 * Rehearsal end to end (docs/rehearsal.md): a snapshot saved from a simulated "production" cluster, rehearsed in
 * this process (its own simulator, dev server and worker), compared with a real run of the same input on a
 * simulator loaded from the same snapshot (the shared dev server, a worker of the test's).
 */
describe('rehearsal', () => {
  const SECRET = 'pw-rehearsal-9f3c1';
  let prod: SimCluster;
  let dir: string;
  let snapshot: Snapshot;
  let bundle: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-test-'));
    [prod, bundle] = await Promise.all([
      startCluster({ agents: 6, tasksPerAgent: 2, frameworks: 1, seed: 7, credentials: [{ principal: 'ops', secret: SECRET }] }),
      bundleInChildProcess(require.resolve('../../runbooks')),
    ]);
    process.env.REHEARSAL_TEST_SECRET = SECRET;
    const config = parseConfig({ clusters: { prod: { masters: prod.masters, credentials: { kind: 'basic', principal: 'ops', secret: { env: 'REHEARSAL_TEST_SECRET' } } } } });
    await takeSnapshot({ config, cluster: 'prod', outDir: path.join(dir, 'snap') });
    snapshot = readSnapshot(path.join(dir, 'snap'));
  });
  afterAll(async () => {
    await prod?.stop();
    if (bundle) rmSync(path.dirname(bundle), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const zoneOf = (hostname: string) => {
    const state = snapshot.responses.GET_STATE as { get_state: { get_agents: { agents: { agent_info: { hostname: string; attributes?: { name: string; text?: { value: string } }[] } }[] } } };
    return state.get_state.get_agents.agents.find((a) => a.agent_info.hostname === hostname)?.agent_info.attributes?.find((x) => x.name === 'zone')?.text?.value;
  };
  const hostOf = (agentId: string) => {
    const state = snapshot.responses.GET_STATE as { get_state: { get_agents: { agents: { agent_info: { hostname: string; id: { value: string } } }[] } } };
    return state.get_state.get_agents.agents.find((a) => a.agent_info.id.value === agentId)?.agent_info.hostname;
  };
  /**
   * How long a drain of `hostname` with max_grace_period `maxGrace` takes under the default model (SIGKILL at the
   * end of the grace period): its slowest task's grace period in the drain.
   */
  const drainSecondsOf = (hostname: string, maxGrace: number) => {
    const state = snapshot.responses.GET_STATE as { get_state: { get_tasks: { tasks: { agent_id: { value: string }; state: string; kill_policy?: { grace_period?: { nanoseconds: unknown } } }[] } } };
    const graces = state.get_state.get_tasks.tasks
      .filter((t) => t.state === 'TASK_RUNNING' && hostOf(t.agent_id.value) === hostname)
      .map((t) => drainGraceSeconds(t.kill_policy?.grace_period ? Number(String(t.kill_policy.grace_period.nanoseconds)) / 1e9 : undefined, maxGrace));
    return Math.max(0, ...graces);
  };

  describe('rollingMaintenance with 10-minute soaks at --speed 60, and a real run on the simulator from the same snapshot', () => {
    const SOAK = 600;
    const input = {
      agents: { all: true },
      groupBy: 'zone',
      batchSize: 2,
      soakSeconds: SOAK,
      gates: { minActiveShare: 0.5 },
      reason: 'kernel upgrade',
      perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 30, reactivate: true },
    };
    let report: RehearsalReport;
    let wallMs: number;
    let realCalls: AuditEntry[];
    let realResult: { batches: number; done: number };
    let realBatches: string[][];

    beforeAll(async () => {
      // The real run first: a simulator loaded from the snapshot with the same exit model, the same input, at ten
      // times the rehearsal's speed (its calls and batches do not depend on it), so the timed rehearsal runs alone.
      const real = await runbookEnv(
        {
          ...simStateFromSnapshot(snapshot),
          timeScale: 600,
          agentReturnDelaySeconds: 5,
          taskExitSeconds: DEFAULT_EXIT_MODEL,
        },
        { workerTimeScale: 600, workflowBundlePath: bundle },
      );
      try {
        const handle = await real.start('rollingMaintenance', input, uniqueName('roll'));
        realResult = (await handle.result()) as { batches: number; done: number };
        const details = (await handle.query<{ details: { batches: { machines: { hostname: string }[] }[] } }>('progress')).details;
        realBatches = details.batches.map((b) => b.machines.map((m) => m.hostname));
        realCalls = real.sim.audit();
      } finally {
        await real.stop();
      }

      const started = Date.now();
      report = (await rehearse({ runbook: 'rollingMaintenance', input: { cluster: 'prod', ...input }, snapshotDir: snapshot.dir, speed: 60, initiator: 'alice', workflowBundlePath: bundle, outDir: path.join(dir, 'reports') })).report;
      wallMs = Date.now() - started;
    }, 100_000);

    /** A batch's changes as a set (its machines' runs start together), the batches in order. */
    const changesByBatch = (calls: { call: string; target?: string }[], batches: string[][]) =>
      batches.map((hosts) =>
        calls
          .filter((c) => (c.call === 'DRAIN_AGENT' || c.call === 'REACTIVATE_AGENT') && hosts.includes(hostOf(c.target ?? '') ?? ''))
          .map((c) => `${c.call} ${hostOf(c.target!)}`)
          .sort(),
      );

    it('reports the same batches and the same Mesos calls, with their answers, as the real run', () => {
      expect(report.outcome).toBe('done');
      expect(report.result).toMatchObject({ batches: realResult.batches, done: realResult.done, failed: 0 });
      const batches = report.batches!.map((b) => b.machines.map((m) => m.hostname));
      expect(batches).toEqual(realBatches);
      expect(batches).toHaveLength(3);
      for (const b of batches) expect(new Set(b.map(zoneOf)).size).toBe(1); // grouped by zone
      // Every change, in order of batch, the same as the real run's; every one applied (200) in both.
      expect(changesByBatch(report.mesosCalls, batches)).toEqual(changesByBatch(realCalls, realBatches));
      expect(report.mesosCalls.map((c) => c.call).sort()).toEqual(realCalls.map((c) => c.call).sort());
      expect(report.mesosCalls.every((c) => c.status === 200 && c.outcome !== 'rejected')).toBe(true);
      expect(realCalls.every((c) => c.status === 200 && c.outcome !== 'rejected')).toBe(true);
      // A batch's changes come after the previous batch's: the calls are reported in the order Mesos received them.
      const seqOfBatch = (i: number) => report.mesosCalls.filter((c) => batches[i]!.includes(hostOf(c.target ?? '') ?? '')).map((c) => c.seq);
      expect(Math.max(...seqOfBatch(0))).toBeLessThan(Math.min(...seqOfBatch(1)));
      expect(Math.max(...seqOfBatch(1))).toBeLessThan(Math.min(...seqOfBatch(2)));
      // Each gate was open: nothing held a batch.
      for (const b of report.batches!) {
        expect(b.gates.map((g) => `${g.name}:${g.open}`)).toEqual(['minActiveShare:true']);
        expect(b.blockedBy).toEqual([]);
      }
      // The machines out over time: never more than a batch.
      expect(report.timeline.maxOut.out).toBe(2);
      expect(report.timeline.machines).toHaveLength(6);
      expect(report.timeline.machines.every((m) => m.back)).toBe(true);
    });

    it('finishes in under a minute, the predicted duration within 10% of the real-time prediction', () => {
      expect(wallMs).toBeLessThan(60_000);
      // The real-time prediction: the two soaks between the three batches, and each batch's drain, which lasts as
      // long as its slowest task's kill under the default exit model (SIGKILL at the end of its grace period in the
      // drain: its own, or the drain's max_grace_period of 30 s when that is shorter or the task has none).
      const batches = report.batches!.map((b) => b.machines.map((m) => m.hostname));
      const drains = batches.map((hosts) => Math.max(...hosts.map((h) => drainSecondsOf(h, 30))));
      const expected = 2 * SOAK + drains.reduce((a, b) => a + b, 0);
      const error = Math.abs(report.predicted.seconds - expected) / expected;
      process.stdout.write(`speed-60 roll rehearsed in ${(wallMs / 1000).toFixed(1)} s; predicted ${report.predicted.seconds} s, real-time prediction ${expected} s (error ${(error * 100).toFixed(1)}%)\n`);
      expect(error).toBeLessThan(0.1);
      // The soak itself, between one batch's end and the next one's start, is 10 minutes in the report's time.
      const [b1, b2] = report.batches!;
      expect(b2!.start! - b1!.end!).toBeGreaterThanOrEqual(SOAK * 0.95);
      expect(b2!.start! - b1!.end!).toBeLessThan(SOAK * 1.1);
      expect(report.predicted.text).toMatch(/^2\d min/);
    });
  });

  it('a rehearsal that would breach a gate says which machines and which gate', async () => {
    const { report, files } = await rehearse({
      runbook: 'rollingMaintenance',
      input: { cluster: 'prod', agents: { all: true }, groupBy: 'zone', batchSize: 2, gates: { minActiveShare: 0.8, timeoutMinutes: 2 }, reason: 'kernel upgrade', perAgent: { runbook: 'drainAgent', reactivate: true } },
      snapshotDir: snapshot.dir,
      speed: 60,
      initiator: 'alice',
      workflowBundlePath: bundle,
      outDir: path.join(dir, 'reports'),
    });
    expect(report.outcome).toBe('stuck');
    expect(report.mesosCalls).toEqual([]); // it never drained anything
    const first = report.batches![0]!;
    const hosts = first.machines.map((m) => m.hostname);
    expect(hosts).toHaveLength(2);
    expect(first.blockedBy).toEqual([{ gate: 'minActiveShare', reason: '4 of 6 agents would stay active (66.7%), below the minimum of 80%' }]);
    // Blocked for the gates' timeout (2 min), then stuck: the rehearsal answered abort.
    expect(first.blockedSeconds).toBeGreaterThanOrEqual(120);
    expect(first.blockedSeconds).toBeLessThan(150);
    expect(report.stuck).toEqual([expect.objectContaining({ what: 'the gates of batch 1 (minActiveShare)', answer: 'abort', diagnosis: expect.stringContaining('minActiveShare closed: 4 of 6 agents would stay active') })]);
    const summary = terminalSummary(report, files);
    expect(summary).toContain(`batch 1 (${hosts.join(', ')}): gate minActiveShare closed — 4 of 6 agents would stay active (66.7%), below the minimum of 80%`);
  }, 60_000);

  it("--speed scales the window too: a roll that would not fit pauses where it would, with the window's time left", async () => {
    const { report } = await rehearse({
      runbook: 'rollingMaintenance',
      input: {
        cluster: 'prod',
        agents: { all: true },
        groupBy: 'zone',
        batchSize: 2,
        soakSeconds: 1_200,
        window: { notBefore: '2026-12-08T22:00:00+01:00', notAfter: '2026-12-08T22:25:00+01:00', timeZone: 'Europe/Berlin', minRemainingMinutes: 5 },
        reason: 'kernel upgrade',
        perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 30, reactivate: true },
      },
      snapshotDir: snapshot.dir,
      speed: 60,
      at: '2026-12-08T22:00:00+01:00',
      initiator: 'alice',
      workflowBundlePath: bundle,
      outDir: path.join(dir, 'reports'),
    });
    // Batch 1 (under a minute), the 20-min soak, then less than the 5-min cutoff is left of the 25-min window. (The
    // run judges the window on its own clock, ahead of the predicted time by its engine's time × 59: the room
    // before batch 1 keeps a loaded machine from pausing it there.)
    expect(report.outcome).toBe('paused at window end');
    expect(report.batches!.map((b) => b.status)).toEqual(['done', 'pending', 'pending']);
    expect(report.mesosCalls).toHaveLength(4);
    expect(report.windowPauses).toHaveLength(1);
    const pause = report.windowPauses[0]!;
    expect(pause.notAfter).toBe('2026-12-08T22:25:00+01:00');
    expect(pause.t).toBeGreaterThan(1_200);
    expect(pause.leftSeconds).toBeGreaterThan(0);
    expect(pause.leftSeconds).toBeLessThan(300);
    // The run's own words, on its clock: less than the cutoff left, or (its clock being ahead) the window over.
    expect(pause.reason).toMatch(/less than the 5 min cutoff|^the window ended at /);
    expect(report.rewrites).toEqual(expect.arrayContaining([expect.stringMatching(/^window\.notAfter 2026-12-08T22:25:00\+01:00 runs as .* on the rehearsal's clock/)]));
  }, 60_000);

  it('no request leaves loopback: every connection the rehearsal opens is to 127.0.0.0/8', async () => {
    const attempts: string[] = [];
    const connect = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const o = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: string; port?: unknown; path?: string };
      attempts.push(o.path !== undefined ? `ipc:${o.path}` : `${o.host ?? 'localhost'}:${String(o.port)}`);
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
    try {
      // The guard sees a connection to anywhere: a probe to TEST-NET-1 (never answered), closed at once.
      net.connect({ host: '192.0.2.1', port: 9 }).on('error', () => undefined).destroy();
      expect(attempts).toEqual(['192.0.2.1:9']);
      attempts.length = 0;
      // A roll whose input names a health check on the real network: the rehearsal must answer it itself.
      const { report } = await rehearse({
        runbook: 'rollingMaintenance',
        input: { cluster: 'prod', agents: { attributes: { zone: 'zone-a' } }, batchSize: 1, gates: { healthCheckUrl: 'https://health.prod.example.com/ok' }, reason: 'kernel upgrade', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 5, reactivate: true } },
        snapshotDir: snapshot.dir,
        speed: 60,
        initiator: 'alice',
        workflowBundlePath: bundle,
        outDir: path.join(dir, 'reports'),
      });
      expect(report.outcome).toBe('done');
      expect(report.standIns).toEqual([expect.objectContaining({ url: 'https://health.prod.example.com/ok', answered: 200 })]);
      expect(report.standIns[0]!.calls).toBeGreaterThan(0);
      expect(attempts.length).toBeGreaterThan(0); // the worker's Mesos calls and the stand-in's
      const away = attempts.filter((a) => !/^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\]):/.test(a) && !a.startsWith('ipc:'));
      expect(away).toEqual([]);
      // And the real cluster was not asked anything: its audit log has no change since the snapshot.
      expect(prod.audit()).toEqual([]);
    } finally {
      net.Socket.prototype.connect = connect;
    }
  }, 60_000);
});
