/**
 * Builders of every master `Call` (include/mesos/v1/master/master.proto), as plain data. See ./common.ts.
 */
import type { MachineID, ResourceInput, ScheduleInput } from '../schemas/common';
import type { QuotaConfigInput, WeightInfo } from '../schemas/master';
import { id } from './common';

export type { GetMetricsOptions, GetMetricsOptionsWithCall, ReadFileOptions, SetLoggingLevelOptions } from './common';
export {
  getExecutors,
  getFlags,
  getFrameworks,
  getHealth,
  getLoggingLevel,
  getMetrics,
  getOperations,
  getState,
  getTasks,
  getVersion,
  listFiles,
  readFile,
  setLoggingLevel,
} from './common';

/** Every master call type of the Operator API. */
export const MASTER_CALL_TYPES = [
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_OPERATIONS',
  'GET_WEIGHTS',
  'UPDATE_WEIGHTS',
  'GET_MASTER',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'SUBSCRIBE',
] as const;
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

export const getAgents = () => ({ type: 'GET_AGENTS' }) as const;
export const getRoles = () => ({ type: 'GET_ROLES' }) as const;
export const getWeights = () => ({ type: 'GET_WEIGHTS' }) as const;
export const getMaster = () => ({ type: 'GET_MASTER' }) as const;
export const getMaintenanceStatus = () => ({ type: 'GET_MAINTENANCE_STATUS' }) as const;
export const getMaintenanceSchedule = () => ({ type: 'GET_MAINTENANCE_SCHEDULE' }) as const;
export const getQuota = () => ({ type: 'GET_QUOTA' }) as const;
export const subscribe = () => ({ type: 'SUBSCRIBE' }) as const;

/** UPDATE_WEIGHTS: sets each role's weight (there is no unset; set 1.0). */
export function updateWeights(opts: { weightInfos: WeightInfo[] }) {
  return { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: opts.weightInfos } } as const;
}

/** Options of RESERVE_RESOURCES. `source` re-reserves (refines or moves) already reserved resources. */
export interface ReserveResourcesOptions {
  agentId: string;
  resources: ResourceInput[];
  source?: ResourceInput[];
}

export function reserveResources(opts: ReserveResourcesOptions) {
  const body: { agent_id: { value: string }; source?: ResourceInput[]; resources: ResourceInput[] } = {
    agent_id: id(opts.agentId),
    resources: opts.resources,
  };
  if (opts.source !== undefined) body.source = opts.source;
  return { type: 'RESERVE_RESOURCES', reserve_resources: body } as const;
}

export function unreserveResources(opts: { agentId: string; resources: ResourceInput[] }) {
  return {
    type: 'UNRESERVE_RESOURCES',
    unreserve_resources: { agent_id: id(opts.agentId), resources: opts.resources },
  } as const;
}

export function createVolumes(opts: { agentId: string; volumes: ResourceInput[] }) {
  return { type: 'CREATE_VOLUMES', create_volumes: { agent_id: id(opts.agentId), volumes: opts.volumes } } as const;
}

export function destroyVolumes(opts: { agentId: string; volumes: ResourceInput[] }) {
  return { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: id(opts.agentId), volumes: opts.volumes } } as const;
}

export function growVolume(opts: { agentId: string; volume: ResourceInput; addition: ResourceInput }) {
  return {
    type: 'GROW_VOLUME',
    grow_volume: { agent_id: id(opts.agentId), volume: opts.volume, addition: opts.addition },
  } as const;
}

/** SHRINK_VOLUME: `subtract` is the scalar amount to remove (0 < subtract < volume size). */
export function shrinkVolume(opts: { agentId: string; volume: ResourceInput; subtract: number }) {
  return {
    type: 'SHRINK_VOLUME',
    shrink_volume: { agent_id: id(opts.agentId), volume: opts.volume, subtract: { value: opts.subtract } },
  } as const;
}

/** UPDATE_MAINTENANCE_SCHEDULE replaces the whole schedule. */
export function updateMaintenanceSchedule(schedule: ScheduleInput) {
  return { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } } as const;
}

export function startMaintenance(opts: { machines: MachineID[] }) {
  return { type: 'START_MAINTENANCE', start_maintenance: { machines: opts.machines } } as const;
}

export function stopMaintenance(opts: { machines: MachineID[] }) {
  return { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: opts.machines } } as const;
}

/** Options of UPDATE_QUOTA, applied all-or-nothing. `force` skips the capacity and consumption checks. */
export interface UpdateQuotaOptions {
  quotaConfigs: QuotaConfigInput[];
  force?: boolean;
}

export function updateQuota(opts: UpdateQuotaOptions) {
  const body: { force?: boolean; quota_configs: QuotaConfigInput[] } = { quota_configs: opts.quotaConfigs };
  if (opts.force !== undefined) body.force = opts.force;
  return { type: 'UPDATE_QUOTA', update_quota: body } as const;
}

export function teardown(opts: { frameworkId: string }) {
  return { type: 'TEARDOWN', teardown: { framework_id: id(opts.frameworkId) } } as const;
}

export function markAgentGone(opts: { agentId: string }) {
  return { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: id(opts.agentId) } } as const;
}

/** Options of DRAIN_AGENT. */
export interface DrainAgentOptions {
  agentId: string;
  /** Caps every task's kill grace period. Sent as a google.protobuf.Duration `{seconds, nanos?}`, never a string. */
  maxGracePeriodSeconds?: number;
  /** Mark the agent gone once drained (tasks of partition-aware frameworks become TASK_GONE_BY_OPERATOR). */
  markGone?: boolean;
}

/** A google.protobuf.Duration from seconds; a fractional part goes to `nanos`. */
function protobufDuration(seconds: number): { seconds: number; nanos?: number } {
  const whole = Math.trunc(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  return nanos === 0 ? { seconds: whole } : { seconds: whole, nanos };
}

export function drainAgent(opts: DrainAgentOptions) {
  const body: { agent_id: { value: string }; max_grace_period?: { seconds: number; nanos?: number }; mark_gone?: boolean } = {
    agent_id: id(opts.agentId),
  };
  if (opts.maxGracePeriodSeconds !== undefined) body.max_grace_period = protobufDuration(opts.maxGracePeriodSeconds);
  if (opts.markGone !== undefined) body.mark_gone = opts.markGone;
  return { type: 'DRAIN_AGENT', drain_agent: body } as const;
}

export function deactivateAgent(opts: { agentId: string }) {
  return { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: id(opts.agentId) } } as const;
}

export function reactivateAgent(opts: { agentId: string }) {
  return { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: id(opts.agentId) } } as const;
}
