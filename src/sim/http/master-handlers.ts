/**
 * One handler per master call type (include/mesos/v1/master/master.proto). Reads answer 200 with JSON;
 * writes 200 empty, except the resource operations (202), as the Mesos code does (spec §1.1 step 12, §6).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifyJson } from '../json';
import { deactivateAgent, drainAgent, reactivateAgent } from '../model/drain';
import { ApiError } from '../model/errors';
import { markAgentGone, removeAgentForMaintenance, scheduleMachineReturn } from '../model/lifecycle';
import { agentsOnMachine, scheduleView, startMaintenance, statusView, stopMaintenance, updateSchedule } from '../model/maintenance';
import { quotaView, removeQuota, rolesView, setQuota, updateQuota, updateWeights, weightsView } from '../model/quota';
import { createVolumes, destroyVolumes, growVolume, reserve, shrinkVolume, unreserve } from '../model/reservations';
import { envelope, envelopeParts, getAgentsJson, getExecutorsJson, getFrameworksJson, getStateJson, getTasksJson, operationView, type JsonParts } from '../model/views';
import type { ParsedCall } from '../proto/call';
import type { ProtoObject } from '../proto/convert';
import type { MasterCallType } from '../proto/messages';
import { savedPayload } from '../rehearsal';
import type { MasterNode, SimRuntime } from '../runtime';
import { authenticate } from './auth';
import { startSubscribe } from './subscribe';

/** A handler's answer: a status with an optional JSON body, or "the handler streamed the response itself". */
export type Reply = { status: number; json?: string | Buffer } | { streamed: true };

/** What a handler gets. */
export interface MasterContext {
  rt: SimRuntime;
  master: MasterNode;
  call: ParsedCall<MasterCallType>;
  req: IncomingMessage;
  res: ServerResponse;
  dropStreamAfterMs?: number;
}

type Handler = (ctx: MasterContext) => Reply | Promise<Reply>;

const ok = (type: string, payload: unknown): Reply => ({ status: 200, json: envelope(type, stringifyJson(payload)) });
const okParts = (type: string, payload: JsonParts): Reply => ({ status: 200, json: envelopeParts(type, payload) });
const done: Reply = { status: 200 };
const accepted: Reply = { status: 202 };

const agentIdOf = (b: ProtoObject): string => (b.agent_id as { value: string }).value;

function principalOf(ctx: MasterContext): string | undefined {
  return ctx.rt.options.credentials ? authenticate(ctx.req, ctx.rt.options.credentials) : undefined;
}

function cached(ctx: MasterContext, type: string, build: () => JsonParts): Reply {
  return { status: 200, json: ctx.rt.cachedView(type, () => envelopeParts(type, build())) };
}

/** Every master call type → its handler; the compiler checks the table is complete. */
export const MASTER_HANDLERS = {
  UNKNOWN: () => ({ status: 501 }),
  GET_HEALTH: () => ok('GET_HEALTH', { healthy: true }),
  GET_FLAGS: (ctx) => ok('GET_FLAGS', { flags: ctx.rt.masterFlags(ctx.master) }),
  GET_VERSION: (ctx) =>
    ok('GET_VERSION', (savedPayload(ctx.rt.options.version, 'get_version') as Record<string, unknown> | undefined) ?? { version_info: { version: '1.11.0', build_date: '2020-11-19 18:35:48', build_time: 1605810948, build_user: 'mesos-sim', git_sha: 'sim' } }),
  GET_METRICS: (ctx) => ok('GET_METRICS', { metrics: ctx.rt.masterMetrics() }),
  GET_LOGGING_LEVEL: (ctx) => ok('GET_LOGGING_LEVEL', { level: ctx.rt.logging.level }),
  SET_LOGGING_LEVEL: (ctx) => {
    const b = ctx.call.body as { level: number; duration: { nanoseconds: bigint } };
    ctx.rt.logging.set(b.level, Number(b.duration.nanoseconds) / 1e6);
    return done;
  },
  LIST_FILES: (ctx) => ok('LIST_FILES', { file_infos: ctx.rt.masterFiles.list(String(ctx.call.body.path)) }),
  READ_FILE: (ctx) => {
    const b = ctx.call.body as { path: string; offset: bigint; length?: bigint };
    return ok('READ_FILE', ctx.rt.masterFiles.read(b.path, Number(b.offset), b.length === undefined ? undefined : Number(b.length)));
  },
  GET_STATE: (ctx) => cached(ctx, 'GET_STATE', () => getStateJson(ctx.rt.model)),
  GET_AGENTS: (ctx) => cached(ctx, 'GET_AGENTS', () => getAgentsJson(ctx.rt.model)),
  GET_FRAMEWORKS: (ctx) => okParts('GET_FRAMEWORKS', getFrameworksJson(ctx.rt.model)),
  GET_EXECUTORS: (ctx) => okParts('GET_EXECUTORS', getExecutorsJson(ctx.rt.model)),
  GET_TASKS: (ctx) => cached(ctx, 'GET_TASKS', () => getTasksJson(ctx.rt.model)),
  GET_OPERATIONS: (ctx) => {
    const ops = ctx.rt.model.operations.map(operationView);
    return ok('GET_OPERATIONS', ops.length > 0 ? { operations: ops } : {});
  },
  GET_ROLES: (ctx) => ok('GET_ROLES', rolesView(ctx.rt.model)),
  GET_WEIGHTS: (ctx) => ok('GET_WEIGHTS', weightsView(ctx.rt.model)),
  UPDATE_WEIGHTS: (ctx) => {
    updateWeights(ctx.rt.model, (ctx.call.body.weight_infos as { role?: string; weight: number }[] | undefined) ?? []);
    return done;
  },
  GET_MASTER: (ctx) => ok('GET_MASTER', ctx.rt.masterInfoPayload(ctx.master)),
  SUBSCRIBE: (ctx) => {
    const stream = startSubscribe(ctx.req, ctx.res, ctx.rt.model, ctx.rt.clock, {
      heartbeatSeconds: ctx.rt.options.heartbeatIntervalSeconds,
      ...(ctx.dropStreamAfterMs !== undefined ? { dropAfterRealMs: ctx.dropStreamAfterMs } : {}),
      onClose: () => ctx.master.streams.delete(stream),
    });
    ctx.master.streams.add(stream);
    ctx.rt.capSubscribers(ctx.master);
    return { streamed: true };
  },
  RESERVE_RESOURCES: (ctx) => {
    const b = ctx.call.body;
    reserve(ctx.rt.model, agentIdOf(b), b.source as unknown[] | undefined, b.resources as unknown[] | undefined, principalOf(ctx));
    return accepted;
  },
  UNRESERVE_RESOURCES: (ctx) => {
    unreserve(ctx.rt.model, agentIdOf(ctx.call.body), ctx.call.body.resources as unknown[] | undefined);
    return accepted;
  },
  CREATE_VOLUMES: (ctx) => {
    createVolumes(ctx.rt.model, agentIdOf(ctx.call.body), ctx.call.body.volumes as unknown[] | undefined, principalOf(ctx));
    return accepted;
  },
  DESTROY_VOLUMES: (ctx) => {
    destroyVolumes(ctx.rt.model, agentIdOf(ctx.call.body), ctx.call.body.volumes as unknown[] | undefined);
    return accepted;
  },
  GROW_VOLUME: (ctx) => {
    const b = ctx.call.body;
    if (b.agent_id === undefined) throw new ApiError(400, "Failed to validate master::Call: Expecting 'agent_id' to be present");
    growVolume(ctx.rt.model, agentIdOf(b), b.volume, b.addition);
    return accepted;
  },
  SHRINK_VOLUME: (ctx) => {
    const b = ctx.call.body;
    if (b.agent_id === undefined) throw new ApiError(400, "Failed to validate master::Call: Expecting 'agent_id' to be present");
    shrinkVolume(ctx.rt.model, agentIdOf(b), b.volume, (b.subtract as { value: number }).value);
    return accepted;
  },
  GET_MAINTENANCE_STATUS: (ctx) => ok('GET_MAINTENANCE_STATUS', statusView(ctx.rt.model)),
  GET_MAINTENANCE_SCHEDULE: (ctx) => ok('GET_MAINTENANCE_SCHEDULE', scheduleView(ctx.rt.model)),
  UPDATE_MAINTENANCE_SCHEDULE: (ctx) => {
    updateSchedule(ctx.rt.model, ctx.call.body.schedule as { windows?: Record<string, unknown>[] });
    return done;
  },
  START_MAINTENANCE: (ctx) => {
    const model = ctx.rt.model;
    const machines = startMaintenance(model, ctx.call.body.machines as Record<string, unknown>[] | undefined);
    for (const m of machines) for (const a of agentsOnMachine(model, m)) removeAgentForMaintenance(model, a);
    return done;
  },
  STOP_MAINTENANCE: (ctx) => {
    const machines = stopMaintenance(ctx.rt.model, ctx.call.body.machines as Record<string, unknown>[] | undefined);
    scheduleMachineReturn(ctx.rt.model, machines);
    return done;
  },
  DRAIN_AGENT: (ctx) => {
    const b = ctx.call.body as { agent_id: { value: string }; max_grace_period?: { seconds?: bigint; nanos?: number }; mark_gone?: boolean };
    const g = b.max_grace_period;
    drainAgent(ctx.rt.model, {
      agentId: b.agent_id.value,
      markGone: b.mark_gone === true,
      ...(g !== undefined ? { maxGraceNs: (g.seconds ?? 0n) * 1_000_000_000n + BigInt(g.nanos ?? 0) } : {}),
    });
    return done;
  },
  DEACTIVATE_AGENT: (ctx) => {
    deactivateAgent(ctx.rt.model, agentIdOf(ctx.call.body));
    return done;
  },
  REACTIVATE_AGENT: (ctx) => {
    reactivateAgent(ctx.rt.model, agentIdOf(ctx.call.body));
    return done;
  },
  GET_QUOTA: (ctx) => ok('GET_QUOTA', quotaView(ctx.rt.model)),
  UPDATE_QUOTA: (ctx) => {
    const b = ctx.call.body as { force?: boolean; quota_configs?: { role: string; guarantees?: unknown; limits?: unknown }[] };
    updateQuota(ctx.rt.model, b.force === true, b.quota_configs ?? []);
    return done;
  },
  SET_QUOTA: (ctx) => {
    setQuota(ctx.rt.model, ctx.call.body.quota_request as Parameters<typeof setQuota>[1]);
    return done;
  },
  REMOVE_QUOTA: (ctx) => {
    removeQuota(ctx.rt.model, String(ctx.call.body.role));
    return done;
  },
  TEARDOWN: (ctx) => {
    ctx.rt.teardownFramework((ctx.call.body.framework_id as { value: string }).value);
    return done;
  },
  MARK_AGENT_GONE: (ctx) => {
    markAgentGone(ctx.rt.model, agentIdOf(ctx.call.body));
    return done;
  },
} satisfies Record<MasterCallType, Handler>;
