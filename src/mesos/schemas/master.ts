/**
 * Zod schemas of master responses (include/mesos/v1/master/master.proto `Response`), one per call with a body.
 * Each schema describes the inner object, e.g. `get_agents` of `{"type":"GET_AGENTS","get_agents":{...}}`.
 */
import { z } from 'zod';
import {
  AgentInfoSchema,
  CapabilitySchema,
  DurationInfoSchema,
  ExecutorInfoSchema,
  FrameworkInfoSchema,
  IdSchema,
  MachineIdSchema,
  ResourceProviderSchema,
  ResourceSchema,
  ScheduleSchema,
  TaskSchema,
  TimeInfoSchema,
} from './common';

export const DrainStateSchema = z.enum(['UNKNOWN', 'DRAINING', 'DRAINED']);
export type DrainState = z.infer<typeof DrainStateSchema>;

export const DrainInfoSchema = z.looseObject({
  state: DrainStateSchema,
  config: z.looseObject({
    max_grace_period: DurationInfoSchema.optional(),
    mark_gone: z.boolean().default(false),
  }),
});
export type DrainInfo = z.infer<typeof DrainInfoSchema>;

/** `GetAgents.Agent`: a registered agent as the master sees it. */
export const AgentSchema = z.looseObject({
  agent_info: AgentInfoSchema,
  active: z.boolean(),
  deactivated: z.boolean().default(false),
  version: z.string().optional(),
  pid: z.string().optional(),
  registered_time: TimeInfoSchema.optional(),
  reregistered_time: TimeInfoSchema.optional(),
  total_resources: z.array(ResourceSchema).default([]),
  allocated_resources: z.array(ResourceSchema).default([]),
  offered_resources: z.array(ResourceSchema).default([]),
  capabilities: z.array(CapabilitySchema).default([]),
  drain_info: DrainInfoSchema.optional(),
  estimated_drain_start_time: TimeInfoSchema.optional(),
  resource_providers: z.array(ResourceProviderSchema).default([]),
});
export type Agent = z.infer<typeof AgentSchema>;

export const GetAgentsSchema = z.looseObject({
  agents: z.array(AgentSchema).default([]),
  recovered_agents: z.array(AgentInfoSchema).default([]),
});
export type GetAgents = z.infer<typeof GetAgentsSchema>;

export const GetTasksSchema = z.looseObject({
  pending_tasks: z.array(TaskSchema).default([]),
  tasks: z.array(TaskSchema).default([]),
  unreachable_tasks: z.array(TaskSchema).default([]),
  completed_tasks: z.array(TaskSchema).default([]),
  orphan_tasks: z.array(TaskSchema).default([]),
});
export type GetTasks = z.infer<typeof GetTasksSchema>;

/** `GetFrameworks.Framework`; events carry the same shape without offers and allocations. */
export const FrameworkSchema = z.looseObject({
  framework_info: FrameworkInfoSchema,
  active: z.boolean(),
  connected: z.boolean(),
  recovered: z.boolean().default(false),
  registered_time: TimeInfoSchema.optional(),
  reregistered_time: TimeInfoSchema.optional(),
  unregistered_time: TimeInfoSchema.optional(),
  offers: z.array(z.looseObject({})).default([]),
  inverse_offers: z.array(z.looseObject({})).default([]),
  allocated_resources: z.array(ResourceSchema).default([]),
  offered_resources: z.array(ResourceSchema).default([]),
});
export type Framework = z.infer<typeof FrameworkSchema>;

export const GetFrameworksSchema = z.looseObject({
  frameworks: z.array(FrameworkSchema).default([]),
  completed_frameworks: z.array(FrameworkSchema).default([]),
  recovered_frameworks: z.array(FrameworkInfoSchema).default([]),
});
export type GetFrameworks = z.infer<typeof GetFrameworksSchema>;

export const GetExecutorsSchema = z.looseObject({
  executors: z.array(z.looseObject({ executor_info: ExecutorInfoSchema, agent_id: IdSchema })).default([]),
  orphan_executors: z.array(z.looseObject({ executor_info: ExecutorInfoSchema, agent_id: IdSchema })).default([]),
});
export type GetExecutors = z.infer<typeof GetExecutorsSchema>;

/** GET_STATE, and the snapshot inside SUBSCRIBED. Every part defaults to empty lists. */
export const GetStateSchema = z.looseObject({
  get_tasks: GetTasksSchema.prefault({}),
  get_executors: GetExecutorsSchema.prefault({}),
  get_frameworks: GetFrameworksSchema.prefault({}),
  get_agents: GetAgentsSchema.prefault({}),
});
export type GetState = z.infer<typeof GetStateSchema>;

export const RoleSchema = z.looseObject({
  name: z.string(),
  weight: z.number().default(1),
  frameworks: z.array(IdSchema).default([]),
  resources: z.array(ResourceSchema).default([]),
});
export type Role = z.infer<typeof RoleSchema>;
export const GetRolesSchema = z.looseObject({ roles: z.array(RoleSchema).default([]) });
export type GetRoles = z.infer<typeof GetRolesSchema>;

export const WeightInfoSchema = z.looseObject({ weight: z.number(), role: z.string() });
export type WeightInfo = z.infer<typeof WeightInfoSchema>;
export const GetWeightsSchema = z.looseObject({ weight_infos: z.array(WeightInfoSchema).default([]) });
export type GetWeights = z.infer<typeof GetWeightsSchema>;

export const MasterInfoSchema = z.looseObject({
  id: z.string(),
  ip: z.number(),
  port: z.number(),
  pid: z.string().optional(),
  hostname: z.string().optional(),
  version: z.string().optional(),
  address: z.looseObject({ hostname: z.string().optional(), ip: z.string().optional(), port: z.number() }).optional(),
  capabilities: z.array(CapabilitySchema).default([]),
});
export const GetMasterSchema = z.looseObject({
  master_info: MasterInfoSchema,
  start_time: z.number().optional(),
  elected_time: z.number().optional(),
});
export type GetMaster = z.infer<typeof GetMasterSchema>;

export const InverseOfferStatusSchema = z.looseObject({
  status: z.string(),
  framework_id: IdSchema,
  timestamp: TimeInfoSchema,
});
export const GetMaintenanceStatusSchema = z.looseObject({
  status: z
    .looseObject({
      draining_machines: z
        .array(z.looseObject({ id: MachineIdSchema, statuses: z.array(InverseOfferStatusSchema).default([]) }))
        .default([]),
      down_machines: z.array(MachineIdSchema).default([]),
    })
    .prefault({}),
});
export type GetMaintenanceStatus = z.infer<typeof GetMaintenanceStatusSchema>;

export const GetMaintenanceScheduleSchema = z.looseObject({ schedule: ScheduleSchema.prefault({}) });
export type GetMaintenanceSchedule = z.infer<typeof GetMaintenanceScheduleSchema>;

export const ScalarMapSchema = z.record(z.string(), z.looseObject({ value: z.number() }));
/** `QuotaConfig {role, guarantees, limits}`; the maps are keyed by resource name. */
export const QuotaConfigSchema = z.looseObject({
  role: z.string(),
  guarantees: ScalarMapSchema.default({}),
  limits: ScalarMapSchema.default({}),
});
export type QuotaConfig = z.infer<typeof QuotaConfigSchema>;
export type QuotaConfigInput = z.input<typeof QuotaConfigSchema>;

/**
 * GET_QUOTA. Real Mesos puts `configs` beside the deprecated `infos` (src/master/quota_handler.cpp); the documented
 * example nests them inside `infos`, which is wrong.
 */
export const GetQuotaSchema = z.looseObject({
  status: z
    .looseObject({
      infos: z
        .array(
          z.looseObject({
            role: z.string().optional(),
            principal: z.string().optional(),
            guarantee: z.array(ResourceSchema).default([]),
          }),
        )
        .default([]),
      configs: z.array(QuotaConfigSchema).default([]),
    })
    .prefault({}),
});
export type GetQuota = z.infer<typeof GetQuotaSchema>;
