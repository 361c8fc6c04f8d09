/**
 * Zod schemas of agent responses (include/mesos/v1/agent/agent.proto `Response`) and of the `ProcessIO` records
 * of container sessions.
 */
import { z } from 'zod';
import {
  AgentInfoSchema,
  ContainerIdSchema,
  ContainerStatusSchema,
  DurationInfoSchema,
  ExecutorInfoSchema,
  FrameworkInfoSchema,
  IdSchema,
  ResourceProviderSchema,
  ResourceSchema,
  TaskSchema,
  TimeInfoSchema,
} from './common';

export const AgentGetFrameworksSchema = z.looseObject({
  frameworks: z.array(z.looseObject({ framework_info: FrameworkInfoSchema })).default([]),
  completed_frameworks: z.array(z.looseObject({ framework_info: FrameworkInfoSchema })).default([]),
});
export type AgentGetFrameworks = z.infer<typeof AgentGetFrameworksSchema>;

export const AgentGetExecutorsSchema = z.looseObject({
  executors: z.array(z.looseObject({ executor_info: ExecutorInfoSchema })).default([]),
  completed_executors: z.array(z.looseObject({ executor_info: ExecutorInfoSchema })).default([]),
});
export type AgentGetExecutors = z.infer<typeof AgentGetExecutorsSchema>;

export const AgentGetTasksSchema = z.looseObject({
  pending_tasks: z.array(TaskSchema).default([]),
  queued_tasks: z.array(TaskSchema).default([]),
  launched_tasks: z.array(TaskSchema).default([]),
  terminated_tasks: z.array(TaskSchema).default([]),
  completed_tasks: z.array(TaskSchema).default([]),
});
export type AgentGetTasks = z.infer<typeof AgentGetTasksSchema>;

export const AgentGetStateSchema = z.looseObject({
  get_tasks: AgentGetTasksSchema.prefault({}),
  get_executors: AgentGetExecutorsSchema.prefault({}),
  get_frameworks: AgentGetFrameworksSchema.prefault({}),
});
export type AgentGetState = z.infer<typeof AgentGetStateSchema>;

export const GetContainersSchema = z.looseObject({
  containers: z
    .array(
      z.looseObject({
        framework_id: IdSchema.optional(),
        executor_id: IdSchema.optional(),
        executor_name: z.string().optional(),
        container_id: ContainerIdSchema,
        container_status: ContainerStatusSchema.optional(),
        resource_statistics: z.looseObject({}).optional(),
      }),
    )
    .default([]),
});
export type GetContainers = z.infer<typeof GetContainersSchema>;

export const GetAgentSchema = z.looseObject({
  agent_info: AgentInfoSchema,
  drain_config: z
    .looseObject({ max_grace_period: DurationInfoSchema.optional(), mark_gone: z.boolean().default(false) })
    .optional(),
  estimated_drain_start_time: TimeInfoSchema.optional(),
});
export type GetAgent = z.infer<typeof GetAgentSchema>;

export const GetResourceProvidersSchema = z.looseObject({
  resource_providers: z.array(ResourceProviderSchema).default([]),
});
export type GetResourceProviders = z.infer<typeof GetResourceProvidersSchema>;

/** WAIT_CONTAINER / WAIT_NESTED_CONTAINER: how the container ended. */
export const WaitContainerSchema = z.looseObject({
  exit_status: z.number().optional(),
  state: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  limitation: z.looseObject({ resources: z.array(ResourceSchema).default([]) }).optional(),
});
export type WaitContainer = z.infer<typeof WaitContainerSchema>;

/** One `ProcessIO` record of LAUNCH_NESTED_CONTAINER_SESSION / ATTACH_CONTAINER_OUTPUT (data is base64). */
export const ProcessIOSchema = z.looseObject({
  type: z.string(),
  data: z.looseObject({ type: z.string(), data: z.string().default('') }).optional(),
  control: z.looseObject({ type: z.string() }).optional(),
});
export type ProcessIO = z.infer<typeof ProcessIOSchema>;
