/**
 * The seeded default cluster: agents with resources and rack/zone attributes, frameworks ("marathon", ...),
 * and TASK_RUNNING tasks spread over the agents. Deterministic for a given seed.
 */
import type { Cluster } from './cluster';
import { AGENT_CAPABILITIES } from './lifecycle';
import { ranges, scalar, type Resource } from './resources';
import type { Agent, Framework, Task } from './types';

/** Shape of the seeded cluster. */
export interface SeedShape {
  agents: number;
  tasksPerAgent: number;
  frameworks: number;
  /** MOUNT disks of every agent, MB (default none). */
  mountDisksMb?: number[];
}

const FRAMEWORK_NAMES = ['marathon', 'metronome', 'spark', 'jenkins', 'kafka', 'cassandra', 'elastic', 'hdfs'];
const APP_NAMES = ['web', 'api', 'worker', 'cache', 'search', 'billing', 'auth', 'queue', 'cron', 'ingest'];

/** The resources of a seeded agent: cpus, mem, a ROOT disk, ports, and the MOUNT disks asked for (MB each). */
export function defaultAgentResources(mountDisksMb: number[] = []): Resource[] {
  const mounts = mountDisksMb.map((mb, i): Resource => ({ ...scalar('disk', mb), disk: { source: { type: 'MOUNT', mount: { root: `/mnt/disk${i}` } } } }));
  return [scalar('cpus', 8), scalar('mem', 32768), scalar('disk', 262144), ...mounts, ranges('ports', [[31000, 32000]])];
}

/**
 * The machine ip of agent index i: a loopback address of its own (127.0.0.2, 127.0.0.3, ... 127.0.1.0, ...), which
 * its endpoint listens on and its pid names, as a real agent's libprocess address is both its MachineID ip and its
 * pid. Linux routes all of 127.0.0.0/8 to the loopback interface, so no setup is needed.
 */
export function agentIp(i: number): string {
  const n = i + 2;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Builds a seeded agent (not yet registered); `port` 0 until its endpoint opens. */
export function makeAgent(cluster: Cluster, index: number, mountDisksMb: number[] = []): Agent {
  const { id, seq } = cluster.newAgentId();
  const res = defaultAgentResources(mountDisksMb);
  return {
    id,
    seq,
    hostname: `agent-${index + 1}.sim.local`,
    ip: agentIp(index),
    port: 0,
    status: 'registered',
    deactivated: false,
    attributes: [
      { name: 'rack', text: `rack-${(index % 8) + 1}` },
      { name: 'zone', text: `zone-${String.fromCharCode(97 + (index % 3))}` },
    ],
    infoResources: res,
    totalResources: res.map((r) => JSON.parse(JSON.stringify(r)) as Resource),
    capabilities: [...AGENT_CAPABILITIES],
    version: '1.11.0',
    registeredNs: cluster.clock.nowNanos(),
    taskIds: new Set(),
  };
}

/** Builds a seeded framework. */
export function makeFramework(cluster: Cluster, index: number): Framework {
  const name = FRAMEWORK_NAMES[index % FRAMEWORK_NAMES.length] + (index >= FRAMEWORK_NAMES.length ? `-${index}` : '');
  const seq = cluster.nextFrameworkSeq++;
  return {
    id: `${cluster.clusterId}-${String(seq).padStart(4, '0')}`,
    name,
    role: index === 0 ? 'slave_public' : name,
    principal: name,
    user: 'root',
    hostname: 'sim.local',
    capabilities: ['PARTITION_AWARE', 'TASK_KILLING_STATE', 'MULTI_ROLE', 'GPU_RESOURCES'],
    registeredNs: cluster.clock.nowNanos(),
    active: true,
    acknowledges: true,
    relaunches: name.startsWith('marathon'),
    partitionAware: true,
    failoverTimeout: 604800,
    checkpoint: true,
  };
}

/** Kill grace periods given to seeded tasks in turn (undefined = Mesos's default of 3 s). */
const GRACE_CYCLE: (number | undefined)[] = [undefined, 2000, 10000, undefined, 5000];

/** Builds a seeded TASK_RUNNING task on an agent. */
export function makeTask(cluster: Cluster, agent: Agent, fw: Framework, k: number): Task {
  const app = APP_NAMES[(agent.seq + k) % APP_NAMES.length] ?? 'app';
  const id = `${app}.${cluster.rng.uuid()}`;
  const port = 31000 + k;
  const grace = GRACE_CYCLE[(agent.seq * 7 + k) % GRACE_CYCLE.length];
  const task: Task = {
    id,
    name: app,
    frameworkId: fw.id,
    agentId: agent.id,
    state: 'TASK_RUNNING',
    statuses: [],
    resources: [scalar('cpus', 0.5), scalar('mem', 512), scalar('disk', 256), ranges('ports', [[port, port]])],
    stopAfterTermMs: cluster.taskExitMs(fw.id),
    command: `./bin/${app} --port $PORT0`,
    acknowledged: false,
  };
  task.container = cluster.newTaskContainer(id, agent);
  if (grace !== undefined) task.killGraceMs = grace;
  task.statuses.push(cluster.newStatus('TASK_STARTING', 'SOURCE_EXECUTOR'), cluster.newStatus('TASK_RUNNING', 'SOURCE_EXECUTOR'));
  return task;
}

/** Fills an empty model with the seeded cluster (no events are published: nobody listens yet). */
export function seedCluster(cluster: Cluster, shape: SeedShape): void {
  const fws: Framework[] = [];
  for (let i = 0; i < shape.frameworks; i++) {
    const fw = makeFramework(cluster, i);
    cluster.frameworks.set(fw.id, fw);
    fws.push(fw);
  }
  for (let i = 0; i < shape.agents; i++) {
    const agent = makeAgent(cluster, i, shape.mountDisksMb);
    cluster.agents.set(agent.id, agent);
    if (fws.length === 0) continue;
    for (let k = 0; k < shape.tasksPerAgent; k++) {
      const fw = fws[(i + k) % fws.length] as Framework;
      const task = makeTask(cluster, agent, fw, k);
      cluster.tasks.set(task.id, task);
      agent.taskIds.add(task.id);
    }
  }
  cluster.touch();
}
