/**
 * Builders of every agent `Call` (include/mesos/v1/agent/agent.proto), as plain data. See ./common.ts.
 */
import type { ContainerIdInput, ResourceInput } from '../schemas/common';
import { id, type Int64Input } from './common';

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

/** Every agent call type of the Operator API. */
export const AGENT_CALL_TYPES = [
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
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];

/** A JSON object Mesos accepts as is (CommandInfo, ContainerInfo, ResourceProviderInfo, Image...). */
export type JsonObject = Record<string, unknown>;

export const getAgent = () => ({ type: 'GET_AGENT' }) as const;
export const getResourceProviders = () => ({ type: 'GET_RESOURCE_PROVIDERS' }) as const;

/** GET_CONTAINERS: by default only executor containers; nested and standalone ones on request. */
export function getContainers(opts: { showNested?: boolean; showStandalone?: boolean } = {}) {
  const body: { show_nested?: boolean; show_standalone?: boolean } = {};
  if (opts.showNested !== undefined) body.show_nested = opts.showNested;
  if (opts.showStandalone !== undefined) body.show_standalone = opts.showStandalone;
  return { type: 'GET_CONTAINERS', get_containers: body } as const;
}

/** Options of the (nested) container launch calls. */
export interface LaunchNestedContainerOptions {
  containerId: ContainerIdInput;
  command?: JsonObject;
  container?: JsonObject;
}

function launchBody(opts: LaunchNestedContainerOptions) {
  const body: { container_id: ContainerIdInput; command?: JsonObject; container?: JsonObject } = {
    container_id: opts.containerId,
  };
  if (opts.command !== undefined) body.command = opts.command;
  if (opts.container !== undefined) body.container = opts.container;
  return body;
}

/** Deprecated LAUNCH_NESTED_CONTAINER: `containerId.parent` is required. */
export function launchNestedContainer(opts: LaunchNestedContainerOptions) {
  return { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: launchBody(opts) } as const;
}

export function waitNestedContainer(opts: { containerId: ContainerIdInput }) {
  return { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: opts.containerId } } as const;
}

export function killNestedContainer(opts: { containerId: ContainerIdInput; signal?: number }) {
  const body: { container_id: ContainerIdInput; signal?: number } = { container_id: opts.containerId };
  if (opts.signal !== undefined) body.signal = opts.signal;
  return { type: 'KILL_NESTED_CONTAINER', kill_nested_container: body } as const;
}

export function removeNestedContainer(opts: { containerId: ContainerIdInput }) {
  return { type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: opts.containerId } } as const;
}

/** LAUNCH_NESTED_CONTAINER_SESSION: a DEBUG container whose output streams back; closing the stream destroys it. */
export function launchNestedContainerSession(opts: LaunchNestedContainerOptions) {
  return { type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: launchBody(opts) } as const;
}

export function attachContainerOutput(opts: { containerId: ContainerIdInput }) {
  return { type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: opts.containerId } } as const;
}

/** First record of an ATTACH_CONTAINER_INPUT stream: names the container. */
export function attachContainerInputStart(opts: { containerId: ContainerIdInput }) {
  return {
    type: 'ATTACH_CONTAINER_INPUT',
    attach_container_input: { type: 'CONTAINER_ID', container_id: opts.containerId },
  } as const;
}

/** A STDIN data record of an ATTACH_CONTAINER_INPUT stream. An empty `data` means EOF (without a tty). */
export function attachContainerInputData(data: Uint8Array | string) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    type: 'ATTACH_CONTAINER_INPUT',
    attach_container_input: { type: 'PROCESS_IO', process_io: { type: 'DATA', data: { type: 'STDIN', data: bytes.toString('base64') } } },
  } as const;
}

/** A heartbeat CONTROL record of an ATTACH_CONTAINER_INPUT stream. */
export function attachContainerInputHeartbeat(intervalNanoseconds: Int64Input) {
  return {
    type: 'ATTACH_CONTAINER_INPUT',
    attach_container_input: {
      type: 'PROCESS_IO',
      process_io: { type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: intervalNanoseconds } } } },
    },
  } as const;
}

/** Options of LAUNCH_CONTAINER (standalone without a parent, nested with one). */
export interface LaunchContainerOptions extends LaunchNestedContainerOptions {
  resources?: ResourceInput[];
  limits?: Record<string, { value: number }>;
}

export function launchContainer(opts: LaunchContainerOptions) {
  const body: ReturnType<typeof launchBody> & { resources?: ResourceInput[]; limits?: Record<string, { value: number }> } =
    launchBody(opts);
  if (opts.resources !== undefined) body.resources = opts.resources;
  if (opts.limits !== undefined) body.limits = opts.limits;
  return { type: 'LAUNCH_CONTAINER', launch_container: body } as const;
}

export function waitContainer(opts: { containerId: ContainerIdInput }) {
  return { type: 'WAIT_CONTAINER', wait_container: { container_id: opts.containerId } } as const;
}

export function killContainer(opts: { containerId: ContainerIdInput; signal?: number }) {
  const body: { container_id: ContainerIdInput; signal?: number } = { container_id: opts.containerId };
  if (opts.signal !== undefined) body.signal = opts.signal;
  return { type: 'KILL_CONTAINER', kill_container: body } as const;
}

export function removeContainer(opts: { containerId: ContainerIdInput }) {
  return { type: 'REMOVE_CONTAINER', remove_container: { container_id: opts.containerId } } as const;
}

export function addResourceProviderConfig(opts: { info: JsonObject }) {
  return { type: 'ADD_RESOURCE_PROVIDER_CONFIG', add_resource_provider_config: { info: opts.info } } as const;
}

export function updateResourceProviderConfig(opts: { info: JsonObject }) {
  return { type: 'UPDATE_RESOURCE_PROVIDER_CONFIG', update_resource_provider_config: { info: opts.info } } as const;
}

export function removeResourceProviderConfig(opts: { type: string; name: string }) {
  return {
    type: 'REMOVE_RESOURCE_PROVIDER_CONFIG',
    remove_resource_provider_config: { type: opts.type, name: opts.name },
  } as const;
}

export function markResourceProviderGone(opts: { resourceProviderId: string }) {
  return {
    type: 'MARK_RESOURCE_PROVIDER_GONE',
    mark_resource_provider_gone: { resource_provider_id: id(opts.resourceProviderId) },
  } as const;
}

/** PRUNE_IMAGES: `excludedImages` are kept in addition to the agent's --image_gc_config exclusions. */
export function pruneImages(opts: { excludedImages?: JsonObject[] } = {}) {
  const body: { excluded_images?: JsonObject[] } = {};
  if (opts.excludedImages !== undefined) body.excluded_images = opts.excludedImages;
  return { type: 'PRUNE_IMAGES', prune_images: body } as const;
}
