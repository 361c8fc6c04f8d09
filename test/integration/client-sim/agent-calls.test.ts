/**
 * The typed AgentClient (built with `master.agent(entry)`) against the simulator's agents over real HTTP: every
 * agent call, with real short processes for the container calls.
 */
import { AgentClient, MasterClient, type Agent, type ContainerIdInput, type OutputChunk } from '../../../src/mesos';
import type { SimCluster } from '../../../src/sim';
import { clientFor, expectMesosError, idOf, startSim, until } from './helpers';

/** Agent call types this file exercises through the client (checked by coverage.test.ts). */
export const EXERCISED_AGENT_CALLS = [
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_CONTAINERS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_AGENT',
  'GET_RESOURCE_PROVIDERS',
  'LAUNCH_NESTED_CONTAINER',
  'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION',
  'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT',
  'LAUNCH_CONTAINER',
  'WAIT_CONTAINER',
  'KILL_CONTAINER',
  'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG',
  'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE',
  'PRUNE_IMAGES',
] as const;

const SECOND = 1_000_000_000n;

/** Collects an output stream in the background. */
function collect(stream: AsyncIterable<OutputChunk>): { chunks: OutputChunk[]; text: (s: 'STDOUT' | 'STDERR') => string; done: Promise<void> } {
  const chunks: OutputChunk[] = [];
  const done = (async () => {
    for await (const c of stream) chunks.push(c);
  })();
  return {
    chunks,
    text: (s) => Buffer.concat(chunks.filter((c) => c.stream === s).map((c) => c.data)).toString('utf8'),
    done,
  };
}

describe('AgentClient against the simulator', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  let entry: Agent;
  /** Until the agent holds a WAIT for the container (a terminated standalone container answers WAIT with 404). */
  const waiterRegistered = (c: ContainerIdInput) =>
    until(() => (sim.runtime.agentNodes.get(idOf(entry))?.containers.get(c)?.waiters.length ?? 0) > 0, 'WAIT registered');
  let agent: AgentClient;
  let executor: string;

  const nested = (value: string): ContainerIdInput => ({ value, parent: { value: executor } });

  beforeAll(async () => {
    sim = await startSim({ agents: 2, tasksPerAgent: 2, relaunchTasks: false });
    mesos = clientFor(sim);
    entry = (await mesos.getAgents()).agents[0] as Agent;
    agent = mesos.agent(entry);
    const { containers } = await agent.getContainers();
    executor = containers[0]?.container_id.value as string;
  });
  afterAll(async () => {
    await agent.close();
    await mesos.close();
    await sim.stop();
  });

  describe('reads', () => {
    it('master.agent(entry) targets the agent\'s own loopback address from its pid', () => {
      expect(agent.url).toBe(`http://${(entry.pid ?? '').split('@')[1] ?? ''}`);
      expect(sim.agents).toContain(agent.url);
      expect(new URL(agent.url).hostname).not.toBe('127.0.0.1');
    });

    it('GET_HEALTH, GET_VERSION, GET_FLAGS', async () => {
      await expect(agent.getHealth()).resolves.toEqual({ healthy: true });
      expect((await agent.getVersion()).version_info.version).toBe('1.11.0');
      const flags = new Map((await agent.getFlags()).flags.map((f) => [f.name, f.value]));
      expect(flags.get('hostname')).toBe(entry.agent_info.hostname);
      expect(flags.get('port')).toBe(new URL(agent.url).port);
    });

    it('GET_METRICS counts the agent\'s running tasks', async () => {
      const { metrics } = await agent.getMetrics({ timeoutNanoseconds: 2n * SECOND });
      const byName = new Map(metrics.map((m) => [m.name, m.value]));
      expect(byName.get('slave/registered')).toBe(1);
      expect(byName.get('slave/tasks_running')).toBe(2);
    });

    it('GET_STATE, GET_TASKS, GET_FRAMEWORKS, GET_EXECUTORS agree with the master', async () => {
      const masterTasks = (await mesos.getTasks()).tasks.filter((t) => t.agent_id.value === idOf(entry));
      const state = await agent.getState();
      const tasks = await agent.getTasks();
      expect(tasks.launched_tasks.map((t) => t.task_id.value).sort()).toEqual(masterTasks.map((t) => t.task_id.value).sort());
      expect(state.get_tasks.launched_tasks.map((t) => t.task_id.value).sort()).toEqual(masterTasks.map((t) => t.task_id.value).sort());
      const fws = await agent.getFrameworks();
      expect(fws.frameworks.map((f) => f.framework_info.id?.value)).toEqual([...new Set(masterTasks.map((t) => t.framework_id.value))]);
      const ex = await agent.getExecutors();
      expect(ex.executors).toHaveLength(2);
      expect(state.get_executors.executors).toHaveLength(2);
    });

    it('GET_AGENT is the agent\'s own view; GET_OPERATIONS and GET_RESOURCE_PROVIDERS parse empty', async () => {
      const ga = await agent.getAgent();
      expect(ga.agent_info.id?.value).toBe(idOf(entry));
      expect(ga.agent_info.hostname).toBe(entry.agent_info.hostname);
      expect(ga.drain_config).toBeUndefined();
      expect((await agent.getOperations()).operations).toEqual([]);
      expect((await agent.getResourceProviders()).resource_providers).toEqual([]);
    });

    it('GET_CONTAINERS lists the executor containers by default', async () => {
      const { containers } = await agent.getContainers();
      expect(containers).toHaveLength(2);
      for (const c of containers) {
        expect(c.framework_id?.value).toBeDefined();
        expect(c.executor_id?.value).toBeDefined();
      }
    });

    it('SET_LOGGING_LEVEL / GET_LOGGING_LEVEL on the agent (independent of the master)', async () => {
      await agent.setLoggingLevel({ level: 1, durationNanoseconds: 3600n * SECOND });
      expect((await agent.getLoggingLevel()).level).toBe(1);
      expect((await mesos.getLoggingLevel()).level).toBe(0);
      await agent.setLoggingLevel({ level: 0, durationNanoseconds: 1n });
      expect((await agent.getLoggingLevel()).level).toBe(0);
    });
  });

  describe('files', () => {
    it('LIST_FILES / READ_FILE of /slave/log', async () => {
      const { file_infos } = await agent.listFiles({ path: '/slave/log' });
      expect(file_infos.map((f) => f.path)).toEqual(['/slave/log']);
      const r = await agent.readFile({ path: '/slave/log', offset: 0 });
      expect(r.size).toBe(file_infos[0]?.size);
      expect(Buffer.from(r.data, 'base64').toString('utf8')).toContain(idOf(entry));
    });

    it('LIST_FILES / READ_FILE of an executor sandbox (runs/latest)', async () => {
      const task = (await agent.getTasks()).launched_tasks[0];
      const fid = task?.framework_id.value as string;
      const eid = task?.executor_id?.value ?? (task?.task_id.value as string);
      const base = `/frameworks/${fid}/executors/${eid}/runs/latest`;
      const { file_infos } = await agent.listFiles({ path: base });
      expect(file_infos.map((f) => f.path)).toEqual([`${base}/stderr`, `${base}/stdout`]);
      const out = await agent.readFile({ path: `${base}/stdout`, offset: 0 });
      expect(Buffer.from(out.data, 'base64').toString('utf8')).toContain(`Starting task ${task?.task_id.value ?? ''}`);
      await expectMesosError(agent.readFile({ path: base }), 'MESOS_BAD_REQUEST', 400, 'Cannot read a directory.');
      await expectMesosError(agent.listFiles({ path: '/frameworks/nope/executors/nope/runs/latest' }), 'MESOS_NOT_FOUND', 404);
    });
  });

  describe('sandbox paths', () => {
    /** An executor of the agent: its framework, executor and container ids, and its virtual sandbox path. */
    const anExecutor = async () => {
      const c = (await agent.getContainers()).containers[0];
      const fid = c?.framework_id?.value as string;
      const eid = c?.executor_id?.value as string;
      return { fid, eid, cid: c?.container_id.value as string };
    };

    it('an executor sandbox is also listed under runs/<container id>', async () => {
      const { fid, eid, cid } = await anExecutor();
      const { file_infos } = await agent.listFiles({ path: `/frameworks/${fid}/executors/${eid}/runs/${cid}` });
      expect(file_infos.map((f) => f.path.split('/').pop())).toEqual(['stderr', 'stdout']);
    });

    // Spec §9 LIST_FILES/READ_FILE: executor sandboxes are attached at their virtual path and at their real path.
    it('an executor sandbox is readable at its real absolute path', async () => {
      const { fid, eid, cid } = await anExecutor();
      const workDir = (await agent.getFlags()).flags.find((f) => f.name === 'work_dir')?.value as string;
      const real = `${workDir}/slaves/${idOf(entry)}/frameworks/${fid}/executors/${eid}/runs/${cid}`;
      const { file_infos } = await agent.listFiles({ path: real });
      expect(file_infos.map((f) => f.path)).toEqual([`${real}/stderr`, `${real}/stdout`]);
      const out = await agent.readFile({ path: `${real}/stdout`, offset: 0 });
      expect(Buffer.from(out.data, 'base64').toString('utf8')).toContain('Starting task');
    });
  });

  describe('containers', () => {
    it('LAUNCH_NESTED_CONTAINER runs a real command; WAIT_NESTED_CONTAINER gives the raw wait status; REMOVE_NESTED_CONTAINER', async () => {
      const id = nested('exit-3');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'echo hello; exit 3' } });
      const w = await agent.waitNestedContainer({ containerId: id });
      expect(w.exit_status).toBe(768);
      // Terminated: no longer a live container, but its exit status is kept until REMOVE.
      const listed = (await agent.getContainers({ showNested: true })).containers.map((c) => c.container_id.value);
      expect(listed).not.toContain('exit-3');
      expect((await agent.waitNestedContainer({ containerId: id })).exit_status).toBe(768);
      await agent.removeNestedContainer({ containerId: id });
      await expectMesosError(agent.waitNestedContainer({ containerId: id }), 'MESOS_NOT_FOUND', 404);
    });

    it('KILL_NESTED_CONTAINER with SIGTERM → wait status 15; a second kill is 404; REMOVE while running is 500', async () => {
      const id = nested('sleeper');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'sleep 30' } });
      await expectMesosError(agent.removeNestedContainer({ containerId: id }), 'MESOS_SERVER_ERROR', 500, 'Nested container has not terminated yet');
      const waiting = agent.waitNestedContainer({ containerId: id });
      await agent.killNestedContainer({ containerId: id, signal: 15 });
      expect((await waiting).exit_status).toBe(15);
      await expectMesosError(agent.killNestedContainer({ containerId: id }), 'MESOS_NOT_FOUND', 404, 'cannot be found (or is already killed)');
      await agent.removeNestedContainer({ containerId: id });
    });

    it('LAUNCH_NESTED_CONTAINER without a parent is a 400', async () => {
      await expectMesosError(agent.launchNestedContainer({ containerId: { value: 'orphan' }, command: { value: 'true' } }), 'MESOS_BAD_REQUEST', 400, 'parent');
    });

    it('LAUNCH_CONTAINER (standalone) → WAIT_CONTAINER; relaunching the same id is accepted (202); KILL/REMOVE_CONTAINER', async () => {
      const id = { value: 'standalone-1' };
      await agent.launchContainer({ containerId: id, command: { value: 'sleep 30' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] });
      await agent.launchContainer({ containerId: id, command: { value: 'sleep 30' } });
      const audit = sim.audit().filter((e) => e.call === 'LAUNCH_CONTAINER');
      expect(audit.map((e) => e.status)).toEqual([200, 202]);
      const listed = (await agent.getContainers({ showStandalone: true })).containers;
      const mine = listed.find((c) => c.container_id.value === 'standalone-1');
      expect(mine).toBeDefined();
      expect(mine?.framework_id).toBeUndefined();
      const waiting = agent.waitContainer({ containerId: id });
      await waiterRegistered(id);
      await agent.killContainer({ containerId: id, signal: 9 });
      expect((await waiting).exit_status).toBe(9);
      await agent.removeContainer({ containerId: id });
      await expectMesosError(agent.waitContainer({ containerId: id }), 'MESOS_NOT_FOUND', 404);
      await expectMesosError(agent.killContainer({ containerId: id }), 'MESOS_NOT_FOUND', 404);
    });

    it('LAUNCH_CONTAINER with reserved resources for a standalone container is a 400', async () => {
      await expectMesosError(
        agent.launchContainer({
          containerId: { value: 'standalone-bad' },
          command: { value: 'true' },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'ops' }] }],
        }),
        'MESOS_BAD_REQUEST',
        400,
      );
    });

    it('LAUNCH_NESTED_CONTAINER_SESSION streams STDOUT and STDERR, then the container is destroyed', async () => {
      const id = nested('session-1');
      const out = collect(agent.launchNestedContainerSession({ containerId: id, command: { value: 'echo out-line; echo err-line 1>&2' } }));
      await out.done;
      expect(out.text('STDOUT')).toBe('out-line\n');
      expect(out.text('STDERR')).toBe('err-line\n');
      const nestedIds = (await agent.getContainers({ showNested: true })).containers.map((c) => c.container_id.value);
      expect(nestedIds).not.toContain('session-1');
    });

    it('LAUNCH_NESTED_CONTAINER_SESSION for an id in use answers 202: MESOS_CONFLICT (no output follows)', async () => {
      const id = nested('busy');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'sleep 30' } });
      const stream = agent.launchNestedContainerSession({ containerId: id, command: { value: 'echo never' } });
      await expectMesosError(stream.next(), 'MESOS_CONFLICT', 202);
      await agent.killNestedContainer({ containerId: id });
      await agent.waitNestedContainer({ containerId: id });
      await agent.removeNestedContainer({ containerId: id });
    });

    it('breaking out of a session closes it and the agent destroys the container', async () => {
      const id = nested('session-long');
      for await (const chunk of agent.launchNestedContainerSession({ containerId: id, command: { value: 'echo ready; sleep 30' } })) {
        expect(chunk.data.toString('utf8')).toBe('ready\n');
        break;
      }
      await until(async () => !(await agent.getContainers({ showNested: true })).containers.some((c) => c.container_id.value === 'session-long'), 'the session container to be destroyed');
    });

    it('ATTACH_CONTAINER_OUTPUT and ATTACH_CONTAINER_INPUT: stdin reaches the process, its output streams back; EOF ends it', async () => {
      const id = nested('echoer');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'while read l; do echo "got:$l"; done; echo bye' } });
      const out = collect(agent.attachContainerOutput({ containerId: id }));
      await agent.attachContainerInput({
        containerId: id,
        input: (async function* () {
          yield 'hello\n';
          yield Buffer.from('wörld\n', 'utf8');
        })(),
      });
      const w = await agent.waitNestedContainer({ containerId: id });
      expect(w.exit_status).toBe(0);
      await out.done;
      expect(out.text('STDOUT')).toBe('got:hello\ngot:wörld\nbye\n');
      await agent.removeNestedContainer({ containerId: id });
    });

    it('a second concurrent ATTACH_CONTAINER_INPUT is a 409 MESOS_CONFLICT', async () => {
      const id = nested('cat');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'cat' } });
      const out = collect(agent.attachContainerOutput({ containerId: id }));
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      const first = agent.attachContainerInput({
        containerId: id,
        input: (async function* () {
          yield 'first\n';
          await held;
        })(),
      });
      await until(() => out.text('STDOUT') === 'first\n', 'the first input to be echoed');
      await expectMesosError(agent.attachContainerInput({ containerId: id, input: (async function* () {})() }), 'MESOS_CONFLICT', 409, 'Multiple input connections are not allowed');
      release();
      await first;
      expect((await agent.waitNestedContainer({ containerId: id })).exit_status).toBe(0);
      await out.done;
      await agent.removeNestedContainer({ containerId: id });
    });

    it('GET_CONTAINERS lists a nested container by its leaf id only (no parent chain), standalone ones on request', async () => {
      const id = nested('leaf');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'sleep 30' } });
      await agent.launchContainer({ containerId: { value: 'solo' }, command: { value: 'sleep 30' } });
      const plain = (await agent.getContainers()).containers.map((c) => c.container_id.value);
      expect(plain).not.toContain('leaf');
      expect(plain).not.toContain('solo');
      const all = (await agent.getContainers({ showNested: true, showStandalone: true })).containers;
      const leaf = all.find((c) => c.container_id.value === 'leaf');
      expect(leaf?.container_id).toEqual({ value: 'leaf' });
      expect(leaf?.framework_id).toBeUndefined();
      expect(all.map((c) => c.container_id.value)).toContain('solo');
      // ATTACH_CONTAINER_OUTPUT needs a container under an executor: a standalone one is a 404.
      await expectMesosError(agent.attachContainerOutput({ containerId: { value: 'solo' } }).next(), 'MESOS_NOT_FOUND', 404);
      for (const c of [id, { value: 'solo' }]) {
        // Wait first: a terminated standalone container is gone (404), only a nested one keeps its termination.
        const waiting = agent.waitContainer({ containerId: c });
        await waiterRegistered(c);
        await agent.killContainer({ containerId: c });
        expect((await waiting).exit_status).toBe(9);
        await agent.removeContainer({ containerId: c });
      }
    });

    it('READ_FILE caps a read at 16 pages (64 KiB) of a nested container\'s sandbox output', async () => {
      const id = nested('big-output');
      await agent.launchNestedContainer({ containerId: id, command: { value: 'head -c 100000 /dev/zero | tr "\\0" x' } });
      expect((await agent.waitNestedContainer({ containerId: id })).exit_status).toBe(0);
      const task = (await agent.getTasks()).launched_tasks.find((t) => {
        const cid = sim.runtime.agentNodes.get(idOf(entry))?.containerIdForTask(t.task_id.value);
        return cid === executor;
      });
      const base = `/frameworks/${task?.framework_id.value ?? ''}/executors/${task?.executor_id?.value ?? task?.task_id.value ?? ''}/runs/latest`;
      const path = `${base}/containers/big-output/stdout`;
      const whole = await until(async () => {
        const r = await agent.readFile({ path, offset: 0 });
        return r.size === 100_000 ? r : undefined;
      }, 'the output file to be complete');
      expect(Buffer.from(whole.data, 'base64').length).toBe(65_536);
      const rest = await agent.readFile({ path, offset: 65_536, length: 1_000_000 });
      expect(Buffer.from(rest.data, 'base64').toString('utf8')).toBe('x'.repeat(100_000 - 65_536));
      await agent.removeNestedContainer({ containerId: id });
    });

    it('invalid container ids and a session without a parent are 400s; REMOVE_CONTAINER of an unknown root is a 500', async () => {
      await expectMesosError(
        agent.launchNestedContainer({ containerId: { value: 'a/b', parent: { value: executor } }, command: { value: 'true' } }),
        'MESOS_BAD_REQUEST',
        400,
        "'launch_nested_container.container_id' is invalid",
      );
      await expectMesosError(agent.launchNestedContainerSession({ containerId: { value: 'no-parent' }, command: { value: 'true' } }).next(), 'MESOS_BAD_REQUEST', 400);
      await expectMesosError(agent.removeContainer({ containerId: { value: 'x', parent: { value: 'no-such-root' } } }), 'MESOS_SERVER_ERROR', 500, 'Unknown root container');
    });

    it('ATTACH_CONTAINER_OUTPUT of an unknown container is a 404', async () => {
      const stream = agent.attachContainerOutput({ containerId: nested('nope') });
      await expectMesosError(stream.next(), 'MESOS_NOT_FOUND', 404);
    });
  });

  describe('images and resource providers', () => {
    it('PRUNE_IMAGES removes unused images except the excluded ones', async () => {
      const node = sim.runtime.agentNodes.get(idOf(entry));
      const before = node?.images.images.map((i) => ({ ...i })) ?? [];
      expect(before.some((i) => !i.inUse && i.name !== 'busybox:latest')).toBe(true);
      await agent.pruneImages({ excludedImages: [{ type: 'DOCKER', docker: { name: 'busybox:latest' } }] });
      const after = node?.images.images.map((i) => i.name) ?? [];
      expect(after.sort()).toEqual(before.filter((i) => i.inUse || i.name === 'busybox:latest').map((i) => i.name).sort());
    });

    const info = (extra: Record<string, unknown> = {}) => ({
      type: 'org.apache.mesos.rp.local.storage',
      name: 'lvm',
      storage: { plugin: { type: 'org.apache.mesos.csi.lvm', name: 'lvm', containers: [{ services: ['CONTROLLER_SERVICE', 'NODE_SERVICE'], command: { value: './csi-lvm' } }] } },
      ...extra,
    });

    it('ADD / UPDATE / REMOVE_RESOURCE_PROVIDER_CONFIG with the 400/409 rules; GET_RESOURCE_PROVIDERS shows the provider', async () => {
      await agent.addResourceProviderConfig({ info: info() });
      const rps = (await agent.getResourceProviders()).resource_providers;
      expect(rps.map((r) => [r.resource_provider_info.type, r.resource_provider_info.name])).toEqual([['org.apache.mesos.rp.local.storage', 'lvm']]);
      expect(rps[0]?.resource_provider_info.id?.value).toBeTruthy();
      await expectMesosError(agent.addResourceProviderConfig({ info: info() }), 'MESOS_CONFLICT', 409, "Resource provider with type 'org.apache.mesos.rp.local.storage' and name 'lvm' already exists");
      await expectMesosError(agent.addResourceProviderConfig({ info: info({ name: 'x', id: { value: 'set' } }) }), 'MESOS_BAD_REQUEST', 400);
      await expectMesosError(agent.addResourceProviderConfig({ info: { type: 'org.apache.mesos.rp.local.storage', name: 'nostorage' } }), 'MESOS_BAD_REQUEST', 400, 'Failed to validate resource provider config');

      await agent.updateResourceProviderConfig({ info: info({ default_reservations: [{ type: 'DYNAMIC', role: 'storage' }] }) });
      await expectMesosError(agent.updateResourceProviderConfig({ info: info({ name: 'absent' }) }), 'MESOS_CONFLICT', 409, 'does not exist');

      await agent.removeResourceProviderConfig({ type: 'org.apache.mesos.rp.local.storage', name: 'lvm' });
      expect((await agent.getResourceProviders()).resource_providers).toEqual([]);
      // Idempotent.
      await agent.removeResourceProviderConfig({ type: 'org.apache.mesos.rp.local.storage', name: 'lvm' });
    });

    it('MARK_RESOURCE_PROVIDER_GONE removes the provider', async () => {
      await agent.addResourceProviderConfig({ info: info({ name: 'gone-rp' }) });
      const rp = (await agent.getResourceProviders()).resource_providers.find((r) => r.resource_provider_info.name === 'gone-rp');
      const rpId = rp?.resource_provider_info.id?.value as string;
      expect(rpId).toBeTruthy();
      await agent.markResourceProviderGone({ resourceProviderId: rpId });
      expect((await agent.getResourceProviders()).resource_providers.map((r) => r.resource_provider_info.name)).not.toContain('gone-rp');
    });
  });

  describe('drain as the agent sees it', () => {
    it('GET_AGENT carries drain_config (exact nanoseconds) while the agent drains', async () => {
      const other = (await mesos.getAgents()).agents[1] as Agent;
      const fids = (await mesos.getFrameworks()).frameworks.map((f) => f.framework_info.id?.value as string);
      for (const f of fids) sim.setFrameworkAcknowledges(f, false);
      const a2 = mesos.agent(other);
      try {
        await mesos.drainAgent({ agentId: idOf(other), maxGracePeriodSeconds: 7 });
        const ga = await a2.getAgent();
        expect(ga.drain_config?.max_grace_period?.nanoseconds).toBe(7n * SECOND);
        expect(ga.drain_config?.mark_gone).toBe(false);
        expect(typeof ga.estimated_drain_start_time?.nanoseconds).toBe('bigint');
      } finally {
        for (const f of fids) sim.setFrameworkAcknowledges(f, true);
        await a2.close();
      }
    });
  });
});

describe('an agent that restarts (agentRecoverySeconds)', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 1, tasksPerAgent: 1, timeScale: 10, agentRecoverySeconds: 2 });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('a stopped agent is a CONNECTION error; while recovering a 503 is MESOS_UNAVAILABLE (retryable), then it answers', async () => {
    const entry = (await mesos.getAgents()).agents[0] as Agent;
    const agent = mesos.agent(entry);
    try {
      sim.stopAgent(idOf(entry));
      await until(async () => {
        const e = await agent.getHealth().then(
          () => undefined,
          (x: unknown) => x,
        );
        return (e as { code?: string } | undefined)?.code === 'CONNECTION' ? e : undefined;
      }, 'the stopped agent to refuse connections');
      expect(await sim.restartAgent(idOf(entry))).toBe(idOf(entry));
      const e = await agent.getHealth().catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'MESOS_UNAVAILABLE', status: 503, retryable: true, mesosMessage: 'Agent has not finished recovery' });
      await until(async () => (await agent.getHealth().catch(() => undefined))?.healthy === true, 'the agent to finish recovery');
      expect((await agent.getAgent()).agent_info.id?.value).toBe(idOf(entry));
    } finally {
      await agent.close();
    }
  });
});
