/**
 * Zod schemas of the Mesos v1 messages shared by master and agent responses (include/mesos/v1/mesos.proto).
 *
 * They mirror Mesos's snake_case wire JSON. Objects are loose, so fields a newer Mesos adds survive parsing.
 * Repeated fields default to `[]`, because Mesos's generic JSON writer omits empty arrays. 64-bit
 * `nanoseconds` become exact `bigint`s.
 */
import { z } from 'zod';

const DECIMAL = /^-?\d+$/;

function toBigInt(v: bigint | string | number): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/**
 * A 64-bit integer as a `bigint`. Accepts a decimal string (what the transport's int64 pre-pass produces), a
 * `bigint`, or an integral number (only exact below 2^53: a number that already went through `JSON.parse` may be
 * rounded).
 */
export const Int64Schema = z
  .union([z.string().regex(DECIMAL), z.bigint(), z.number().refine(Number.isInteger, 'expected an integer')])
  .transform(toBigInt);

/** `TimeInfo`: nanoseconds since the epoch. */
export const TimeInfoSchema = z.looseObject({ nanoseconds: Int64Schema });
export type TimeInfo = z.infer<typeof TimeInfoSchema>;

/** `DurationInfo`: a duration in nanoseconds. (DRAIN_AGENT's input uses google.protobuf.Duration instead.) */
export const DurationInfoSchema = z.looseObject({ nanoseconds: Int64Schema });
export type DurationInfo = z.infer<typeof DurationInfoSchema>;

/** Any `XxxID { value }` message: AgentID, FrameworkID, TaskID, ExecutorID, OperationID, UUID... */
export const IdSchema = z.looseObject({ value: z.string() });
export type Id = z.infer<typeof IdSchema>;

export const ScalarSchema = z.looseObject({ value: z.number() });
export const RangeSchema = z.looseObject({ begin: z.number(), end: z.number() });
export const RangesSchema = z.looseObject({ range: z.array(RangeSchema).default([]) });
export const SetSchema = z.looseObject({ item: z.array(z.string()).default([]) });
export const TextSchema = z.looseObject({ value: z.string() });

export const LabelSchema = z.looseObject({ key: z.string(), value: z.string().optional() });
export const LabelsSchema = z.looseObject({ labels: z.array(LabelSchema).default([]) });
export type Labels = z.infer<typeof LabelsSchema>;

export const ReservationInfoSchema = z.looseObject({
  type: z.string().optional(),
  role: z.string().optional(),
  principal: z.string().optional(),
  labels: LabelsSchema.optional(),
});

/** `Resource`, with both the refined `reservations` and the legacy `role`/`reservation` fields Mesos writes. */
export const ResourceSchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  scalar: ScalarSchema.optional(),
  ranges: RangesSchema.optional(),
  set: SetSchema.optional(),
  role: z.string().optional(),
  reservation: z.looseObject({ principal: z.string().optional(), labels: LabelsSchema.optional() }).optional(),
  reservations: z.array(ReservationInfoSchema).default([]),
  disk: z.looseObject({}).optional(),
  revocable: z.looseObject({}).optional(),
  shared: z.looseObject({}).optional(),
  provider_id: IdSchema.optional(),
  allocation_info: z.looseObject({ role: z.string().optional() }).optional(),
});
export type Resource = z.infer<typeof ResourceSchema>;
/** A resource as a caller writes it in a call (before defaults). */
export type ResourceInput = z.input<typeof ResourceSchema>;

/** A resource provider as GET_AGENTS (per agent) and the agent's GET_RESOURCE_PROVIDERS list it. */
export const ResourceProviderSchema = z.looseObject({
  resource_provider_info: z.looseObject({ type: z.string(), name: z.string(), id: IdSchema.optional() }),
  total_resources: z.array(ResourceSchema).default([]),
});

export const AttributeSchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  scalar: ScalarSchema.optional(),
  ranges: RangesSchema.optional(),
  set: SetSchema.optional(),
  text: TextSchema.optional(),
});
export type Attribute = z.infer<typeof AttributeSchema>;

export const DomainInfoSchema = z.looseObject({
  fault_domain: z
    .looseObject({
      region: z.looseObject({ name: z.string() }),
      zone: z.looseObject({ name: z.string() }),
    })
    .optional(),
});

/** `AgentInfo` (v0 SlaveInfo). */
export const AgentInfoSchema = z.looseObject({
  id: IdSchema.optional(),
  hostname: z.string(),
  port: z.number().optional(),
  attributes: z.array(AttributeSchema).default([]),
  resources: z.array(ResourceSchema).default([]),
  domain: DomainInfoSchema.optional(),
});
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

/** `MachineID`: maintenance matches a real agent only when both hostname and ip are set. */
export const MachineIdSchema = z.looseObject({ hostname: z.string().optional(), ip: z.string().optional() });
export type MachineID = z.infer<typeof MachineIdSchema>;

export const UnavailabilitySchema = z.looseObject({ start: TimeInfoSchema, duration: DurationInfoSchema.optional() });
export const WindowSchema = z.looseObject({
  machine_ids: z.array(MachineIdSchema).default([]),
  unavailability: UnavailabilitySchema,
});
/** `maintenance.Schedule`: the single cluster-wide schedule. */
export const ScheduleSchema = z.looseObject({ windows: z.array(WindowSchema).default([]) });
export type Schedule = z.infer<typeof ScheduleSchema>;
export type ScheduleInput = z.input<typeof ScheduleSchema>;

export const CommandInfoSchema = z.looseObject({
  value: z.string().optional(),
  shell: z.boolean().optional(),
  arguments: z.array(z.string()).default([]),
  uris: z.array(z.looseObject({ value: z.string() })).default([]),
  environment: z.looseObject({ variables: z.array(z.looseObject({ name: z.string() })).default([]) }).optional(),
  user: z.string().optional(),
});

/** `ContainerID`, with its parent chain for nested containers. */
export const ContainerIdSchema = z.looseObject({
  value: z.string(),
  get parent() {
    return ContainerIdSchema.optional();
  },
});
export type ContainerID = z.infer<typeof ContainerIdSchema>;

/**
 * `ContainerStatus`: what the agent merges into each status update it forwards (`Slave::_statusUpdate`): the
 * executor's container id (Mesos's CLI `task exec`s into it), its pid, and its network (the agent's own IP when no
 * network isolator set one).
 */
export const ContainerStatusSchema = z.looseObject({
  container_id: ContainerIdSchema.optional(),
  network_infos: z
    .array(
      z.looseObject({
        ip_addresses: z.array(z.looseObject({ ip_address: z.string().optional(), protocol: z.string().optional() })).default([]),
        name: z.string().optional(),
      }),
    )
    .default([]),
  executor_pid: z.number().optional(),
  cgroup_info: z.looseObject({}).optional(),
});
export type ContainerStatus = z.infer<typeof ContainerStatusSchema>;

/**
 * `TaskStatus`. `reason` is a v1 enum name: `REASON_AGENT_DRAINING`, `REASON_AGENT_REMOVED`,
 * `REASON_AGENT_REMOVED_BY_OPERATOR`, ... (never the C++ `REASON_SLAVE_*`). `uuid` is base64 of the update's bytes.
 */
export const TaskStatusSchema = z.looseObject({
  task_id: IdSchema,
  state: z.string(),
  message: z.string().optional(),
  source: z.string().optional(),
  reason: z.string().optional(),
  data: z.string().optional(),
  agent_id: IdSchema.optional(),
  executor_id: IdSchema.optional(),
  timestamp: z.number().optional(),
  uuid: z.string().optional(),
  healthy: z.boolean().optional(),
  labels: LabelsSchema.optional(),
  container_status: ContainerStatusSchema.optional(),
  unreachable_time: TimeInfoSchema.optional(),
});
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

/** `Task` as the master and the agent report it. */
export const TaskSchema = z.looseObject({
  name: z.string(),
  task_id: IdSchema,
  framework_id: IdSchema,
  agent_id: IdSchema,
  executor_id: IdSchema.optional(),
  state: z.string(),
  resources: z.array(ResourceSchema).default([]),
  statuses: z.array(TaskStatusSchema).default([]),
  status_update_state: z.string().optional(),
  status_update_uuid: z.string().optional(),
  labels: LabelsSchema.optional(),
  kill_policy: z.looseObject({ grace_period: DurationInfoSchema.optional() }).optional(),
  user: z.string().optional(),
  role: z.string().optional(),
});
export type Task = z.infer<typeof TaskSchema>;

/**
 * A `Capability {type}` of a master, agent or framework. A value newer than the sender's v1 protocol (a 1.11
 * master's QUOTA_V2) leaves `type` unset, so Mesos writes `{}`: read as the enum's default, `UNKNOWN`, as protobuf does.
 */
export const CapabilitySchema = z.looseObject({ type: z.string().default('UNKNOWN') });
export type Capability = z.infer<typeof CapabilitySchema>;

export const FrameworkInfoSchema = z.looseObject({
  user: z.string(),
  name: z.string(),
  id: IdSchema.optional(),
  failover_timeout: z.number().optional(),
  checkpoint: z.boolean().optional(),
  role: z.string().optional(),
  roles: z.array(z.string()).default([]),
  hostname: z.string().optional(),
  principal: z.string().optional(),
  webui_url: z.string().optional(),
  capabilities: z.array(CapabilitySchema).default([]),
  labels: LabelsSchema.optional(),
});
export type FrameworkInfo = z.infer<typeof FrameworkInfoSchema>;

export const ExecutorInfoSchema = z.looseObject({
  executor_id: IdSchema,
  framework_id: IdSchema.optional(),
  command: CommandInfoSchema.optional(),
  resources: z.array(ResourceSchema).default([]),
  name: z.string().optional(),
  source: z.string().optional(),
  type: z.string().optional(),
});
export type ExecutorInfo = z.infer<typeof ExecutorInfoSchema>;

/** A container id as a caller writes it. */
export interface ContainerIdInput {
  value: string;
  parent?: ContainerIdInput;
}

/** `OperationStatus`: `uuid.value` is base64 of the status update's 16 bytes. */
export const OperationStatusSchema = z.looseObject({
  operation_id: IdSchema.optional(),
  state: z.string(),
  message: z.string().optional(),
  converted_resources: z.array(ResourceSchema).default([]),
  uuid: IdSchema.optional(),
  agent_id: IdSchema.optional(),
  resource_provider_id: IdSchema.optional(),
});
export type OperationStatus = z.infer<typeof OperationStatusSchema>;

/**
 * `Offer.Operation`, the details of an operation nested by kind as in a call: `{type: 'RESERVE', reserve:
 * {resources}}`, `create: {volumes}`, `destroy: {volumes}`, `unreserve: {resources}`, `grow_volume: {volume,
 * addition}`, `shrink_volume: {volume, subtract}` (others, e.g. `create_disk`, are kept as they come).
 */
export const OfferOperationSchema = z.looseObject({
  type: z.string(),
  id: IdSchema.optional(),
  reserve: z.looseObject({ source: z.array(ResourceSchema).default([]), resources: z.array(ResourceSchema).default([]) }).optional(),
  unreserve: z.looseObject({ resources: z.array(ResourceSchema).default([]) }).optional(),
  create: z.looseObject({ volumes: z.array(ResourceSchema).default([]) }).optional(),
  destroy: z.looseObject({ volumes: z.array(ResourceSchema).default([]) }).optional(),
  grow_volume: z.looseObject({ volume: ResourceSchema, addition: ResourceSchema }).optional(),
  shrink_volume: z.looseObject({ volume: ResourceSchema, subtract: ScalarSchema }).optional(),
});
export type OfferOperation = z.infer<typeof OfferOperationSchema>;

/**
 * `Operation` (master and agent GET_OPERATIONS): the details in `info` (an `Offer.Operation`), never flattened
 * beside `type`; `uuid.value` is base64 of the operation's 16 bytes. Operator-API operations have no framework and
 * no operation id.
 */
export const OperationSchema = z.looseObject({
  framework_id: IdSchema.optional(),
  agent_id: IdSchema.optional(),
  info: OfferOperationSchema,
  latest_status: OperationStatusSchema.optional(),
  statuses: z.array(OperationStatusSchema).default([]),
  uuid: IdSchema,
});
export type Operation = z.infer<typeof OperationSchema>;

export const FlagSchema = z.looseObject({ name: z.string(), value: z.string().optional() });
export const MetricSchema = z.looseObject({ name: z.string(), value: z.number().optional() });

export const GetHealthSchema = z.looseObject({ healthy: z.boolean() });
export const GetFlagsSchema = z.looseObject({ flags: z.array(FlagSchema).default([]) });
export const GetVersionSchema = z.looseObject({
  version_info: z.looseObject({
    version: z.string(),
    build_date: z.string().optional(),
    build_time: z.number().optional(),
    build_user: z.string().optional(),
    git_sha: z.string().optional(),
    git_branch: z.string().optional(),
    git_tag: z.string().optional(),
  }),
});
export const GetMetricsSchema = z.looseObject({ metrics: z.array(MetricSchema).default([]) });
export const GetLoggingLevelSchema = z.looseObject({ level: z.number() });
export const FileInfoSchema = z.looseObject({
  path: z.string(),
  nlink: z.number().optional(),
  size: z.number().optional(),
  mtime: TimeInfoSchema.optional(),
  mode: z.number().optional(),
  uid: z.string().optional(),
  gid: z.string().optional(),
});
export const ListFilesSchema = z.looseObject({ file_infos: z.array(FileInfoSchema).default([]) });
/** READ_FILE: `data` is base64 of the bytes read; `size` is the whole file's size. */
export const ReadFileSchema = z.looseObject({ size: z.number(), data: z.string().default('') });
export const GetOperationsSchema = z.looseObject({ operations: z.array(OperationSchema).default([]) });

export type GetHealth = z.infer<typeof GetHealthSchema>;
export type GetFlags = z.infer<typeof GetFlagsSchema>;
export type GetVersion = z.infer<typeof GetVersionSchema>;
export type GetMetrics = z.infer<typeof GetMetricsSchema>;
export type GetLoggingLevel = z.infer<typeof GetLoggingLevelSchema>;
export type ListFiles = z.infer<typeof ListFilesSchema>;
export type ReadFile = z.infer<typeof ReadFileSchema>;
export type GetOperations = z.infer<typeof GetOperationsSchema>;
