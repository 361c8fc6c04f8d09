/**
 * Descriptors of the Mesos v1 messages the simulator reads (include/mesos/v1/mesos.proto, master/master.proto,
 * agent/agent.proto, maintenance/maintenance.proto, quota/quota.proto). Only the fields the simulator uses or
 * validates are listed; other fields are ignored on input like unknown keys, or kept with type `any`.
 */
import type { FieldDesc, FieldType, MessageDesc } from './convert';

const opt = (type: FieldType): FieldDesc => ({ type });
const req = (type: FieldType): FieldDesc => ({ type, required: true });
const rep = (type: FieldType): FieldDesc => ({ type, repeated: true });
const msg = (m: () => MessageDesc): FieldType => ({ msg: m });
const enm = (...values: string[]): FieldType => ({ enum: values });

export const ValueID: MessageDesc = { value: req('string') };
export const TimeInfo: MessageDesc = { nanoseconds: req('int64') };
export const DurationInfo: MessageDesc = { nanoseconds: req('int64') };
export const Duration: MessageDesc = { seconds: opt('int64'), nanos: opt('int32') };
export const Scalar: MessageDesc = { value: req('double') };
export const Range: MessageDesc = { begin: req('uint64'), end: req('uint64') };
export const Ranges: MessageDesc = { range: rep(msg(() => Range)) };
export const SetValue: MessageDesc = { item: rep('string') };
export const Label: MessageDesc = { key: req('string'), value: opt('string') };
export const Labels: MessageDesc = { labels: rep(msg(() => Label)) };
export const ReservationInfo: MessageDesc = {
  type: opt(enm('UNKNOWN', 'STATIC', 'DYNAMIC')),
  role: opt('string'),
  principal: opt('string'),
  labels: opt(msg(() => Labels)),
};
export const DiskInfo: MessageDesc = {
  persistence: opt(msg(() => ({ id: req('string'), principal: opt('string') }))),
  volume: opt(msg(() => ({ container_path: req('string'), host_path: opt('string'), mode: opt(enm('RW', 'RO')) }))),
  source: opt('any'),
};
export const Resource: MessageDesc = {
  provider_id: opt(msg(() => ValueID)),
  name: req('string'),
  type: req(enm('SCALAR', 'RANGES', 'SET', 'TEXT')),
  scalar: opt(msg(() => Scalar)),
  ranges: opt(msg(() => Ranges)),
  set: opt(msg(() => SetValue)),
  role: opt('string'),
  allocation_info: opt('any'),
  reservation: opt(msg(() => ReservationInfo)),
  reservations: rep(msg(() => ReservationInfo)),
  disk: opt(msg(() => DiskInfo)),
  revocable: opt('any'),
  shared: opt('any'),
};
export const MachineID: MessageDesc = { hostname: opt('string'), ip: opt('string') };
export const Unavailability: MessageDesc = { start: req(msg(() => TimeInfo)), duration: opt(msg(() => DurationInfo)) };
export const Window: MessageDesc = { machine_ids: rep(msg(() => MachineID)), unavailability: req(msg(() => Unavailability)) };
export const Schedule: MessageDesc = { windows: rep(msg(() => Window)) };
export const QuotaConfig: MessageDesc = {
  role: req('string'),
  guarantees: opt({ map: msg(() => Scalar) }),
  limits: opt({ map: msg(() => Scalar) }),
};
export const QuotaRequest: MessageDesc = { force: opt('bool'), role: opt('string'), guarantee: rep(msg(() => Resource)) };
export const WeightInfo: MessageDesc = { weight: req('double'), role: opt('string') };
export const Image: MessageDesc = {
  type: req(enm('APPC', 'DOCKER')),
  appc: opt('any'),
  docker: opt(msg(() => ({ name: req('string'), credential: opt('any'), config: opt('any') }))),
  cached: opt('bool'),
};
export const ContainerID: MessageDesc = { value: req('string'), parent: opt(msg(() => ContainerID)) };
export const CommandInfo: MessageDesc = {
  uris: rep('any'),
  environment: opt(
    msg(() => ({
      variables: rep(msg(() => ({ name: req('string'), type: opt(enm('UNKNOWN', 'VALUE', 'SECRET')), value: opt('string'), secret: opt('any') }))),
    })),
  ),
  shell: opt('bool'),
  value: opt('string'),
  arguments: rep('string'),
  user: opt('string'),
};
export const ContainerInfo: MessageDesc = {
  type: opt(enm('DOCKER', 'MESOS')),
  volumes: rep('any'),
  hostname: opt('string'),
  docker: opt('any'),
  mesos: opt('any'),
  network_infos: rep('any'),
  linux_info: opt('any'),
  rlimit_info: opt('any'),
  tty_info: opt('any'),
};
export const ResourceProviderInfo: MessageDesc = {
  id: opt(msg(() => ValueID)),
  attributes: rep('any'),
  type: req('string'),
  name: req('string'),
  default_reservations: rep(msg(() => ReservationInfo)),
  storage: opt('any'),
};
const ProcessIOData: MessageDesc = { type: opt(enm('UNKNOWN', 'STDIN', 'STDOUT', 'STDERR')), data: opt('bytes') };
const ProcessIOControl: MessageDesc = {
  type: opt(enm('UNKNOWN', 'TTY_INFO', 'HEARTBEAT')),
  tty_info: opt('any'),
  heartbeat: opt(msg(() => ({ interval: opt(msg(() => DurationInfo)) }))),
};
export const ProcessIO: MessageDesc = {
  type: opt(enm('UNKNOWN', 'DATA', 'CONTROL')),
  data: opt(msg(() => ProcessIOData)),
  control: opt(msg(() => ProcessIOControl)),
};

const agentIdOnly: MessageDesc = { agent_id: req(msg(() => ValueID)) };
const machines: MessageDesc = { machines: rep(msg(() => MachineID)) };

/** master::Call type names (include/mesos/v1/master/master.proto). */
export const MASTER_CALL_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL',
  'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS',
  'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'UPDATE_WEIGHTS', 'GET_MASTER', 'SUBSCRIBE', 'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE',
  'STOP_MAINTENANCE', 'DRAIN_AGENT', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT', 'GET_QUOTA', 'UPDATE_QUOTA',
  'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE',
] as const;
/** A master call type. */
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

/** Sub-messages of master calls: the field name and whether validation requires it. */
export const MASTER_SUBMESSAGES: Partial<Record<MasterCallType, MessageDesc>> = {
  GET_METRICS: { timeout: opt(msg(() => DurationInfo)) },
  SET_LOGGING_LEVEL: { level: req('uint32'), duration: req(msg(() => DurationInfo)) },
  LIST_FILES: { path: req('string') },
  READ_FILE: { path: req('string'), offset: req('uint64'), length: opt('uint64') },
  UPDATE_WEIGHTS: { weight_infos: rep(msg(() => WeightInfo)) },
  RESERVE_RESOURCES: { agent_id: req(msg(() => ValueID)), source: rep(msg(() => Resource)), resources: rep(msg(() => Resource)) },
  UNRESERVE_RESOURCES: { agent_id: req(msg(() => ValueID)), resources: rep(msg(() => Resource)) },
  CREATE_VOLUMES: { agent_id: req(msg(() => ValueID)), volumes: rep(msg(() => Resource)) },
  DESTROY_VOLUMES: { agent_id: req(msg(() => ValueID)), volumes: rep(msg(() => Resource)) },
  GROW_VOLUME: { agent_id: opt(msg(() => ValueID)), volume: req(msg(() => Resource)), addition: req(msg(() => Resource)) },
  SHRINK_VOLUME: { agent_id: opt(msg(() => ValueID)), volume: req(msg(() => Resource)), subtract: req(msg(() => Scalar)) },
  UPDATE_MAINTENANCE_SCHEDULE: { schedule: req(msg(() => Schedule)) },
  START_MAINTENANCE: machines,
  STOP_MAINTENANCE: machines,
  DRAIN_AGENT: { agent_id: req(msg(() => ValueID)), max_grace_period: opt(msg(() => Duration)), mark_gone: opt('bool') },
  DEACTIVATE_AGENT: agentIdOnly,
  REACTIVATE_AGENT: agentIdOnly,
  UPDATE_QUOTA: { force: opt('bool'), quota_configs: rep(msg(() => QuotaConfig)) },
  SET_QUOTA: { quota_request: req(msg(() => QuotaRequest)) },
  REMOVE_QUOTA: { role: req('string') },
  TEARDOWN: { framework_id: req(msg(() => ValueID)) },
  MARK_AGENT_GONE: agentIdOnly,
};

/** agent::Call type names (include/mesos/v1/agent/agent.proto). */
export const AGENT_CALL_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL',
  'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS',
  'GET_TASKS', 'GET_AGENT', 'GET_RESOURCE_PROVIDERS', 'LAUNCH_NESTED_CONTAINER', 'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER', 'REMOVE_NESTED_CONTAINER', 'LAUNCH_NESTED_CONTAINER_SESSION', 'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT', 'LAUNCH_CONTAINER', 'WAIT_CONTAINER', 'KILL_CONTAINER', 'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG', 'UPDATE_RESOURCE_PROVIDER_CONFIG', 'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE', 'PRUNE_IMAGES',
] as const;
/** An agent call type. */
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];

const containerOnly: MessageDesc = { container_id: req(msg(() => ContainerID)) };
const launch: MessageDesc = {
  container_id: req(msg(() => ContainerID)),
  command: opt(msg(() => CommandInfo)),
  container: opt(msg(() => ContainerInfo)),
  resources: rep(msg(() => Resource)),
  limits: opt('any'),
};
const rpConfig: MessageDesc = { info: req(msg(() => ResourceProviderInfo)) };

/** Sub-messages of agent calls. */
export const AGENT_SUBMESSAGES: Partial<Record<AgentCallType, MessageDesc>> = {
  GET_METRICS: { timeout: opt(msg(() => DurationInfo)) },
  SET_LOGGING_LEVEL: { level: req('uint32'), duration: req(msg(() => DurationInfo)) },
  LIST_FILES: { path: req('string') },
  READ_FILE: { path: req('string'), offset: req('uint64'), length: opt('uint64') },
  GET_CONTAINERS: { show_nested: opt('bool'), show_standalone: opt('bool') },
  LAUNCH_NESTED_CONTAINER: launch,
  WAIT_NESTED_CONTAINER: containerOnly,
  KILL_NESTED_CONTAINER: { container_id: req(msg(() => ContainerID)), signal: opt('int32') },
  REMOVE_NESTED_CONTAINER: containerOnly,
  LAUNCH_NESTED_CONTAINER_SESSION: launch,
  ATTACH_CONTAINER_INPUT: {
    type: opt(enm('UNKNOWN', 'CONTAINER_ID', 'PROCESS_IO')),
    container_id: opt(msg(() => ContainerID)),
    process_io: opt(msg(() => ProcessIO)),
  },
  ATTACH_CONTAINER_OUTPUT: containerOnly,
  LAUNCH_CONTAINER: launch,
  WAIT_CONTAINER: containerOnly,
  KILL_CONTAINER: { container_id: req(msg(() => ContainerID)), signal: opt('int32') },
  REMOVE_CONTAINER: containerOnly,
  ADD_RESOURCE_PROVIDER_CONFIG: rpConfig,
  UPDATE_RESOURCE_PROVIDER_CONFIG: rpConfig,
  REMOVE_RESOURCE_PROVIDER_CONFIG: { type: req('string'), name: req('string') },
  MARK_RESOURCE_PROVIDER_GONE: { resource_provider_id: req(msg(() => ValueID)) },
  PRUNE_IMAGES: { excluded_images: rep(msg(() => Image)) },
};

/** Agent calls whose sub-message is optional in `agent::call::validate`. */
export const AGENT_OPTIONAL_SUBMESSAGES: ReadonlySet<AgentCallType> = new Set(['GET_CONTAINERS', 'PRUNE_IMAGES']);

/** The snake_case field of a call type's sub-message (`DRAIN_AGENT` → `drain_agent`). */
export function subField(type: string): string {
  return type.toLowerCase();
}
