/**
 * Zod schemas of master SUBSCRIBE events (include/mesos/v1/master/master.proto `Event`), as one discriminated
 * union on `type`.
 */
import { z } from 'zod';
import { FrameworkInfoSchema, IdSchema, TaskSchema, TaskStatusSchema } from './common';
import { AgentSchema, FrameworkSchema, GetStateSchema } from './master';

/** Default heartbeat interval of a Mesos master (src/master/constants.hpp), used until SUBSCRIBED says otherwise. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 15;

export const SubscribedEventSchema = z.looseObject({
  type: z.literal('SUBSCRIBED'),
  subscribed: z.looseObject({
    get_state: GetStateSchema.prefault({}),
    heartbeat_interval_seconds: z.number().optional(),
  }),
});
export const HeartbeatEventSchema = z.looseObject({ type: z.literal('HEARTBEAT') });
export const TaskAddedEventSchema = z.looseObject({
  type: z.literal('TASK_ADDED'),
  task_added: z.looseObject({ task: TaskSchema }),
});
/** Sent only when a task's state changes; `state` is the latest agent-reported state. */
export const TaskUpdatedEventSchema = z.looseObject({
  type: z.literal('TASK_UPDATED'),
  task_updated: z.looseObject({ framework_id: IdSchema, status: TaskStatusSchema, state: z.string() }),
});
export const FrameworkAddedEventSchema = z.looseObject({
  type: z.literal('FRAMEWORK_ADDED'),
  framework_added: z.looseObject({ framework: FrameworkSchema }),
});
export const FrameworkUpdatedEventSchema = z.looseObject({
  type: z.literal('FRAMEWORK_UPDATED'),
  framework_updated: z.looseObject({ framework: FrameworkSchema }),
});
export const FrameworkRemovedEventSchema = z.looseObject({
  type: z.literal('FRAMEWORK_REMOVED'),
  framework_removed: z.looseObject({ framework_info: FrameworkInfoSchema }),
});
export const AgentAddedEventSchema = z.looseObject({
  type: z.literal('AGENT_ADDED'),
  agent_added: z.looseObject({ agent: AgentSchema }),
});
/** Not sent when an agent becomes unreachable or is marked gone. */
export const AgentRemovedEventSchema = z.looseObject({
  type: z.literal('AGENT_REMOVED'),
  agent_removed: z.looseObject({ agent_id: IdSchema }),
});
/** An event type this client does not know (a newer Mesos); kept so the stream does not fail. */
export const UnknownEventSchema = z.looseObject({ type: z.literal('UNKNOWN') });

/** The known events, discriminated on `type`. */
export const MasterEventUnionSchema = z.discriminatedUnion('type', [
  SubscribedEventSchema,
  HeartbeatEventSchema,
  TaskAddedEventSchema,
  TaskUpdatedEventSchema,
  FrameworkAddedEventSchema,
  FrameworkUpdatedEventSchema,
  FrameworkRemovedEventSchema,
  AgentAddedEventSchema,
  AgentRemovedEventSchema,
  UnknownEventSchema,
]);
export type MasterEvent = z.infer<typeof MasterEventUnionSchema>;
export type MasterEventType = MasterEvent['type'];
export type SubscribedEvent = z.infer<typeof SubscribedEventSchema>;

/** The event types of {@link MasterEventSchema}. */
export const MASTER_EVENT_TYPES: ReadonlySet<string> = new Set<MasterEventType>([
  'SUBSCRIBED',
  'HEARTBEAT',
  'TASK_ADDED',
  'TASK_UPDATED',
  'FRAMEWORK_ADDED',
  'FRAMEWORK_UPDATED',
  'FRAMEWORK_REMOVED',
  'AGENT_ADDED',
  'AGENT_REMOVED',
  'UNKNOWN',
]);

/** An event whose `type` this client does not know becomes `{type: 'UNKNOWN', original_type}` instead of failing. */
function markUnknown(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const type: unknown = Reflect.get(value, 'type');
  if (typeof type === 'string' && MASTER_EVENT_TYPES.has(type)) return value;
  return { type: 'UNKNOWN', original_type: type };
}

/** A master event; unknown event types map to UNKNOWN so a newer master does not break the stream. */
export const MasterEventSchema = z.preprocess(markUnknown, MasterEventUnionSchema);
