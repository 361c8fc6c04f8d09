/**
 * The tables that say, for every call type, what its response is: a JSON body (and its schema), an empty body, or
 * a RecordIO stream. `satisfies Record<CallType, CallSpec>` makes the compiler reject a call type without an entry.
 *
 * `read` marks calls without side effects: only those may be sent to another configured master after a
 * not-leader (503) or connection failure. Writes are never re-sent by the client (Temporal owns retries).
 * `longPoll` marks calls whose response may take unboundedly long: they run without a timeout.
 */
import type { z } from 'zod';
import type { AgentCallType } from './calls/agent';
import type { MasterCallType } from './calls/master';
import {
  AgentGetExecutorsSchema,
  AgentGetFrameworksSchema,
  AgentGetStateSchema,
  AgentGetTasksSchema,
  GetAgentSchema,
  GetContainersSchema,
  GetResourceProvidersSchema,
  ProcessIOSchema,
  WaitContainerSchema,
} from './schemas/agent';
import {
  GetFlagsSchema,
  GetHealthSchema,
  GetLoggingLevelSchema,
  GetMetricsSchema,
  GetOperationsSchema,
  GetVersionSchema,
  ListFilesSchema,
  ReadFileSchema,
} from './schemas/common';
import { MasterEventSchema } from './schemas/events';
import {
  GetAgentsSchema,
  GetExecutorsSchema,
  GetFrameworksSchema,
  GetMaintenanceScheduleSchema,
  GetMaintenanceStatusSchema,
  GetMasterSchema,
  GetQuotaSchema,
  GetRolesSchema,
  GetStateSchema,
  GetTasksSchema,
  GetWeightsSchema,
} from './schemas/master';

/** What a successful response carries. */
export type ResponseKind = 'json' | 'empty' | 'stream';

/** One row of a call table. */
export type CallSpec =
  | { readonly kind: 'json'; readonly schema: z.ZodType; readonly read: boolean; readonly longPoll?: boolean }
  | { readonly kind: 'empty'; readonly read: boolean }
  | { readonly kind: 'stream'; readonly schema: z.ZodType; readonly read: boolean };

const json = <S extends z.ZodType>(schema: S) => ({ kind: 'json', schema, read: true }) as const;
const longPoll = <S extends z.ZodType>(schema: S) => ({ kind: 'json', schema, read: true, longPoll: true }) as const;
const write = { kind: 'empty', read: false } as const;

/** The calls masters and agents share (their builders are in ./calls/common.ts), answered alike. */
const COMMON_CALLS = {
  GET_HEALTH: json(GetHealthSchema),
  GET_FLAGS: json(GetFlagsSchema),
  GET_VERSION: json(GetVersionSchema),
  GET_METRICS: json(GetMetricsSchema),
  GET_LOGGING_LEVEL: json(GetLoggingLevelSchema),
  SET_LOGGING_LEVEL: write,
  LIST_FILES: json(ListFilesSchema),
  READ_FILE: json(ReadFileSchema),
} as const;

/** Every master call. Writes answer 200 or 202 with an empty body. */
export const MASTER_CALLS = {
  ...COMMON_CALLS,
  GET_STATE: json(GetStateSchema),
  GET_AGENTS: json(GetAgentsSchema),
  GET_FRAMEWORKS: json(GetFrameworksSchema),
  GET_EXECUTORS: json(GetExecutorsSchema),
  GET_TASKS: json(GetTasksSchema),
  GET_ROLES: json(GetRolesSchema),
  GET_OPERATIONS: json(GetOperationsSchema),
  GET_WEIGHTS: json(GetWeightsSchema),
  UPDATE_WEIGHTS: write,
  GET_MASTER: json(GetMasterSchema),
  RESERVE_RESOURCES: write,
  UNRESERVE_RESOURCES: write,
  CREATE_VOLUMES: write,
  DESTROY_VOLUMES: write,
  GROW_VOLUME: write,
  SHRINK_VOLUME: write,
  GET_MAINTENANCE_STATUS: json(GetMaintenanceStatusSchema),
  GET_MAINTENANCE_SCHEDULE: json(GetMaintenanceScheduleSchema),
  UPDATE_MAINTENANCE_SCHEDULE: write,
  START_MAINTENANCE: write,
  STOP_MAINTENANCE: write,
  GET_QUOTA: json(GetQuotaSchema),
  UPDATE_QUOTA: write,
  TEARDOWN: write,
  MARK_AGENT_GONE: write,
  DRAIN_AGENT: write,
  DEACTIVATE_AGENT: write,
  REACTIVATE_AGENT: write,
  SUBSCRIBE: { kind: 'stream', schema: MasterEventSchema, read: true },
} as const satisfies Record<MasterCallType, CallSpec>;

/** Every agent call. The agent never redirects. */
export const AGENT_CALLS = {
  ...COMMON_CALLS,
  GET_STATE: json(AgentGetStateSchema),
  GET_CONTAINERS: json(GetContainersSchema),
  GET_FRAMEWORKS: json(AgentGetFrameworksSchema),
  GET_EXECUTORS: json(AgentGetExecutorsSchema),
  GET_OPERATIONS: json(GetOperationsSchema),
  GET_TASKS: json(AgentGetTasksSchema),
  GET_AGENT: json(GetAgentSchema),
  GET_RESOURCE_PROVIDERS: json(GetResourceProvidersSchema),
  LAUNCH_NESTED_CONTAINER: write,
  WAIT_NESTED_CONTAINER: longPoll(WaitContainerSchema),
  KILL_NESTED_CONTAINER: write,
  REMOVE_NESTED_CONTAINER: write,
  LAUNCH_NESTED_CONTAINER_SESSION: { kind: 'stream', schema: ProcessIOSchema, read: false },
  ATTACH_CONTAINER_INPUT: write,
  ATTACH_CONTAINER_OUTPUT: { kind: 'stream', schema: ProcessIOSchema, read: true },
  LAUNCH_CONTAINER: write,
  WAIT_CONTAINER: longPoll(WaitContainerSchema),
  KILL_CONTAINER: write,
  REMOVE_CONTAINER: write,
  ADD_RESOURCE_PROVIDER_CONFIG: write,
  UPDATE_RESOURCE_PROVIDER_CONFIG: write,
  REMOVE_RESOURCE_PROVIDER_CONFIG: write,
  MARK_RESOURCE_PROVIDER_GONE: write,
  PRUNE_IMAGES: write,
} as const satisfies Record<AgentCallType, CallSpec>;

/** The key of a call's payload in its response envelope: `GET_AGENTS` → `get_agents`. */
export function responseField(callType: string): string {
  return callType.toLowerCase();
}
