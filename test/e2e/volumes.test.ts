import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { PersistentVolumeResult } from '../../runbooks/persistentVolume';
import type { ResizeVolumeResult } from '../../runbooks/resizeVolume';
import type { CompensationReport } from '../../workflows/kit/compensation';
import type { Progress } from '../../src/contracts';
import { RunbookInputError } from '../../src/temporal/control';
import { planThenRun, progressUntil, rejection, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// persistentVolume and resizeVolume end to end: the real dev server, the worker, a simulated cluster with Basic auth
// and a MOUNT disk on every agent.
describe('persistent volumes', () => {
  let env: RunbookEnv;
  let pool: { id: string; hostname: string }[];
  beforeAll(async () => {
    env = await runbookEnv({ agents: 14, tasksPerAgent: 1, frameworks: 1, mountDisksMb: [4096] }, { credentials: { principal: 'ops', secret: 'ops-secret' } });
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());

  const nextAgent = () => pool.shift()!;
  const MUTATING = new Set(['RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME']);
  const calls = (agentId: string) => env.sim.audit().filter((e) => MUTATING.has(e.call) && e.target === agentId).map((e) => `${e.call} ${e.outcome}`);
  const entry = async (agentId: string) => (await env.mesos.getAgents()).agents.find((a) => a.agent_info.id?.value === agentId)!;
  const volumes = async (agentId: string) =>
    (await entry(agentId)).total_resources
      .filter((r) => r.disk && (r.disk as { persistence?: unknown }).persistence)
      .map((r) => {
        const d = r.disk as { persistence: { id: string; principal?: string }; volume: { container_path: string }; source?: { type: string } };
        return { id: d.persistence.id, sizeMb: r.scalar?.value, path: d.volume.container_path, principal: d.persistence.principal, source: d.source?.type ?? 'ROOT' };
      });
  const reservedDisk = async (agentId: string, role: string) =>
    (await entry(agentId)).total_resources.filter((r) => r.name === 'disk' && r.reservations.at(-1)?.role === role && !r.disk).reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
  const failureOf = async (promise: Promise<unknown>) => {
    const err = (await promise.catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return err.cause as ApplicationFailure;
  };
  const dev = [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }];
  /** A volume made directly (for resizeVolume): `reserveMb` of dev's disk, `sizeMb` of it a volume. */
  async function volumeOn(agentId: string, id: string, sizeMb: number, reserveMb: number): Promise<void> {
    await env.mesos.reserveResources({ agentId, resources: [{ name: 'disk', type: 'SCALAR', scalar: { value: reserveMb }, reservations: dev }] });
    await env.mesos.createVolumes({ agentId, volumes: [{ name: 'disk', type: 'SCALAR', scalar: { value: sizeMb }, reservations: dev, disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } }] });
  }
  const volumeResource = (id: string, sizeMb: number) => ({ name: 'disk', type: 'SCALAR', scalar: { value: sizeMb }, reservations: dev, disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } });

  describe('persistentVolume', () => {
    it('present: reserves the disk for the role, creates the volume with the cluster\'s principal; again: nothing sent', async () => {
      const agent = nextAgent();
      const input = { hostname: agent.hostname, role: 'dev', persistenceId: 'pg-a', containerPath: 'data', sizeMb: 1024, state: 'present', reason: 'db' };
      const result = (await (await env.start('persistentVolume', input)).result()) as PersistentVolumeResult;
      expect(result).toMatchObject({ agentId: agent.id, persistenceId: 'pg-a', state: 'present', sizeMb: 1024 });
      expect(result.changes).toEqual([expect.stringMatching(/^RESERVE 1024 MB of disk for dev/), expect.stringMatching(/^CREATE_VOLUMES pg-a: 1024 MB/)]);
      expect(await volumes(agent.id)).toEqual([{ id: 'pg-a', sizeMb: 1024, path: 'data', principal: 'ops', source: 'ROOT' }]);
      expect(calls(agent.id)).toEqual(['RESERVE_RESOURCES applied', 'CREATE_VOLUMES applied']);
      const again = await env.start('persistentVolume', input);
      expect(((await again.result()) as PersistentVolumeResult).changes).toEqual([]);
      expect(calls(agent.id)).toHaveLength(2);
      const progress = await again.query<Progress>('progress');
      expect(progress.steps.slice(3).map((s) => `${s.name}: ${s.status}`)).toEqual(['reserve disk: skipped', 'create volume: skipped']);
    });

    it('present on a MOUNT disk uses it whole; another size is refused before any call', async () => {
      const agent = nextAgent();
      const refused = await failureOf((await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'm-a', containerPath: 'm', sizeMb: 1000, mountRoot: '/mnt/disk0', state: 'present', reason: 'mount' })).result());
      expect(refused.type).toBe('PREFLIGHT_FAILED');
      expect(refused.message).toMatch(/sizeMb: the MOUNT disk at \/mnt\/disk0 is used whole: give sizeMb 4096 \(not 1000\)/);
      expect(calls(agent.id)).toEqual([]);
      await (await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'm-a', containerPath: 'm', sizeMb: 4096, mountRoot: '/mnt/disk0', state: 'present', reason: 'mount' })).result();
      expect(await volumes(agent.id)).toEqual([{ id: 'm-a', sizeMb: 4096, path: 'm', principal: 'ops', source: 'MOUNT' }]);
    });

    it('present with a volume of that id but another size is refused, naming resizeVolume', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'pg-b', 64, 64);
      const before = calls(agent.id).length;
      const failure = await failureOf((await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'pg-b', containerPath: 'data', sizeMb: 128, state: 'present', reason: 'x' })).result());
      expect(failure.type).toBe('PREFLIGHT_FAILED');
      expect(failure.message).toMatch(/volume 'pg-b' of role 'dev' already exists with 64 MB \(not 128 MB\): change its size with resizeVolume/);
      expect(calls(agent.id)).toHaveLength(before);
    });

    it('absent: the approval must name the persistence id whatever requireApproval says; the reservation stays', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'pg-c', 256, 256);
      const handle = await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'pg-c', state: 'absent', reason: 'retire db' });
      const waiting = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      expect(waiting.events?.find((e) => e.kind === 'approvalAsked')).toMatchObject({ confirm: 'pg-c', what: expect.stringMatching(/destroy volume: DESTROY_VOLUMES pg-c \(256 MB at data; its data is lost/) });
      expect(await rejection(handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: 'ok' }] }))).toBe("confirm: this step needs the approval to name its target: give confirm 'pg-c'");
      await handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: 'ok', confirm: 'pg-c' }] });
      const result = (await handle.result()) as PersistentVolumeResult;
      expect(result).toMatchObject({ state: 'absent', note: 'the disk of pg-c stays reserved to dev: release it with updateReservations' });
      expect(await volumes(agent.id)).toEqual([]);
      expect(await reservedDisk(agent.id, 'dev')).toBe(256);
      expect(calls(agent.id).slice(2)).toEqual(['DESTROY_VOLUMES applied']);
    });

    it('absent while a task uses the volume: re-reads the state and names the task; nothing destroyed', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'pg-d', 128, 128);
      const handle = await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'pg-d', state: 'absent', reason: 'in use' });
      await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      const taskId = env.sim.launchTask({ agentId: agent.id, resources: [volumeResource('pg-d', 128)], name: 'postgres' });
      await handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: 'ok', confirm: 'pg-d' }] });
      const failure = await failureOf(handle.result());
      expect(failure.type).toBe('RESOURCES_IN_USE');
      expect(failure.message).toContain(`volume pg-d is in use by ${taskId} (framework`);
      expect(await volumes(agent.id)).toEqual([expect.objectContaining({ id: 'pg-d' })]);
      expect(calls(agent.id).slice(2)).toEqual([]);
      env.sim.finishTask(taskId);
    });

    it('a lost 202 does not create twice', async () => {
      const agent = nextAgent();
      env.sim.setFault({ rules: [{ calls: ['CREATE_VOLUMES'], api: 'master', responseLostRate: 1 }] });
      try {
        await (await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'pg-e', containerPath: 'data', sizeMb: 512, state: 'present', reason: 'lost' })).result();
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect(calls(agent.id)).toEqual(['RESERVE_RESOURCES applied', 'CREATE_VOLUMES applied-response-lost']);
      expect(await volumes(agent.id)).toEqual([expect.objectContaining({ id: 'pg-e', sizeMb: 512 })]);
    });

    it('a failure mid-way (CREATE_VOLUMES refused) releases the disk the run reserved', async () => {
      const agent = nextAgent();
      env.sim.setFault({ rules: [{ calls: ['CREATE_VOLUMES'], api: 'master', errorRate: 1, errorStatus: 409, errorBody: 'simulated conflict' }] });
      let failure: ApplicationFailure;
      try {
        failure = await failureOf((await env.start('persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'pg-f', containerPath: 'data', sizeMb: 300, state: 'present', reason: 'fails' })).result());
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect(failure.type).toBe('RESOURCES_IN_USE');
      expect(failure.message).toMatch(/simulated conflict/);
      const report = failure.details?.[0] as CompensationReport;
      expect(report.steps.map((s) => `${s.step}: ${s.outcome}`)).toEqual(['destroy volume: skipped', 'unreserve disk: done']);
      expect(await reservedDisk(agent.id, 'dev')).toBe(0);
      expect(calls(agent.id)).toEqual(['RESERVE_RESOURCES applied', 'CREATE_VOLUMES rejected', 'UNRESERVE_RESOURCES applied']);
    });

    it('refuses a bad input before the run starts, naming every field', async () => {
      const before = env.sim.audit().length;
      const err = (await env.runbooks.start('persistentVolume', { cluster: env.cluster, hostname: pool[0]!.hostname, role: 'dev', persistenceId: 'a/b', state: 'present', sizeMb: 0, reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(err).toBeInstanceOf(RunbookInputError);
      expect(err.problems).toEqual(["persistenceId: must not contain '/', '\\' or control characters", 'sizeMb: must be more than 0 MB', 'containerPath: required with state "present": where tasks see the volume, e.g. "data"']);
      const state = (await env.runbooks.start('persistentVolume', { cluster: env.cluster, hostname: pool[0]!.hostname, role: 'dev', persistenceId: 'x', state: 'gone', reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(state.problems).toEqual(['state: invalid value (allowed: "present", "absent")']);
      expect(env.sim.audit().length).toBe(before);
    });

    it('plans without changing anything, and the run does what the plan said', async () => {
      const agent = nextAgent();
      const { plan } = await planThenRun(env, 'persistentVolume', { agentId: agent.id, role: 'dev', persistenceId: 'pg-g', containerPath: 'data', sizeMb: 100, state: 'present', reason: 'plan = run' });
      expect(plan.steps.slice(3).map((s) => [s.name, s.skipBecause ?? s.action])).toEqual([
        ['reserve disk', expect.stringMatching(/: RESERVE 100 MB of disk for dev \(0 MB reserved and free already\)$/)],
        ['create volume', expect.stringMatching(/^CREATE_VOLUMES pg-g: 100 MB of dev's disk at data/)],
      ]);
    });
  });

  describe('resizeVolume', () => {
    it('grows, then shrinks, by the difference; at the target nothing is sent', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'rv-a', 1024, 2048);
      const grown = (await (await env.start('resizeVolume', { hostname: agent.hostname, role: 'dev', persistenceId: 'rv-a', targetSizeMb: 1536, reason: 'grow' })).result()) as ResizeVolumeResult;
      expect(grown).toEqual({ cluster: env.cluster, agentId: agent.id, hostname: agent.hostname, role: 'dev', persistenceId: 'rv-a', sizeMb: 1536, fromSizeMb: 1024, resized: true });
      expect(await volumes(agent.id)).toEqual([expect.objectContaining({ id: 'rv-a', sizeMb: 1536 })]);
      await (await env.start('resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-a', targetSizeMb: 1000, reason: 'shrink' })).result();
      expect(await volumes(agent.id)).toEqual([expect.objectContaining({ id: 'rv-a', sizeMb: 1000 })]);
      const same = (await (await env.start('resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-a', targetSizeMb: 1000, reason: 'again' })).result()) as ResizeVolumeResult;
      expect(same.resized).toBe(false);
      expect(calls(agent.id).slice(2)).toEqual(['GROW_VOLUME applied', 'SHRINK_VOLUME applied']);
    });

    it('a lost 202 does not grow twice', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'rv-b', 100, 400);
      env.sim.setFault({ rules: [{ calls: ['GROW_VOLUME'], api: 'master', responseLostRate: 1 }] });
      try {
        await (await env.start('resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-b', targetSizeMb: 250, reason: 'lost' })).result();
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect(calls(agent.id).slice(2)).toEqual(['GROW_VOLUME applied-response-lost']);
      expect(await volumes(agent.id)).toEqual([expect.objectContaining({ id: 'rv-b', sizeMb: 250 })]);
    });

    it('refuses what the master would refuse before any call: too little reserved disk free, a volume in use, a bad input', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'rv-c', 100, 150);
      const short = await failureOf((await env.start('resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-c', targetSizeMb: 500, reason: 'too big' })).result());
      expect(short.type).toBe('PREFLIGHT_FAILED');
      expect(short.message).toMatch(/growing by 400 MB needs that much disk reserved exactly as the volume \(dev\/ops\) on the same disk and free: 50 MB is \(reserve more with updateReservations\)/);
      const taskId = env.sim.launchTask({ agentId: agent.id, resources: [volumeResource('rv-c', 100)] });
      const used = await failureOf((await env.start('resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-c', targetSizeMb: 120, reason: 'in use' })).result());
      expect(used.message).toMatch(/volume rv-c is in use by a task/);
      env.sim.finishTask(taskId);
      expect(calls(agent.id).slice(2)).toEqual([]);
      const bad = (await env.runbooks.start('resizeVolume', { cluster: env.cluster, agentId: agent.id, role: 'dev', targetSizeMb: -5, reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(bad.problems).toEqual(['persistenceId: must be a persistence id string', 'targetSizeMb: must be more than 0 MB (to remove a volume, use persistentVolume with state "absent")']);
    });

    it('an abort while the resize is still pending resizes the volume back', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'rv-d', 200, 400);
      const timings = env.sim.model.timings;
      const pendingMs = timings.operationPendingMs;
      timings.operationPendingMs = 24 * 3600_000; // the agent never reports the operation finished
      try {
        const handle = await env.start('resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-d', targetSizeMb: 300, reason: 'abort me' });
        await progressUntil(handle, (p) => p.wait?.kind === 'mesos' && p.phase === 'resize');
        await handle.executeUpdate('abort', { args: [{ reason: 'wrong volume', by: 'alice' }] });
        const failure = await failureOf(handle.result());
        expect(failure.type).toBe('ABORTED');
        const report = failure.details?.[0] as CompensationReport;
        expect(report.steps).toEqual([{ step: 'resize back', outcome: 'done', note: expect.stringMatching(/^SHRINK_VOLUME rv-d by 100 MB: 300 MB → 200 MB accepted/) }]);
      } finally {
        timings.operationPendingMs = pendingMs;
      }
      expect(await volumes(agent.id)).toEqual([expect.objectContaining({ id: 'rv-d', sizeMb: 200 })]);
      expect(calls(agent.id).slice(2)).toEqual(['GROW_VOLUME applied', 'SHRINK_VOLUME applied']);
    });

    it('plans without changing anything, and the run does what the plan said', async () => {
      const agent = nextAgent();
      await volumeOn(agent.id, 'rv-e', 100, 300);
      const { plan } = await planThenRun(env, 'resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-e', targetSizeMb: 180, reason: 'plan = run' });
      expect(plan.checks.map((c) => c.name)).toEqual(['agent registered', 'agent can resize volumes', 'volume resizable']);
      expect(plan.steps.at(-1)).toEqual({ name: 'resize', action: expect.stringMatching(/: GROW_VOLUME rv-e by 80 MB: 100 MB → 180 MB$/) });
      const { plan: again } = await planThenRun(env, 'resizeVolume', { agentId: agent.id, role: 'dev', persistenceId: 'rv-e', targetSizeMb: 180, reason: 'plan = run, converged' });
      expect(again.steps.at(-1)?.skipBecause).toBe('volume rv-e is already 180 MB');
    });
  });
});
